"""Opaque ids in the vendor's style: base64url (no padding) of `{"k":1,"d":"<standard base64>"}`.

access.md §1 decodes the vendor's own links: every per-field link of a token shares its first
16-byte block with the token link. We mimic that with a keyed, reversible encoding:

    d = tag || (token_id + "|" + field) XOR keystream(secret, tag)
    tag = HMAC-SHA256(tenant secret, token_id)[:16]

so links are stable per token and field, decodable without a lookup table, and a link from
another tenant (another secret) fails the tag check and is answered 404. Not encryption a
bank would use, just enough that ids are unguessable across tenants.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

# Rel names (without the `tokens:` prefix) and their one-letter codes inside the id.
FIELDS = {
    "token": "t",
    "description": "d",
    "cardHolderName": "h",
    "cardExpiryDate": "e",
    "billingAddress": "a",
    "schemeTransactionReference": "s",
    "conflicts": "c",
}
_BY_CODE = {v: k for k, v in FIELDS.items()}
# Small on purpose: a hot token's links stay cached, but a long run with many tokens does not
# grow the process (50,000 links here once cost ~40 MB of RSS in `make soak`).
_CACHE_MAX = 1024
_LINKS_MAX = 256  # entries of seven links each
_links: dict[tuple[str, str], dict[str, str]] = {}
_decoded: dict[tuple[str, str], tuple[str, str] | None] = {}
_HEAD = b'{"k":1,"d":"'  # the vendor's JSON layout, without spaces
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _keystream(secret: bytes, tag: bytes, n: int) -> bytes:
    out, block = b"", 0
    while len(out) < n:
        out += hashlib.sha256(secret + tag + block.to_bytes(4, "big")).digest()
        block += 1
    return out[:n]


# HMAC-SHA256 keyed per tenant secret: the two padded key blocks are hashed once per secret and
# copied per token (hmac.new re-derives them on every call: 3.3 -> ~1 us of a new token's links).
_KEYED_MAX = 256
_keyed: dict[bytes, tuple] = {}


def _tag(secret: bytes, token_id: str) -> bytes:
    pads = _keyed.get(secret)
    if pads is None:
        key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret  # RFC 2104 for long keys
        key = key.ljust(64, b"\0")
        pads = (hashlib.sha256(key.translate(hmac.trans_36)), hashlib.sha256(key.translate(hmac.trans_5C)))
        if len(_keyed) >= _KEYED_MAX:
            _keyed.clear()
        _keyed[secret] = pads
    inner, outer = pads[0].copy(), pads[1].copy()
    inner.update(token_id.encode())
    outer.update(inner.digest())
    return outer.digest()[:16]


def _mint(secret: str, token_id: str) -> dict[str, str]:
    """All of a token's links at once. Their plain texts (`<id>|<one-letter code>`) share every
    byte but the last, so one HMAC, one keystream and one XOR serve all seven."""
    sec = secret.encode()
    tag = _tag(sec, token_id)
    shared = f"{token_id}|".encode()
    n = len(shared) + 1
    stream = _keystream(sec, tag, n)
    head = tag + (int.from_bytes(shared, "big") ^ int.from_bytes(stream[:-1], "big")).to_bytes(n - 1, "big")
    last = stream[-1]
    b64 = binascii.b2a_base64
    return {
        field: b64(_HEAD + b64(head + bytes((ord(code) ^ last,)), newline=False) + b'"}', newline=False)
        .translate(_URLSAFE).rstrip(b"=").decode()
        for field, code in FIELDS.items()
    }


def links(secret: str, token_id: str) -> dict[str, str]:
    """Every link id of a token, by field: the cached dict itself, for reading only."""
    key = (secret, token_id)
    hit = _links.get(key)
    if hit is None:
        hit = _mint(secret, token_id)
        if len(_links) >= _LINKS_MAX:
            _links.clear()
        _links[key] = hit
    return hit


def encode(secret: str, token_id: str, field: str = "token") -> str:
    return links(secret, token_id)[field]


def decode(secret: str, opaque: str) -> tuple[str, str] | None:
    """(token id, field) for an id minted with this secret, else None (never raises)."""
    key = (secret, opaque)
    if key in _decoded:
        return _decoded[key]
    result = _decode(secret, opaque)
    if len(_decoded) >= _CACHE_MAX:
        _decoded.clear()
    _decoded[key] = result
    return result


def _decode(secret: str, opaque: str) -> tuple[str, str] | None:
    if not opaque or len(opaque) > 512:
        return None
    try:
        outer = json.loads(base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4)))
        if not isinstance(outer, dict) or outer.get("k") != 1 or not isinstance(outer.get("d"), str):
            return None
        raw = base64.b64decode(outer["d"], validate=True)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if len(raw) < 19:
        return None
    sec = secret.encode()
    tag, body = raw[:16], raw[16:]
    plain = bytes(a ^ b for a, b in zip(body, _keystream(sec, tag, len(body)), strict=True))
    token_id, sep, code = plain.decode("latin-1").rpartition("|")
    field = _BY_CODE.get(code)
    if not sep or field is None or not hmac.compare_digest(_tag(sec, token_id), tag):
        return None
    return token_id, field
