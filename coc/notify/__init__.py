"""Notifications: channels, routing rules and the persisted outbox (docs/alerts.md)."""
