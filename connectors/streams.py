"""Streams, shaped like Singer/Meltano SDK streams: name, primary keys, replication key.

A stream knows its endpoint, how to ask for the first page after a cursor, where the
records and the next-page token sit in a response, each record's (replication value, id)
key, and how to write a page. The paged runner (`coc.ingest.pager`, driven by
`connectors.run`) does the rest.

Every source pages with a keyset the server hands back as an opaque token, and starts a
run from the saved cursor with "after (replication value, id)", so records sharing a
timestamp across a page boundary are neither skipped nor read twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from coc.counts import Counts
from coc.indicators.catalog import Catalog
from coc.ingest.pager import PageError
from coc.ingest.writers import AfterFn, write_records, write_values
from coc.periods import month_of
from coc.store.db import Store
from coc.timeutil import VN_TZ, iso_utc, parse_datetime


@dataclass(frozen=True, order=True)
class Cursor:
    """The replication key of the last record stored: (UTC time, record id)."""

    since: datetime
    id: str

    def to_text(self) -> str:
        return f"{iso_utc(self.since)}|{self.id}"

    @classmethod
    def from_text(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        since, _, ident = text.partition("|")
        moment = parse_datetime(since)
        return None if moment is None else cls(moment, ident)


class Stream:
    name: ClassVar[str]
    kind: ClassVar[str]  # what coc.ingest writes: document | work_file | dossier | value
    path: ClassVar[str]
    primary_keys: ClassVar[tuple[str, ...]]
    replication_key: ClassVar[str]
    records_field: ClassVar[str]
    next_field: ClassVar[str]
    since_param: ClassVar[str]
    after_param: ClassVar[str]
    size_param: ClassVar[str]
    token_param: ClassVar[str]

    # ── request ──
    def first_params(self, cursor: Cursor | None, page_size: int) -> dict[str, Any]:
        params: dict[str, Any] = {self.size_param: page_size}
        if cursor is not None:
            params[self.since_param] = self.format_since(cursor.since)
            params[self.after_param] = cursor.id
        return params

    def next_params(self, body: dict[str, Any], page_size: int) -> dict[str, Any] | None:
        token = body.get(self.next_field)
        if isinstance(body.get("pager"), dict):
            token = body["pager"].get(self.next_field)
        return {self.token_param: token, self.size_param: page_size} if token else None

    def format_since(self, moment: datetime) -> str:
        return iso_utc(moment) or ""

    # ── parse ──
    def records(self, body: Any) -> list[Any]:
        if not isinstance(body, dict) or not isinstance(body.get(self.records_field), list):
            raise PageError(f"trang không có danh sách '{self.records_field}'")
        return body[self.records_field]

    def record_id(self, record: dict[str, Any]) -> str | None:
        parts = [record.get(k) for k in self.primary_keys]
        if any(p in (None, "") for p in parts):
            return None
        return "/".join(str(p) for p in parts)

    def key(self, record: Any) -> Cursor | None:
        """(replication value, id) of a record, or None when either is unreadable."""
        if not isinstance(record, dict):
            return None
        ident = self.record_id(record)
        try:
            moment = parse_datetime(record.get(self.replication_key))
        except (TypeError, ValueError):
            return None
        return None if moment is None or ident is None else Cursor(moment, ident)

    def period(self, record: Any) -> str | None:
        """The month a record counts in, for recomputing indicators."""
        return None

    # ── write ──
    def write(
        self,
        store: Store,
        catalog: Catalog | None,
        records: list[Any],
        org_unit: str,
        source: str,
        context: Callable[[int], str],
        after: AfterFn,
    ) -> Counts:
        return write_records(
            store, self.kind, records, org_unit, source, context=context, after=after
        )


def _month(value: Any) -> str | None:
    try:
        moment = parse_datetime(value)
    except (TypeError, ValueError):
        return None
    return None if moment is None else month_of(moment).code


class _Qlvb(Stream):
    """QLVB&ĐH REST API: `items`, `next_cursor`, ISO timestamps."""

    records_field = "items"
    next_field = "next_cursor"
    since_param = "updated_since"
    after_param = "after_id"
    size_param = "limit"
    token_param = "cursor"
    replication_key = "updated_at"
    primary_keys = ("id",)


class DocumentStream(_Qlvb):
    name = "documents"
    kind = "document"
    path = "/qlvb/api/v1/documents"

    def period(self, record: Any) -> str | None:
        if not isinstance(record, dict):
            return None
        return _month(record.get("received_date") or record.get("issued_date"))


class WorkFileStream(_Qlvb):
    name = "work_files"
    kind = "work_file"
    path = "/qlvb/api/v1/work-files"

    def period(self, record: Any) -> str | None:
        return _month(record.get("opened_date")) if isinstance(record, dict) else None


class DossierStream(Stream):
    """One-stop portal sync API: Vietnamese field names, `yyyyMMddHHmmss` local times."""

    name = "dossiers"
    kind = "dossier"
    path = "/dvc/api/v1/hoso"
    primary_keys = ("MaHoSo",)
    replication_key = "NgayCapNhat"
    records_field = "DanhSach"
    next_field = "TrangTiep"
    since_param = "TuNgayCapNhat"
    after_param = "SauMaHoSo"
    size_param = "SoLuong"
    token_param = "TrangTiep"

    def format_since(self, moment: datetime) -> str:
        return moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")

    def period(self, record: Any) -> str | None:
        return _month(record.get("NgayTiepNhan")) if isinstance(record, dict) else None


class ValueStream(Stream):
    """Reporting system: DHIS2-style data values with a pager."""

    name = "data_values"
    kind = "value"
    path = "/baocao/api/v1/dataValues"
    primary_keys = ("dataElement", "period")
    replication_key = "lastUpdated"
    records_field = "dataValues"
    next_field = "nextPage"
    since_param = "lastUpdated"
    after_param = "after"
    size_param = "pageSize"
    token_param = "nextPage"

    def period(self, record: Any) -> str | None:
        if isinstance(record, dict) and isinstance(record.get("period"), str):
            return record["period"]
        return None

    def write(
        self,
        store: Store,
        catalog: Catalog | None,
        records: list[Any],
        org_unit: str,
        source: str,
        context: Callable[[int], str],
        after: AfterFn,
    ) -> Counts:
        if catalog is None:
            raise ValueError("the reporting stream needs the indicator catalog")
        items = [_value_item(r) for r in records]
        return write_values(
            store,
            catalog,
            items,
            org_unit,
            source,
            context=context,
            after=after,
            origin="reporting",
        )


def _value_item(record: Any) -> Any:
    """A DHIS2 data value → the writer's item; anything else passes through to be rejected."""
    if not isinstance(record, dict):
        return record
    return {
        "code": record.get("dataElement"),
        "period": record.get("period"),
        "value": record.get("value"),
        "comment": record.get("comment"),
        "raw": record,
    }


CONNECTORS: dict[str, tuple[Stream, ...]] = {
    "documents": (DocumentStream(), WorkFileStream()),
    "tthc": (DossierStream(),),
    "reporting": (ValueStream(),),
}
STREAM_KINDS = {s.kind: s for streams in CONNECTORS.values() for s in streams}
