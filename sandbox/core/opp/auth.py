"""Authentication failures a client must handle, on demand (opp.md §3, §13.6).

Permissive mode accepts any Bearer token, which leaves a client's error and token-rotation paths
untested; so a few documented Bearer values answer the platform's authentication codes instead
(`--credentials` mode keeps exact matching and never reads them):

    Authorization: Bearer OPP-AUTH-<code>     e.g. OPP-AUTH-800.900.300

The HTTP status of every code but 800.900.300 (401, captured 2026) is unconfirmed: 403 for the
"not allowed" codes (the 2017 userId/password era answered 403), 400 for channel configuration.
"""

from __future__ import annotations

import re

MAGIC_BEARER = re.compile(r"^OPP-AUTH-([0-9]{3}\.[0-9]{3}\.[0-9]{3})\Z")
INVALID = "800.900.300"

# code -> HTTP status
AUTH_CODES = {
    "800.900.300": 401,  # invalid authentication information
    "800.900.301": 403,  # user authorization failed, user has no sufficient rights to process transaction
    "800.900.302": 403,  # Authorization failed
    "800.900.100": 403,  # sender authorization failed
    "800.900.401": 403,  # Invalid IP number
    "800.900.201": 400,  # unknown channel
    "100.300.400": 400,  # missing or invalid channel id
    "100.300.401": 400,  # missing or invalid sender id
    "100.300.600": 403,  # invalid or missing user login
    "100.300.601": 403,  # invalid or missing user pwd
    "500.100.201": 400,  # Channel/Merchant is disabled (no processing possible)
    "500.100.202": 400,  # Channel/Merchant is new (no processing possible yet)
    "500.100.203": 400,  # Channel/Merchant is closed (no processing possible)
    "600.300.101": 400,  # Merchant key not found
    "600.300.200": 403,  # merchant source IP address not whitelisted
}


def magic_failure(bearer: str) -> tuple[str, int] | None:
    """(code, HTTP status) a magic Bearer value asks for, or None for an ordinary token."""
    m = MAGIC_BEARER.match(bearer)
    if m is None or m.group(1) not in AUTH_CODES:
        return None
    return m.group(1), AUTH_CODES[m.group(1)]
