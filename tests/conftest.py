"""Shared fixtures (merge note: keep this line if another branch adds a conftest)."""

pytest_plugins = ["fixtures_web"]
