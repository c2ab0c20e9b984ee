"""The audio the clusters fetch: converted to a compact format with a packaged tool (sox
or ffmpeg), measured, and cached by content, so the same text and voice (and engine) is
spoken once. Files live under `<data>/audio/` and are served at /api/v1/bulletins/audio/."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from coc.bulletins.speech import Engine, SpeechUnavailable
from coc.files import private_dir

KEY = re.compile(r"[0-9a-f]{40}")
RATE = 16000  # speech: 16 kHz mono is plenty and small
MIME = {"ogg": "audio/ogg", "wav": "audio/wav"}


@dataclass(frozen=True)
class Audio:
    key: str  # 40 hex digits: the file name without suffix
    path: Path
    duration_s: float
    fmt: str

    @property
    def mime(self) -> str:
        return MIME[self.fmt]


def cache_key(engine: str, voice: str, text: str, extra: str = "") -> str:
    raw = "\x1f".join(("tts", engine, voice, extra, " ".join(text.split())))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def upload_key(data: bytes) -> str:
    return hashlib.sha256(b"upload\x1f" + data).hexdigest()[:40]


def wav_duration(path: Path) -> float:
    """Seconds of a WAV file; raises wave.Error / EOFError when it does not decode."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


def _run(cmd: list[str], what: str) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise SpeechUnavailable(f"{what} chạy quá 300 giây") from None
    if done.returncode != 0:
        line = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise SpeechUnavailable(f"{what} không đọc được tệp âm thanh: {line[0][:200]}")


def convert(src: Path, dst: Path) -> None:
    """Any audio the tool reads → mono 16 kHz `dst` (format from its suffix)."""
    ffmpeg, sox = shutil.which("ffmpeg"), shutil.which("sox")
    if ffmpeg is None and sox is None:
        raise SpeechUnavailable(
            "chưa cài công cụ chuyển đổi âm thanh: cài gói Debian 'sox' hoặc 'ffmpeg' "
            "(apt-get install -y sox)"
        )
    if sox is not None and src.suffix in (".wav", ".ogg"):  # sox reads these everywhere
        _run([sox, "-q", "-G", str(src), "-c", "1", "-r", str(RATE), str(dst)], "sox")
    elif ffmpeg is not None:
        codec = ["-c:a", "libvorbis", "-q:a", "3"] if dst.suffix == ".ogg" else []
        cmd = [ffmpeg, "-y", "-loglevel", "error", "-i", str(src), "-ac", "1", "-ar", str(RATE)]
        _run([*cmd, *codec, str(dst)], "ffmpeg")
    else:
        _run([str(sox), "-q", "-G", str(src), "-c", "1", "-r", str(RATE), str(dst)], "sox")


class AudioCache:
    def __init__(self, data_dir: Path, fmt: str = "ogg") -> None:
        self.root = Path(data_dir) / "audio"
        self.fmt = fmt

    def _dir(self) -> Path:
        return private_dir(self.root, "thư mục âm thanh")

    def path(self, key: str) -> Path | None:
        """The served file of a key; None for a key that is not 40 hex digits or absent."""
        if not KEY.fullmatch(key or ""):
            return None
        for fmt in (self.fmt, *(f for f in MIME if f != self.fmt)):
            candidate = self.root / f"{key}.{fmt}"
            if candidate.is_file():
                return candidate
        return None

    def get(self, key: str) -> Audio | None:
        path = self.path(key)
        meta = self.root / f"{key}.json"
        if path is None or not meta.is_file():
            return None
        try:
            duration = float(json.loads(meta.read_text())["duration_s"])
        except (ValueError, KeyError, TypeError):
            return None
        return Audio(key, path, duration, path.suffix[1:])

    def _store(self, key: str, source: Path) -> Audio:
        """Normalise `source` to WAV (its duration), then to the served format."""
        root = self._dir()
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            wav = Path(tmp) / "norm.wav"
            if source.suffix == ".wav" and self.fmt == "wav":
                shutil.copyfile(source, wav)
            else:
                convert(source, wav)
            try:
                duration = wav_duration(wav)
            except (wave.Error, EOFError):
                raise SpeechUnavailable("tệp âm thanh không giải mã được") from None
            final = Path(tmp) / f"out.{self.fmt}"
            if self.fmt == "wav":
                shutil.copyfile(wav, final)
            else:
                convert(wav, final)
            final.replace(root / f"{key}.{self.fmt}")
        duration = round(duration, 3)
        (root / f"{key}.json").write_text(json.dumps({"duration_s": duration}))
        return Audio(key, root / f"{key}.{self.fmt}", duration, self.fmt)

    def speak(self, engine: Engine, text: str, voice: str, extra: str = "") -> Audio:
        """The cached audio of this text in this voice and engine, made once."""
        key = cache_key(engine.name, voice, text, extra)
        if (hit := self.get(key)) is not None:
            return hit
        with tempfile.TemporaryDirectory(dir=self._dir()) as tmp:
            made = engine.synthesize(text, voice, Path(tmp) / "speech")
            return self._store(key, made)

    def upload(self, data: bytes, suffix: str) -> Audio:
        key = upload_key(data)
        if (hit := self.get(key)) is not None:
            return hit
        suffix = suffix.lower() if suffix.lower() in (".wav", ".ogg", ".mp3", ".m4a") else ".bin"
        with tempfile.TemporaryDirectory(dir=self._dir()) as tmp:
            src = Path(tmp) / f"upload{suffix}"
            src.write_bytes(data)
            return self._store(key, src)
