"""One entry per channel, shared by the public form (dashboards) and the intake API:
parse, then store or refuse. A machine channel's refused message is quarantined with its
reason (clerks see it), so nothing sent is lost; a Zalo event is kept there without the
sender's Zalo ids, which are stored sealed or not at all (coc.fieldreports.contact)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coc.config import Settings
from coc.fieldreports import abuse, service
from coc.fieldreports.categories import Categories, load_categories
from coc.fieldreports.contact import ContactBox
from coc.fieldreports.intake import Area, Ignored, Limits, parse_form, parse_hotline, parse_zalo
from coc.ingest.records import Rejected
from coc.keys import secret_key
from coc.store import quarantine
from coc.store.db import Store

Outcome = service.Accepted | service.Refused | Rejected | Ignored
ZALO_SOURCE = "fieldreports.zalo"
HIDDEN = "(đã ẩn)"


def without_zalo_ids(body: Any) -> Any:
    """A Zalo event as quarantined: the sender's ids (`sender.id`, `user_id_by_app`)
    replaced, the rest as sent."""
    if not isinstance(body, dict):
        return body
    kept = dict(body)
    if "user_id_by_app" in kept:
        kept["user_id_by_app"] = HIDDEN
    if isinstance(kept.get("sender"), dict) and "id" in kept["sender"]:
        kept["sender"] = {**kept["sender"], "id": HIDDEN}
    return kept


@dataclass(frozen=True)
class Intake:
    store: Store
    categories: Categories
    limits: Limits
    rates: abuse.Rates
    area: Area
    pepper: str
    org_unit: str
    box: ContactBox | None = None

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> Intake:
        c = settings.commune
        return cls(
            store=store,
            categories=load_categories(settings),
            limits=Limits.from_settings(settings),
            rates=abuse.Rates.from_settings(settings),
            area=Area.around(c.lat, c.lon, settings.fieldreports.area_margin_deg),
            pepper=secret_key(settings),
            org_unit=c.code,
            box=ContactBox.from_settings(settings),
        )

    def _store(self, draft: Any, address: str | None, now: datetime) -> Outcome:
        return service.submit(
            self.store,
            draft,
            categories=self.categories,
            rates=self.rates,
            pepper=self.pepper,
            org_unit=self.org_unit,
            address=address,
            now=now,
            box=self.box,
        )

    def form(
        self, fields: Mapping[str, Any], files: Sequence[bytes], *, address: str | None,
        now: datetime,
    ) -> Outcome:  # fmt: skip
        """The public form: a refusal is shown to the person, who corrects and resends."""
        draft = parse_form(fields, files, categories=self.categories, limits=self.limits,
                           area=self.area)  # fmt: skip
        return draft if isinstance(draft, Rejected) else self._store(draft, address, now)

    def _machine(self, source: str, body: Any, draft: Any, now: datetime) -> Outcome:
        """A token- or signature-authenticated system (a hotline switchboard, Zalo's
        servers) sends for many people from one address, so it is counted per caller or
        sender only, never per client address."""
        if isinstance(draft, Ignored):
            return draft
        if isinstance(draft, Rejected):
            kept = without_zalo_ids(body) if source == ZALO_SOURCE else body
            with self.store.write() as session:  # each refused message is its own row
                quarantine.add(session, source, kept, draft.reason, "intake API",
                               key=f"{now.isoformat()}:{service.new_code()}")  # fmt: skip
            return draft
        return self._store(draft, None, now)

    def hotline(self, body: Any, *, now: datetime) -> Outcome:
        draft = parse_hotline(body, categories=self.categories, limits=self.limits, now=now,
                              area=self.area)  # fmt: skip
        return self._machine("fieldreports.hotline", body, draft, now)

    def zalo(self, body: Any, *, now: datetime) -> Outcome:
        draft = parse_zalo(body, categories=self.categories, limits=self.limits, now=now,
                           area=self.area)  # fmt: skip
        return self._machine(ZALO_SOURCE, body, draft, now)
