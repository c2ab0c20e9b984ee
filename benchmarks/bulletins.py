"""Bulletins: speech (espeak-ng + sox, cold and cached) and delivery rounds at scale.

    python -m benchmarks.bulletins [--clusters 300] [--bulletins 5]

Speech: a 38-word khẩn cấp text voiced five times into fresh caches (median, min), then
100 cache hits; WAV and served Ogg sizes. Rounds: `clusters` online loudspeakers and
`bulletins` approved 'now' bulletins to all of them in a temporary SQLite store: the first
round (rows made, one command per cluster: the most urgent) and the median of ten idle
rounds (everything in flight, nothing to send), with a publish that accepts everything.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from coc.bulletins import PRIORITIES
from coc.bulletins.audio import AudioCache
from coc.bulletins.dispatch import run_round
from coc.bulletins.speech import EspeakEngine
from coc.bulletins.workflow import Draft, approve, create
from coc.config import load_settings
from coc.store.db import Store, sqlite_url
from coc.store.models import Device

TEXT = (
    "Thông báo khẩn cấp: mực nước sông Hồng tại bến Chương Dương đã vượt mức báo động ba. "
    "Đề nghị bà con các thôn ven sông khẩn trương di chuyển người và tài sản đến nơi an toàn."
)


def speech(tmp: Path) -> None:
    cold = []
    for i in range(5):
        cache = AudioCache(tmp / f"speech{i}")
        started = time.perf_counter()
        audio = cache.speak(EspeakEngine(), TEXT, "vi")
        cold.append(time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(100):
        cache.speak(EspeakEngine(), TEXT, "vi")
    hit = (time.perf_counter() - started) / 100
    wav = EspeakEngine().synthesize(TEXT, "vi", tmp / "plain")
    print(f"speech: {audio.duration_s:.1f} s of audio; voiced and converted in "
          f"{statistics.median(cold) * 1000:.0f} ms median (min {min(cold) * 1000:.0f}); "
          f"cache hit {hit * 1e6:.0f} µs; WAV {wav.stat().st_size:,} B → Ogg "
          f"{audio.path.stat().st_size:,} B")  # fmt: skip


def rounds(tmp: Path, clusters: int, bulletins: int) -> None:
    settings = load_settings(environ={"COC_DATA_DIR": str(tmp)})
    store = Store.from_url(sqlite_url(tmp)).init()
    with store.write() as s:
        for i in range(clusters):
            s.add(Device(device_id=f"loa-{i:04d}", org_unit="10237", kind="speaker",
                         name=f"Loa {i}", online=True, state="idle"))  # fmt: skip
    t0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    for i in range(bulletins):
        p = PRIORITIES[i % 3]
        draft = Draft(title=p, text=p, priority=p, audio_key="ab" * 20, duration_s=30.0)
        approve(store, create(store, draft, "bench", "10237", t0), "bench", "approver", t0)
    started = time.perf_counter()
    sent = run_round(store, settings, t0, lambda _t, _p: True)
    first = time.perf_counter() - started
    idle = []
    for _ in range(10):
        started = time.perf_counter()
        run_round(store, settings, t0, lambda _t, _p: True)
        idle.append(time.perf_counter() - started)
    print(f"rounds: {clusters} clusters × {bulletins} bulletins: first {first * 1000:.0f} ms "
          f"({len(sent)} commands, {clusters * bulletins} rows made); idle "
          f"{statistics.median(idle) * 1000:.0f} ms median")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=300)
    parser.add_argument("--bulletins", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        speech(Path(tmp))
        rounds(Path(tmp) / "rounds", args.clusters, args.bulletins)


if __name__ == "__main__":
    main()
