"""A bounded ring buffer of exchanges and domain events, card numbers masked on the way in."""

from __future__ import annotations

from collections import deque
from typing import Any

from .cards import mask_text

BODY_LIMIT = 4096  # characters of each body kept per entry


# Masked text per body: a repeated reply (the same token read again and again) is decoded and
# masked once. Small and cleared when full; bytes cache their own hash, so a hit is cheap.
_MASKED_MAX = 256
_CACHED_BODY_MAX = 8192  # only small bodies are kept as keys: 256 bodies of 1 MiB would hold 256 MiB
_masked: dict[bytes, str] = {}


def _masked_body(body: bytes) -> str:
    hit = _masked.get(body)
    if hit is None:
        hit = mask_text(body[: BODY_LIMIT * 4].decode("utf-8", "replace")[:BODY_LIMIT])
        if len(body) <= _CACHED_BODY_MAX:
            if len(_masked) >= _MASKED_MAX:
                _masked.clear()
            _masked[body] = hit
    return hit


# The same for the short text fields of every exchange (tenant, path): a handful of values
# repeat on every request. Only short ones are kept; the cache is cleared when full.
_TEXTS_MAX = 512
_CACHED_TEXT_MAX = 256
_masked_texts: dict[str, str] = {}


def _masked_text(text: str) -> str:
    hit = _masked_texts.get(text)
    if hit is None:
        hit = mask_text(text)
        if len(text) <= _CACHED_TEXT_MAX:
            if len(_masked_texts) >= _TEXTS_MAX:
                _masked_texts.clear()
            _masked_texts[text] = hit
    return hit


class Journal:
    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._entries: deque[dict] = deque(maxlen=size)
        self._seq = 0

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, kind: str, **fields: Any) -> dict:
        """Add an entry; bodies and free text are masked here, before anything holds them."""
        self._seq += 1
        entry = {"seq": self._seq, "kind": kind}
        for key, value in fields.items():
            if isinstance(value, str | bytes) and key in ("request", "response", "detail", "path", "query", "tenant"):
                if isinstance(value, bytes):
                    value = _masked_body(value)
                else:
                    value = mask_text(value[:BODY_LIMIT])
            entry[key] = value
        self._entries.append(entry)
        return entry

    def exchange(self, api: str, tenant: str | None, operation: str | None, method: str, path: str, query: str,
                 status: int, request_id: str, ms: float, request: bytes, response: bytes) -> dict:
        """The middleware's every-request entry: the same dict as record("exchange", ...) with these
        fields in this order, built directly rather than through the generic loop."""
        self._seq += 1
        entry = {"seq": self._seq, "kind": "exchange", "api": api,
                 "tenant": _masked_text(tenant) if tenant else tenant, "operation": operation,
                 "method": method, "path": _masked_text(path[:BODY_LIMIT]),
                 "query": mask_text(query[:BODY_LIMIT]) if query else query, "status": status,
                 "request_id": request_id, "ms": ms, "request": _masked_body(request),
                 "response": _masked_body(response)}
        self._entries.append(entry)
        return entry

    def entries(self, tenant: str | None = None, api: str | None = None, since: int = 0) -> list[dict]:
        tenant = mask_text(tenant) if tenant else tenant  # entries hold tenant ids masked, like all text
        return [
            e
            for e in self._entries
            if e["seq"] > since
            and (tenant is None or e.get("tenant") == tenant)
            and (api is None or e.get("api") == api)
        ]

    def clear(self) -> None:
        self._entries.clear()
