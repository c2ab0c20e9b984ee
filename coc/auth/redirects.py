"""The post-login `next`: only a path on this site, checked strictly.

Browsers forgive a great deal in a Location header: they drop tabs and newlines, read a
backslash as a slash, and take `//host` as another site, so `/\t/evil.example` and
`/\\evil.example` both leave the site. Rather than list tricks, accept only what a site
path looks like: one leading `/` (not two, not `/\\`), then printable ASCII URL
characters with no backslash, space, control character or fragment, and no escape of
one (`%09`, `%2F`, `%5C`); anything else is the home page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

HOME = "/"
MAX_CHARS = 2048
# RFC 3986 path, query and percent-escapes; no "\", space, controls, quotes, <>, {|}^`, "#".
_SITE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*")
# Escapes a proxy or a later decode could turn into a control character, "/" or "\".
_RISKY_ESCAPE = re.compile(r"%(?:[01][0-9a-f]|7f|2f|5c)|%(?![0-9a-f]{2})", re.IGNORECASE)


def safe_next(value: object) -> str:
    """`value` when it is a same-site path, else "/"."""
    if not isinstance(value, str) or len(value) > MAX_CHARS:
        return HOME
    if not _SITE_PATH.fullmatch(value) or _RISKY_ESCAPE.search(value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return HOME
    return value
