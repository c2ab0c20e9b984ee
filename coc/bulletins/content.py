"""A bulletin's audio: spoken from its text by the configured engine, or uploaded; both
through the one cache, so the duration is known before the chairperson approves."""

from __future__ import annotations

from pathlib import Path

from coc.bulletins.audio import Audio, AudioCache
from coc.bulletins.speech import SpeechUnavailable, engine_from_settings
from coc.bulletins.workflow import WorkflowError, set_audio
from coc.config import Settings
from coc.store.db import Store
from coc.store.models import Bulletin

UPLOAD_SUFFIXES = (".wav", ".ogg", ".mp3", ".m4a")


def cache(settings: Settings) -> AudioCache:
    return AudioCache(settings.data_path, settings.bulletins.audio_format)


def speak(settings: Settings, text: str) -> Audio:
    """The text in the configured engine and voice (cached). Raises SpeechUnavailable."""
    cfg = settings.bulletins
    if not text.strip():
        raise SpeechUnavailable("chưa có nội dung để đọc")
    if len(text) > cfg.max_chars:
        raise SpeechUnavailable(f"nội dung dài quá {cfg.max_chars} ký tự")
    engine = engine_from_settings(cfg)
    extra = f"{cfg.speed_wpm}wpm" if cfg.engine == "espeak" else cfg.tts_url or ""
    return cache(settings).speak(engine, text, cfg.voice, extra)


def read_upload(settings: Settings, data: bytes, filename: str) -> Audio:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise SpeechUnavailable("tệp âm thanh phải là .wav, .ogg, .mp3 hoặc .m4a")
    if len(data) > settings.bulletins.max_upload_mb * 1024 * 1024:
        raise SpeechUnavailable(f"tệp âm thanh lớn quá {settings.bulletins.max_upload_mb:g} MB")
    return cache(settings).upload(data, suffix)


def voice_bulletin(store: Store, settings: Settings, bulletin_id: str, actor: str) -> Audio:
    """Speak a draft's text and attach the audio (its duration shows before approval)."""
    with store.session() as s:
        b = s.get(Bulletin, bulletin_id)
        text = b.text if b else None
    if not text:
        raise WorkflowError("bản tin không có văn bản để đọc")
    audio = speak(settings, text)
    cfg = settings.bulletins
    set_audio(store, bulletin_id, audio.key, audio.duration_s, "tts", actor, cfg.engine, cfg.voice)
    return audio


def attach_upload(
    store: Store, settings: Settings, bulletin_id: str, data: bytes, filename: str, actor: str
) -> Audio:
    audio = read_upload(settings, data, filename)
    set_audio(store, bulletin_id, audio.key, audio.duration_s, "upload", actor)
    return audio
