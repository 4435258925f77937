"""Form decoding by hand (DESIGN §6): `application/x-www-form-urlencoded` bodies and query strings.

aiohttp's `request.post()` silently replaces invalid UTF-8 and keeps only one of a repeated key;
both would hide client bugs, so we decode ourselves: invalid UTF-8 and a parameter given twice
(OPP has no repeatable parameters: lists use `registrations[0].id`, `[1]`, ...) are reported as
parameter errors. Keys may be sent encoded (`card%2Enumber`) or literally. Empty values are
dropped, as real clients send `billing.street2=` for blanks.

Every request decodes its body, so the common case is checked once for the whole body: valid
UTF-8 and no control character anywhere means only the pairs holding a `%` escape can still go
wrong, and only those take the per-pair path (the errors, their order and the values are the same
as decoding every pair on its own).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(raw: bytes, errors: list[dict], source: str = "body") -> dict[str, str]:
    """`raw`'s parameters; each problem becomes a parameterErrors entry in `errors`."""
    into: dict[str, str] = {}
    if not raw:
        return into
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or _CONTROL.search(text):
        for pair in raw.split(b"&"):
            if pair:
                _add_escaped(into, pair, errors, source)
        return into
    # Splitting valid UTF-8 at the ASCII `&` and `=` gives the same text as decoding each part.
    for pair in text.split("&"):
        if not pair:
            continue
        if "%" in pair:  # an escape may stand for invalid UTF-8 or a control character
            _add_escaped(into, pair.encode("utf-8"), errors, source)
            continue
        key, _, value = pair.partition("=")
        if not value:
            continue
        if "+" in pair:
            key, value = key.replace("+", " "), value.replace("+", " ")
        if key in into:
            errors.append({"name": key, "value": value, "message": "parameter given more than once"})
            continue
        into[key] = value
    return into


def _add_escaped(into: dict[str, str], pair: bytes, errors: list[dict], source: str) -> None:
    """One `key=value` pair decoded on its own: `+`, `%XX`, UTF-8 and control characters checked."""
    key_b, _, value_b = pair.partition(b"=")
    try:
        key = unquote_to_bytes(key_b.replace(b"+", b" ")).decode("utf-8")
        value = unquote_to_bytes(value_b.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        errors.append({"name": _printable(key_b), "value": None, "message": f"invalid UTF-8 in the {source}"})
        return
    if value == "":
        return
    if _CONTROL.search(key) or _CONTROL.search(value):
        # NUL and other control characters are never part of a real parameter.
        errors.append({"name": _CONTROL.sub("?", key)[:64], "value": None,
                       "message": "must not contain control characters"})
        return
    if key in into:
        errors.append({"name": key, "value": value, "message": "parameter given more than once"})
        return
    into[key] = value


def merge(query: dict[str, str], body: dict[str, str], errors: list[dict]) -> dict[str, str]:
    """Body and query string together (Peach's client puts entityId in the query of POSTs too);
    the same key with two different values is ambiguous and rejected."""
    if not query:  # the usual POST: everything in the body (a dict decode() made for this call)
        return body
    merged = dict(query)
    for key, value in body.items():
        if key in merged and merged[key] != value:
            errors.append({"name": key, "value": value,
                           "message": "parameter given more than once (query and body differ)"})
        merged[key] = value
    return merged


def _printable(raw: bytes) -> str:
    return raw.decode("ascii", "replace")[:64]
