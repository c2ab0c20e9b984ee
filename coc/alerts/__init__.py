"""Alerts of every kind: one lifecycle, raised and cleared through `coc.alerts.lifecycle`."""
