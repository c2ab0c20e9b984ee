"""Speech: real espeak-ng output (the WAV decodes, its length fits the text), the sox
conversion, the cache by text + voice + engine, and a TTS HTTP API on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import needs, serve

from coc.bulletins.audio import AudioCache, cache_key, wav_duration
from coc.bulletins.speech import EspeakEngine, HttpEngine, SpeechUnavailable, fill_body

TEXT = (
    "Thông báo khẩn cấp: mực nước sông Hồng tại bến Chương Dương đã vượt mức báo động ba. "
    "Đề nghị bà con các thôn ven sông khẩn trương di chuyển người và tài sản đến nơi an toàn."
)
needs_espeak = needs(shutil.which("espeak-ng") is not None, "espeak-ng is not installed")
needs_sox = needs(shutil.which("sox") is not None, "sox is not installed")


def nominal_s(text: str, wpm: int) -> float:
    return len(text.split()) / wpm * 60


@needs_espeak
def test_espeak_vietnamese_wav_decodes_and_fits_the_text(tmp_path: Path) -> None:
    fast = EspeakEngine(speed_wpm=150).synthesize(TEXT, "vi", tmp_path / "a")
    slow = EspeakEngine(speed_wpm=100).synthesize(TEXT, "vi", tmp_path / "b")
    with wave.open(str(fast)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        frames = wav.readframes(wav.getnframes())
    assert (
        max(
            abs(int.from_bytes(frames[i : i + 2], "little", signed=True))
            for i in range(0, len(frames), 200)
        )
        > 1000
    )  # fmt: skip  (speech, not silence)
    d_fast, d_slow = wav_duration(fast), wav_duration(slow)
    # 38 syllable-words at 150 words a minute: 15,2 s nominal; espeak-ng's Vietnamese
    # syllables run a little shorter than that
    assert 0.5 * nominal_s(TEXT, 150) < d_fast < 1.3 * nominal_s(TEXT, 150), d_fast
    assert 1.3 < d_slow / d_fast < 1.7  # a third slower speech takes about 1,5 times as long
    short = EspeakEngine().synthesize("Xin chào bà con", "vi", tmp_path / "c")
    assert wav_duration(short) < d_fast / 5


@needs_espeak
@needs_sox
def test_cache_makes_compact_ogg_once_per_text_voice_and_engine(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, "ogg")
    calls: list[str] = []

    class Counting(EspeakEngine):
        def synthesize(self, text: str, voice: str, out: Path) -> Path:
            calls.append(voice)
            return super().synthesize(text, voice, out)

    engine = Counting()
    first = cache.speak(engine, TEXT, "vi")
    again = cache.speak(engine, "  " + TEXT.replace(" ", "  ") + "\n", "vi")  # same words
    south = cache.speak(engine, TEXT, "vi-vn-x-south")
    assert calls == ["vi", "vi-vn-x-south"]
    assert again == first and first.key != south.key
    assert first.path.suffix == ".ogg" and first.path.read_bytes()[:4] == b"OggS"
    soxi = subprocess.run(["soxi", "-D", str(first.path)], capture_output=True, text=True)
    assert abs(float(soxi.stdout) - first.duration_s) < 0.05
    wav_size = first.duration_s * 22050 * 2
    assert first.path.stat().st_size < wav_size / 5  # compact
    assert cache.get(first.key) == first
    assert cache.path("../../etc/passwd") is None and cache.path("0" * 40) is None
    assert cache_key("espeak", "vi", TEXT) != cache_key("http", "vi", TEXT)


@needs_espeak
@needs_sox
def test_uploaded_wav_is_converted_and_measured(tmp_path: Path) -> None:
    wav = EspeakEngine().synthesize("Loa phát thanh thử nghiệm", "vi", tmp_path / "u")
    audio = AudioCache(tmp_path / "data").upload(wav.read_bytes(), ".WAV")
    assert abs(audio.duration_s - wav_duration(wav)) < 0.05
    with pytest.raises(SpeechUnavailable, match=r"không đọc được|không giải mã"):
        AudioCache(tmp_path / "data").upload(b"not audio at all", ".wav")


def tts_app(wav: bytes, seen: list[dict[str, Any]], fail_first: int = 0) -> Any:
    """A TTS API in the shape of FPT.AI/Viettel/Zalo: POST text, audio or a link back."""
    state = {"failures": fail_first}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size)
        if path == "/file.wav":
            start_response("200 OK", [("Content-Type", "audio/wav")])
            return [wav]
        seen.append({"path": path, "body": body.decode(), "key": environ.get("HTTP_API_KEY"),
                     "auth": environ.get("HTTP_AUTHORIZATION")})  # fmt: skip
        if state["failures"] > 0:
            state["failures"] -= 1
            start_response("503 Service Unavailable", [])
            return [b""]
        if path == "/json":
            host = environ["HTTP_HOST"]
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"error": 0, "async": f"http://{host}/file.wav"}).encode()]
        start_response("200 OK", [("Content-Type", "audio/wav")])
        return [wav]

    return app


@needs_espeak
@needs_sox
def test_http_tts_engine_through_coc_net(tmp_path: Path) -> None:
    wav = EspeakEngine().synthesize("Giọng đọc từ dịch vụ", "vi", tmp_path / "w").read_bytes()
    seen: list[dict[str, Any]] = []
    with serve(tts_app(wav, seen, fail_first=1)) as url:
        body = '{"text": "{text}", "voice": "{voice}"}'
        direct = HttpEngine(f"{url}/tts", body, auth_scheme="Bearer", token="t0k")
        direct.sleep = lambda _s: None
        linked = HttpEngine(f"{url}/json", "{text}", content_type="text/plain")
        linked.response, linked.auth_scheme, linked.token = "json:async", "header:api-key", "k3y"
        cache = AudioCache(tmp_path / "data", "ogg")
        a = cache.speak(direct, 'Bà con "chú ý"\nngay', "banmai")
        b = cache.speak(linked, 'Bà con "chú ý"', "banmai")
    assert a.key != b.key and a.duration_s == pytest.approx(b.duration_s, abs=0.05)
    assert [s["path"] for s in seen] == ["/tts", "/tts", "/json"]  # one 503 retried
    assert json.loads(seen[1]["body"]) == {"text": 'Bà con "chú ý"\nngay', "voice": "banmai"}
    assert seen[1]["auth"] == "Bearer t0k" and seen[2]["key"] == "k3y"
    assert seen[2]["body"] == 'Bà con "chú ý"'


def test_fill_body_escapes_json_only_in_json_templates() -> None:
    assert fill_body('{"t": "{text}"}', 'a"b', "v") == '{"t": "a\\"b"}'
    assert fill_body("{text}", 'a"b', "v", escaped=False) == 'a"b'


def test_missing_espeak_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SpeechUnavailable, match="apt-get install -y espeak-ng"):
        EspeakEngine().synthesize("xin chào", "vi", tmp_path / "x")
