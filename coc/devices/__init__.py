"""Devices: registry from config, derived status, alert rules, roll-ups and retention.

This is core logic that reads and writes the store; the MQTT edge lives in `sensors/`.
"""
