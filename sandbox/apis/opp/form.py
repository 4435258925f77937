"""Form-encoded parameters, decoded by hand (DESIGN §6).

aiohttp's `request.post()` silently replaces invalid UTF-8 and keeps only one of a repeated
key; both would hide client bugs, so we decode ourselves: invalid UTF-8 and a parameter given
twice (OPP has no repeatable parameters: lists use `registrations[0].id`, `[1]`, ...) are
reported as parameter errors. Keys may be sent encoded (`card%2Enumber`, `customParameters%5BX%5D`)
or literally. Empty values are dropped, as real clients send `billing.street2=` for blanks.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(raw: bytes, errors: list[dict], source: str = "body") -> dict[str, str]:
    """`raw`'s parameters; each problem becomes a parameterErrors entry in `errors`."""
    into: dict[str, str] = {}
    for pair in raw.split(b"&") if raw else ():
        if not pair:
            continue
        key_b, _, value_b = pair.partition(b"=")
        try:
            key = unquote_to_bytes(key_b.replace(b"+", b" ")).decode("utf-8")
            value = unquote_to_bytes(value_b.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            errors.append({"name": _printable(key_b), "value": None,
                           "message": f"invalid UTF-8 in the {source}"})
            continue
        if value == "":
            continue
        if _CONTROL.search(key) or _CONTROL.search(value):
            # NUL and other control characters are never part of a real parameter.
            errors.append({"name": _CONTROL.sub("?", key)[:64], "value": None,
                           "message": "must not contain control characters"})
            continue
        if key in into:
            errors.append({"name": key, "value": value, "message": "parameter given more than once"})
            continue
        into[key] = value
    return into


def merge(query: dict[str, str], body: dict[str, str], errors: list[dict]) -> dict[str, str]:
    """Body and query string together (Peach's client puts entityId in the query of POSTs too);
    the same key with two different values is ambiguous and rejected."""
    merged = dict(query)
    for key, value in body.items():
        if key in merged and merged[key] != value:
            errors.append({"name": key, "value": value,
                           "message": "parameter given more than once (query and body differ)"})
        merged[key] = value
    return merged


def _printable(raw: bytes) -> str:
    return raw.decode("ascii", "replace")[:64]
