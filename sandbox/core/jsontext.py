"""`json.dumps(obj)` with its default options, byte for byte, from one C encoder built once.

Every reply of the JSON APIs is encoded once per request. json.dumps() builds a new encoder and
a circular-reference dict on each call (12.3 -> 8.5 us for an Access token resource); the bodies
here are trees of stored facts and request values, never cycles, so the check buys nothing.
Python without the C accelerator falls back to json.dumps itself.
"""

from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring_ascii

# Arguments in c_make_encoder's order: markers (None: no circular check), default, string encoder
# (ensure_ascii=True), indent, key separator, item separator, sort_keys, skipkeys, allow_nan.
_encode = (c_make_encoder(None, json.JSONEncoder().default, encode_basestring_ascii, None, ": ", ", ",
                          False, False, True) if c_make_encoder is not None else None)


def dumps(obj: object) -> str:
    """The same text as json.dumps(obj)."""
    if _encode is None or isinstance(obj, str | int | float) or obj is None:
        return json.dumps(obj)  # a bare scalar: json.dumps encodes those without the C encoder
    return "".join(_encode(obj, 0))
