"""The ingest path: validate records at the boundary, upsert the good, quarantine the bad.

Connectors, Excel import, form entry and the demo loader all write through here, so the
rules (natural keys, what counts as a change, what is quarantined) live in one place.
"""
