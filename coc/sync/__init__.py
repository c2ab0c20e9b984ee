"""Upward sync: the commune pushes changed values upstream; a province pulls commune feeds."""

from coc.errors import CocError


class UpstreamError(CocError):
    """The other side could not be reached or refused; the message says why."""
