"""The store on SQLite and PostgreSQL: schema, upserts, quarantine, audit, backup."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlmodel import SQLModel

from coc.store import quarantine
from coc.store.backup import backup
from coc.store.db import Store
from coc.store.models import AuditLog, DataValue, Quarantine
from coc.store.upsert import upsert_rows
from coc.store.values import VALUE_KEYS

KEYS = VALUE_KEYS  # org unit, period, indicator, combos: the unique index
COMPARE = ["value", "numerator", "denominator", "deleted"]


def _dv(code: str, value: float, period: str = "202611") -> dict:
    return {
        "indicator_code": code,
        "org_unit": "10237",
        "period": period,
        "category_option_combo": "",
        "attribute_option_combo": "",
        "value": value,
        "source": "reporting",
        "deleted": False,
    }


def test_schema_matches_models_after_migrations(any_store: Store) -> None:
    with any_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    tables = set(inspect(any_store.engine).get_table_names())
    for name in (
        "org_unit",
        "indicator",
        "target",
        "data_value",
        "document",
        "dossier",
        "work_file",
        "device",
        "device_event",
        "sensor_reading",
        "quarantine",
        "connector_run",
        "connector_cursor",
        "audit_log",
    ):
        assert name in tables


def test_upsert_counts_and_idempotency(any_store: Store) -> None:
    rows = [_dv("DAN_SO", 59973), _dv("SO_HO", 16210)]
    with any_store.write_conn() as conn:
        first = upsert_rows(conn, DataValue, rows, KEYS, COMPARE, touch="last_updated")
    with any_store.write_conn() as conn:
        again = upsert_rows(conn, DataValue, rows, KEYS, COMPARE, touch="last_updated")
    with any_store.write_conn() as conn:
        changed = upsert_rows(
            conn,
            DataValue,
            [_dv("DAN_SO", 60001), _dv("SO_HO", 16210)],
            KEYS,
            COMPARE,
            touch="last_updated",
        )
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    assert changed.old_rows[("10237", "202611", "DAN_SO", "", "")]["value"] == 59973
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(DataValue)) == 2
        assert (
            s.scalar(select(DataValue.value).where(DataValue.indicator_code == "DAN_SO")) == 60001
        )


def test_last_updated_moves_only_on_change(any_store: Store) -> None:
    with any_store.write_conn() as conn:
        upsert_rows(conn, DataValue, [_dv("SO_HO", 1)], KEYS, COMPARE, touch="last_updated")
    with any_store.session() as s:
        stamp = s.scalar(select(DataValue.last_updated))
    with any_store.write_conn() as conn:
        upsert_rows(conn, DataValue, [_dv("SO_HO", 1)], KEYS, COMPARE, touch="last_updated")
    with any_store.session() as s:
        assert s.scalar(select(DataValue.last_updated)) == stamp
    assert stamp.tzinfo is UTC


def test_quarantine_keeps_raw_payload_and_resolution_is_audited(any_store: Store) -> None:
    with any_store.write() as s:
        item = quarantine.add(s, "tthc", b'{"MaHoSo": ', "không phải JSON", "trang 3", key="")
    with any_store.write() as s:
        assert quarantine.count_open(s) == 1
        quarantine.resolve(s, item.id, "rejected", "admin", "bản ghi lỗi từ nguồn")
    with any_store.session() as s:
        row = s.get(Quarantine, item.id)
        assert (row.raw, row.reason, row.context, row.status) == (
            '{"MaHoSo": ',
            "không phải JSON",
            "trang 3",
            "rejected",
        )
        log = s.scalars(select(AuditLog)).one()
        assert (log.actor, log.entity, log.old_value, log.new_value) == (
            "admin",
            "quarantine",
            "open",
            "rejected",
        )


def test_wal_mode_and_busy_timeout(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_backup_is_consistent_while_writing(sqlite_store: Store, tmp_path: Path) -> None:
    stop, warmed = threading.Event(), threading.Event()
    written: list[int] = []

    def writer() -> None:
        n = 0
        while not stop.is_set():
            with sqlite_store.write_conn() as conn:
                upsert_rows(
                    conn, DataValue, [_dv("DAN_SO", n, f"2026{(n % 12) + 1:02d}")], KEYS, COMPARE
                )
            n += 1
            written.append(n)
            if n == 24:
                warmed.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert warmed.wait(30)
        target = backup(sqlite_store, tmp_path / "bk" / "copy.sqlite3")
        during = len(written)
    finally:
        stop.set()
        thread.join()
    assert len(written) >= during >= 24  # the writer kept committing around the backup
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # every one of the 12 monthly keys had been written before the copy began
    assert conn.execute("SELECT count(*) FROM data_value").fetchone()[0] == 12
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone() is not None
    conn.close()


def test_init_again_keeps_existing_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keep.sqlite3'}"
    store = Store.from_url(url).init()
    with store.write_conn() as conn:
        upsert_rows(conn, DataValue, [_dv("DAN_SO", 5)], KEYS, COMPARE)
    store.dispose()
    reopened = Store.from_url(url).init()
    with reopened.session() as s:
        assert s.scalar(select(DataValue.value)) == 5
    reopened.dispose()


def test_datetimes_round_trip_as_utc(any_store: Store) -> None:
    when = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
    with any_store.write() as s:
        s.add(AuditLog(ts=when, actor="a", action="create", entity="x", entity_key="1"))
    with any_store.session() as s:
        assert s.scalar(select(AuditLog.ts)) == when


def test_upgrade_from_first_schema_keeps_data(tmp_path: Path) -> None:
    """A database made by the first release upgrades in place on start, rows intact."""
    from coc.store.db import upgrade_schema

    store = Store.from_url(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade_schema(store.engine, "0001_initial")
    with store.write_conn() as conn:  # the first schema's columns, without combos
        conn.exec_driver_sql(
            "INSERT INTO data_value (indicator_code, org_unit, period, value, source, deleted,"
            " last_updated, created_at) VALUES ('DAN_SO', '10237', '202611', 59973,"
            " 'reporting', 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00')"
        )
    assert "alert" not in inspect(store.engine).get_table_names()

    store.init()
    with store.session() as s:
        assert s.scalar(select(DataValue.value)) == 59973
        assert s.scalar(select(DataValue.category_option_combo)) == ""
    with store.write_conn() as conn:  # the old key is the new key with default combos
        again = upsert_rows(conn, DataValue, [_dv("DAN_SO", 59973)], KEYS, COMPARE)
    assert (again.inserted, again.unchanged) == (0, 1)
    assert "alert" in inspect(store.engine).get_table_names()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    store.dispose()


def test_backup_to_unwritable_place_is_a_clear_error(sqlite_store: Store) -> None:
    import pytest

    from coc.errors import CocError

    with pytest.raises(CocError, match="không sao lưu được"):
        backup(sqlite_store, "/proc/coc-backup.sqlite3")


def test_quarantine_keeps_each_record_once_per_source_key_and_payload(any_store: Store) -> None:
    from coc.store.quarantine import insert_rows, quarantine_row

    def row(source: str, key: str) -> dict:
        return quarantine_row(source, {"value": "abc"}, "giá trị không phải số", key=key)

    bad = [row("xa-10237", "SO_HO/10237/202611"),
           row("xa-10237", "SO_HO/10237/202611"),  # the same record twice in one page
           row("xa-10237", "SO_HO/10237/202612"),  # another record, the same payload
           row("xa-09634", "SO_HO/10237/202611")]  # fmt: skip
    with any_store.write_conn() as conn:
        assert insert_rows(conn, bad) == 3
    with any_store.write_conn() as conn:  # the same page resent
        assert insert_rows(conn, bad) == 0
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(Quarantine)) == 3


def test_quarantine_tells_mqtt_deliveries_apart_but_not_redeliveries(any_store: Store) -> None:
    from coc.store.quarantine import insert_rows, quarantine_row

    topic = "coc/10237/sensors/mn-01/telemetry"

    def delivery(mid: int, arrival: str, dup: bool = False) -> dict:
        key = f"{topic}\x1f{mid}"
        return quarantine_row(
            "mqtt", b"\xff\x00", "dữ liệu không phải JSON", topic,
            key=key, arrival=arrival, redelivered=dup,
        )  # fmt: skip

    with any_store.write_conn() as conn:
        assert insert_rows(conn, [delivery(7, "1000.1")]) == 1
        assert insert_rows(conn, [delivery(7, "2000.1", dup=True)]) == 0  # QoS-1 redelivery
        assert insert_rows(conn, [delivery(8, "2001.2")]) == 1  # the device sent it again
        assert insert_rows(conn, [delivery(9, "3000.1", dup=True)]) == 1  # first copy lost
        assert insert_rows(conn, [delivery(9, "3000.1")]) == 0  # a retried write
    with any_store.session() as s:
        raws = list(s.scalars(select(Quarantine.raw)))
    assert raws == ["\\xff\\x00"] * 3  # printable: PostgreSQL refuses NUL in text


def test_province_resent_bad_page_is_quarantined_once(sqlite_store: Store, catalog) -> None:
    from coc.province.receive import import_values
    from coc.wire import ImportSummary

    items = [{"dataElement": "VB_DI_KY_SO", "period": "202611", "orgUnit": "10237",
              "value": "chín mươi"}]  # fmt: skip
    first = import_values(sqlite_store, catalog, items, source="upstream")
    again = import_values(sqlite_store, catalog, items, source="upstream")
    assert ImportSummary.of(first).status == ImportSummary.of(again).status == "ERROR"
    with sqlite_store.session() as s:
        assert s.scalar(select(func.count()).select_from(Quarantine)) == 1


def test_quarantine_dedupe_migration_keeps_every_held_row(any_store: Store) -> None:
    """0005_mqtt gives each held row its own key, so no two old rows merge; down and up again."""
    from alembic import command
    from sqlalchemy import text

    from coc.store.db import alembic_config, upgrade_schema

    cfg = alembic_config()
    with any_store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004_hard")
    with any_store.engine.begin() as conn:
        for _ in range(2):  # the old table allowed the same payload twice from add()
            conn.execute(
                text(
                    "INSERT INTO quarantine (source, raw, reason, received_at, status) "
                    "VALUES ('mqtt', 'x', 'lý do', '2026-11-30 10:00:00', 'open')"
                )
            )
    upgrade_schema(any_store.engine)
    with any_store.session() as s:
        keys = sorted(s.scalars(select(Quarantine.dedupe_key)))
        ids = sorted(s.scalars(select(Quarantine.id)))
    assert keys == sorted(f"legacy:{i}" for i in ids) and len(ids) == 2
    with any_store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []


def test_head_revisions_read_plainly_match_alembic() -> None:
    """Start-up skips Alembic at head by reading the version files; that reading must agree
    with Alembic's own, and the chain must stay linear (one head)."""
    from alembic.script import ScriptDirectory

    from coc.store.db import alembic_config, head_revisions

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert head_revisions() == heads == {"0016_fieldreport_answer_delivery"}
