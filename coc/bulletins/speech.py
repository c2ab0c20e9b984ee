"""Text to speech, offline by default: espeak-ng's Vietnamese voice, or a commercial TTS
HTTP API (configurable URL, auth, body template and answer) through `coc.net`. Both write
a file the converter (`coc.bulletins.audio`) turns into what the clusters fetch."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from coc.config import BulletinSettings
from coc.errors import CocError
from coc.net import Auth, HttpClient, Target
from coc.net.retry import RetryPolicy


class SpeechUnavailable(CocError):
    """The speech engine or audio tool is missing or failed; the message says what to do."""


class Engine(Protocol):
    name: str

    def synthesize(self, text: str, voice: str, out: Path) -> Path:
        """Write speech for `text` to a file next to `out` and return its path."""
        ...


def need_tool(tool: str, package: str | None = None) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SpeechUnavailable(
            f"chưa cài {tool}: cài gói Debian '{package or tool}' (apt-get install -y "
            f"{package or tool}) rồi thử lại"
        )
    return path


@dataclass(frozen=True)
class EspeakEngine:
    """espeak-ng (Debian package espeak-ng): voices vi, vi-vn-x-central, vi-vn-x-south."""

    speed_wpm: int = 150
    name: str = "espeak"

    def synthesize(self, text: str, voice: str, out: Path) -> Path:
        exe = need_tool("espeak-ng")
        wav = out.with_suffix(".wav")
        cmd = [exe, "-v", voice, "-s", str(self.speed_wpm), "-w", str(wav), "--stdin"]
        try:
            done = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            raise SpeechUnavailable("espeak-ng chạy quá 120 giây") from None
        if done.returncode != 0 or not wav.exists():
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
            raise SpeechUnavailable(f"espeak-ng không tạo được âm thanh: {' '.join(reason)}")
        return wav


def fill_body(template: str, text: str, voice: str, escaped: bool = True) -> str:
    """The request body: {text} and {voice} filled in, JSON-escaped for a JSON body (so
    quotes and newlines in a bulletin cannot break it), raw otherwise."""

    def esc(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)[1:-1] if escaped else value

    return template.replace("{text}", esc(text)).replace("{voice}", esc(voice))


def _auth(scheme: str, token: str | None) -> tuple[Auth, dict[str, str]]:
    """none | basic (token = user:password) | header:NAME (token in that header, as
    FPT.AI's api-key or Viettel's token) | a scheme for Authorization (Bearer …)."""
    low = scheme.strip().lower()
    if low == "none" or not token:
        return Auth(), {}
    if low == "basic":
        user, _, password = token.partition(":")
        return Auth.basic(user, password), {}
    if low.startswith("header:"):
        return Auth(), {scheme.split(":", 1)[1].strip(): token}
    return Auth(scheme.strip(), token), {}


@dataclass
class HttpEngine:
    """A commercial Vietnamese TTS API: POST the filled body; the answer is the audio
    itself (`audio`), or JSON naming a URL where it can be fetched (`json:<field>`)."""

    url: str
    body: str
    content_type: str = "application/json"
    response: str = "audio"
    auth_scheme: str = "none"
    token: str | None = None
    timeout_s: float = 60.0
    max_retries: int = 3
    name: str = "http"
    sleep: Callable[[float], None] | None = None  # coc.net's sleep, injectable for tests

    def _client(self, url: str) -> HttpClient:
        auth, headers = _auth(self.auth_scheme, self.token)
        policy = RetryPolicy(max_retries=self.max_retries, timeout_s=self.timeout_s)
        target = Target(url, auth, policy, headers=headers)
        return HttpClient(target, sleep=self.sleep) if self.sleep else HttpClient(target)

    def synthesize(self, text: str, voice: str, out: Path) -> Path:
        as_json = "json" in self.content_type.lower()
        body = fill_body(self.body, text, voice, as_json).encode("utf-8")
        with self._client(self.url) as client:
            reply = client.request("POST", data=body, headers={"Content-Type": self.content_type})
            if not 200 <= reply.status < 300:
                raise SpeechUnavailable(
                    f"dịch vụ chuyển văn bản thành giọng nói trả lời HTTP {reply.status}"
                )
            audio = reply.response.content
            if self.response.startswith("json:"):
                audio = self._fetch_from_json(reply.response, self.response[5:])
        if not audio:
            raise SpeechUnavailable("dịch vụ chuyển văn bản thành giọng nói trả về tệp rỗng")
        raw = out.with_suffix(sniff_suffix(audio))
        raw.write_bytes(audio)
        return raw

    def _fetch_from_json(self, response: object, field: str) -> bytes:
        try:
            data = response.json()  # type: ignore[attr-defined]
            link = data
            for part in field.split("."):
                link = link[part]
        except (ValueError, KeyError, TypeError):
            raise SpeechUnavailable(
                f"câu trả lời của dịch vụ giọng nói thiếu trường '{field}'"
            ) from None
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            raise SpeechUnavailable(f"trường '{field}' không phải địa chỉ tệp âm thanh")
        with self._client(link) as fetch:
            got = fetch.request("GET")
            if not 200 <= got.status < 300:
                raise SpeechUnavailable(f"không tải được tệp âm thanh: HTTP {got.status}")
            return got.response.content


def sniff_suffix(data: bytes) -> str:
    """The file suffix an audio body's first bytes name (so sox knows what to read)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return ".wav"
    if data[:4] == b"OggS":
        return ".ogg"
    if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return ".mp3"
    return ".bin"


def engine_from_settings(cfg: BulletinSettings) -> Engine:
    if cfg.engine == "http":
        if not cfg.tts_url:
            raise SpeechUnavailable("bulletins.engine = http cần bulletins.tts_url")
        return HttpEngine(
            url=cfg.tts_url,
            body=cfg.tts_body,
            content_type=cfg.tts_content_type,
            response=cfg.tts_response,
            auth_scheme=cfg.tts_auth_scheme,
            token=cfg.tts_token,
            timeout_s=cfg.tts_timeout_s,
            max_retries=cfg.tts_max_retries,
        )
    return EspeakEngine(cfg.speed_wpm)
