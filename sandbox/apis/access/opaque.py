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
# grow the process (50,000 entries here once cost ~40 MB of RSS in `make soak`).
_CACHE_MAX = 4096
_encoded: dict[tuple[str, str, str], str] = {}
_decoded: dict[tuple[str, str], tuple[str, str] | None] = {}
_streams: dict[tuple[str, str, int], tuple[bytes, int]] = {}


def _keystream(secret: bytes, tag: bytes, n: int) -> bytes:
    out, block = b"", 0
    while len(out) < n:
        out += hashlib.sha256(secret + tag + block.to_bytes(4, "big")).digest()
        block += 1
    return out[:n]


def _tag(secret: bytes, token_id: str) -> bytes:
    return hmac.new(secret, token_id.encode(), hashlib.sha256).digest()[:16]


def _token_stream(secret: str, token_id: str, n: int) -> tuple[bytes, int]:
    """(tag, keystream as an int) for a token: the same for all its links, whose plain texts
    all have one length (`<id>|<one-letter code>`), so a token's six links cost one HMAC."""
    key = (secret, token_id, n)
    hit = _streams.get(key)
    if hit is None:
        sec = secret.encode()
        tag = _tag(sec, token_id)
        hit = (tag, int.from_bytes(_keystream(sec, tag, n), "big"))
        if len(_streams) >= _CACHE_MAX:
            _streams.clear()
        _streams[key] = hit
    return hit


def encode(secret: str, token_id: str, field: str = "token") -> str:
    key = (secret, token_id, field)
    hit = _encoded.get(key)
    if hit is not None:
        return hit
    plain = f"{token_id}|{FIELDS[field]}".encode()
    tag, stream = _token_stream(secret, token_id, len(plain))
    body = (int.from_bytes(plain, "big") ^ stream).to_bytes(len(plain), "big")
    d = base64.b64encode(tag + body).decode()
    # Same JSON layout as the vendor's ids: {"k":1,"d":"..."} without spaces.
    opaque = base64.urlsafe_b64encode(f'{{"k":1,"d":"{d}"}}'.encode()).decode().rstrip("=")
    if len(_encoded) >= _CACHE_MAX:
        _encoded.clear()
    _encoded[key] = opaque
    return opaque


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
