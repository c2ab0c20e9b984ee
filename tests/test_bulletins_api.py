"""Bulletin endpoints over loopback HTTP: the audio a cluster fetches (public, by hash,
with Range), the token-protected list and per-cluster delivery report."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import requests
from fixtures_base import needs, new_store
from fixtures_http import auth, commune_settings, serve_coc

from coc.bulletins.content import voice_bulletin
from coc.bulletins.dispatch import run_round
from coc.bulletins.workflow import Draft, approve, create
from coc.devices.registry import sync_devices
from coc.store.models import Device
from coc.timeutil import utcnow

pytestmark = needs(bool(shutil.which("espeak-ng") and shutil.which("sox")), "espeak-ng/sox")


def test_audio_list_and_delivery_report(tmp_path: Path) -> None:
    settings = commune_settings(store={"data_dir": str(tmp_path / "data")})
    store = new_store(tmp_path / "coc.sqlite3")
    sync_devices(store, settings)
    with store.write() as s:
        s.get(Device, "loa-02").online = True
    now = utcnow()
    bid = create(store, Draft(title="Họp", text="Mời bà con họp thôn."), "thuky", "10237", now)
    audio = voice_bulletin(store, settings, bid, "thuky")
    approve(store, bid, "chutich", "approver", now)
    sent: list[tuple[str, bytes]] = []
    commands = run_round(store, settings, now, lambda t, p: sent.append((t, p)) or True)
    assert [c.device_id for c in commands] == ["loa-02"] == [t.split("/")[3] for t, _ in sent]
    with serve_coc(store, settings) as (url, _):
        got = requests.get(f"{url}/api/v1/bulletins/audio/{audio.key}.ogg", timeout=5)
        assert got.status_code == 200 and got.headers["Content-Type"] == "audio/ogg"
        assert got.content == audio.path.read_bytes()
        part = requests.get(got.url, headers={"Range": "bytes=0-3"}, timeout=5)
        assert (part.status_code, part.content) == (206, b"OggS")
        for bad in (f"{audio.key}.wav", f"{audio.key[:-1]}x.ogg", "..%2Fcoc.sqlite3", "x"):
            assert requests.get(f"{url}/api/v1/bulletins/audio/{bad}", timeout=5).status_code == 404
        assert requests.get(f"{url}/api/v1/bulletins", timeout=5).status_code == 401
        listed = requests.get(f"{url}/api/v1/bulletins", headers=auth(), timeout=5).json()
        (item,) = listed["bulletins"]
        assert (item["id"], item["status"], item["priority"]) == (bid, "approved", "thuong")
        assert item["deliveries"] == {"pending": 5, "sent": 1}
        assert item["durationSeconds"] == audio.duration_s
        report = requests.get(f"{url}/api/v1/bulletins/{bid}/deliveries", headers=auth(), timeout=5)
        rows = {d["device"]: d for d in report.json()["deliveries"]}
        assert rows["loa-02"]["state"] == "sent" and rows["loa-02"]["attempts"] == 1
        assert rows["loa-01"]["state"] == "pending" and rows["loa-01"]["sentAt"] is None
        missing = requests.get(
            f"{url}/api/v1/bulletins/bt-none/deliveries", headers=auth(), timeout=5
        )
        assert missing.status_code == 404
    # once its validity is over, nothing waits any more
    later = now + timedelta(hours=3)
    assert run_round(store, settings, later, lambda t, p: True) == []
