"""Errors that reach a user as one clear line (CLI) or a 4xx reason (API)."""


class CocError(Exception):
    """A failure caused by input, config or environment, not by a bug."""


class ConfigError(CocError):
    """The config file is unreadable or invalid."""


class DatabaseError(CocError):
    """The database cannot be reached or upgraded."""


class ValidationError(CocError):
    """A record or value failed validation; the message says why."""
