"""Bulletin delivery over a real Mosquitto: COC's ingester, the command publisher and the
simulated clusters (sensors.speakers) talk through the broker, with real espeak-ng audio.
Pre-emption, an offline cluster returning, retries, an expired bulletin never played, an
unapproved one never sent. Rounds run with an injected clock; each poll runs one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fixtures_base import needs, wait_until
from fixtures_mqtt import COMMUNE, broker, needs_mosquitto, settings, store  # noqa: F401

from coc.bulletins.content import voice_bulletin
from coc.bulletins.schedule import Schedule
from coc.bulletins.workflow import Draft, WorkflowError, approve, create, deliveries, get
from coc.config import Settings
from coc.devices.queries import devices
from coc.store.db import Store
from coc.timeutil import utcnow
from sensors.commands import CommandPublisher, dispatch_job
from sensors.service import start_ingest
from sensors.speakers import SpeakerClusters

pytestmark = [
    needs_mosquitto,
    needs(bool(shutil.which("espeak-ng") and shutil.which("sox")), "espeak-ng and sox needed"),
]
CLUSTERS = ("loa-01", "loa-02", "loa-03", "loa-04", "loa-05", "loa-06")


class Rig:
    def __init__(self, store: Store, settings: Settings, sim: SpeakerClusters,  # noqa: F811
                 publisher: CommandPublisher) -> None:  # fmt: skip
        self.store, self.settings, self.sim, self.publisher = store, settings, sim, publisher
        self.offset = timedelta(0)  # the injected clock: real time plus an offset

    def now(self) -> datetime:
        return utcnow() + self.offset

    def round(self) -> int:
        return dispatch_job(self.store, self.settings, self.publisher, self.now)

    def states(self, bulletin_id: str) -> dict[str, str]:
        return {d.device_id: d.state for d in deliveries(self.store, bulletin_id)}

    def until(self, bulletin_id: str, wanted: dict[str, str], timeout: float = 15) -> None:
        def check() -> bool:
            self.round()
            got = self.states(bulletin_id)
            return all(got.get(k) == v for k, v in wanted.items())

        wait_until(check, timeout, interval=0.05, what=f"{bulletin_id} → {wanted}")

    def draft(self, title: str, text: str, priority: str = "thuong", **kw: object) -> str:
        d = Draft(title=title, text=text, priority=priority, **kw)  # type: ignore[arg-type]
        bid = create(self.store, d, "thuky", COMMUNE, self.now())
        voice_bulletin(self.store, self.settings, bid, "thuky")
        return bid

    def online(self, device_id: str) -> bool:
        with self.store.session() as session:
            return any(d["device_id"] == device_id and d["online"] for d in devices(session))


@pytest.fixture
def rig(store: Store, settings: Settings, tmp_path: Path) -> Iterator[Rig]:  # noqa: F811
    settings.bulletins.max_retries = 2
    settings.bulletins.ack_timeout_s = 30
    ingest = start_ingest(store, settings)
    sim = SpeakerClusters(settings.mqtt.url or "", "coc", COMMUNE, CLUSTERS,
                          offline=("loa-05",), failing=("loa-06",), speed=8.0).start()  # fmt: skip
    publisher = CommandPublisher(settings).start()
    r = Rig(store, settings, sim, publisher)
    wait_until(lambda: publisher.connected.is_set() and sim.ready.is_set())
    wait_until(lambda: all(r.online(c) for c in CLUSTERS if c != "loa-05"), 15)
    yield r
    publisher.stop()
    sim.stop()
    ingest.stop()


TEXT = "Thông báo của Ủy ban nhân dân xã về lịch tiêm chủng cho trẻ em trong tháng này."


def test_unapproved_bulletin_is_never_sent(rig: Rig) -> None:
    bid = rig.draft("Tiêm chủng", TEXT)
    for _ in range(5):
        assert rig.round() == 0
    assert rig.states(bid) == {}
    assert all(not c.heard for c in rig.sim.clusters.values())
    with pytest.raises(WorkflowError, match="chủ tịch"):
        approve(rig.store, bid, "thuky", "clerk", rig.now())
    assert rig.round() == 0 and rig.states(bid) == {}


def test_delivery_offline_return_retries_and_report(rig: Rig) -> None:
    bid = rig.draft("Tiêm chủng", TEXT)
    approve(rig.store, bid, "chutich", "approver", rig.now())
    online_ok = {c: "done" for c in CLUSTERS[:4]}
    rig.until(bid, {**online_ok, "loa-06": "failed", "loa-05": "pending"})
    rows = {d.device_id: d for d in deliveries(rig.store, bid)}
    assert rows["loa-06"].attempts == 3  # the first try and max_retries = 2 more
    assert rows["loa-06"].reason == "bộ khuếch đại lỗi"
    assert all(rows[c].attempts == 1 and rows[c].played_at for c in online_ok)
    assert rows["loa-05"].attempts == 0  # never sent while offline
    # every command carried the contract's fields
    cmd = rig.sim.clusters["loa-01"].heard[0]
    assert cmd["action"] == "play" and cmd["priority"] == "thuong"
    key = get(rig.store, bid, rig.now()).audio_key
    assert cmd["audio_url"].endswith(f"/api/v1/bulletins/audio/{key}.ogg")
    assert cmd["expires"] > cmd["ts"]
    # the offline cluster returns while the bulletin is still valid
    rig.sim.set_online("loa-05", True)
    rig.until(bid, {"loa-05": "done"})
    assert rig.sim.clusters["loa-05"].played == [bid]
    assert get(rig.store, bid, rig.now()).counts == {"done": 5, "failed": 1}


def test_emergency_preempts_a_playing_lower_priority_bulletin(rig: Rig) -> None:
    long_text = " ".join([TEXT] * 6)  # about 30 s of speech: 4 s at the simulator's speed
    low = rig.draft("Tiêm chủng", long_text, target_kind="clusters", targets=("loa-01",))
    approve(rig.store, low, "chutich", "approver", rig.now())
    rig.until(low, {"loa-01": "playing"})
    high = rig.draft("Nước lên", "Khẩn cấp: nước sông Hồng lên nhanh.", "khan_cap",
                     target_kind="hamlets", targets=("Thôn Kỳ Dương",))  # fmt: skip
    approve(rig.store, high, "chutich", "approver", rig.now())
    rig.until(high, {"loa-01": "done"})
    heard = [(c["bulletin"], c["priority"]) for c in rig.sim.clusters["loa-01"].heard]
    assert heard[:2] == [(low, "thuong"), (high, "khan_cap")]
    # the interrupted bulletin is sent again once the emergency is over, and plays
    rig.until(low, {"loa-01": "done"}, timeout=20)
    assert rig.sim.clusters["loa-01"].played == [high, low]


def test_expired_bulletin_is_never_played(rig: Rig) -> None:
    valid = rig.now() + timedelta(minutes=10)
    bid = rig.draft("Họp thôn", TEXT, target_kind="clusters", targets=("loa-05",),
                    schedule=Schedule("now", valid_until=valid))  # fmt: skip
    approve(rig.store, bid, "chutich", "approver", rig.now())
    for _ in range(3):
        rig.round()
    assert rig.states(bid) == {"loa-05": "pending"}  # waiting for the offline cluster
    rig.offset = timedelta(minutes=11)  # its validity ends before the cluster returns
    rig.round()
    assert rig.states(bid) == {"loa-05": "expired"}
    rig.sim.set_online("loa-05", True)
    wait_until(lambda: rig.online("loa-05"))
    for _ in range(3):
        assert rig.round() == 0
    assert rig.sim.clusters["loa-05"].heard == [] and rig.states(bid) == {"loa-05": "expired"}
