"""COC — the commune intelligent operations centre."""

__version__ = "0.1.0"
