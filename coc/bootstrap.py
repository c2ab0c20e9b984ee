"""What every start needs before it serves: the schema, the org-unit tree, the catalog and
its targets. Safe to run on every start (`coc init`, `run`, `web`, `worker`, `demo`)."""

from __future__ import annotations

from datetime import datetime

from coc.config import Settings
from coc.indicators.catalog import Catalog, sync_catalog
from coc.province.hierarchy import sync_org_units
from coc.store.db import Store
from coc.timeutil import to_local


def prepare(store: Store, settings: Settings, catalog: Catalog, now: datetime) -> None:
    """Org units from the settings, the catalog and the targets of the years around now
    (the schema itself is upgraded when the store opens)."""
    sync_org_units(store, settings)
    year = to_local(now).year
    sync_catalog(store, catalog, settings.commune.code, list(range(year - 2, year + 2)))
