"""`Idempotency-Key` for paymentService (wpg.md §11.4): a merchant-generated UUID in an HTTP header
on authorisation, capture, refund and payout requests. Within the key's lifetime a repeat gets the
stored original reply and is not processed again (no body comparison is documented, so none is
made); a key still being processed is code 9 "Request in progress"; a malformed key is code 9
"Invalid idempotency-key"; with the feature off for the merchant (option wpg.idempotency=off) any
key is code 9 "Service not enabled". Stored replies live in the merchant's WpgState, so reset and
snapshots cover them; the lifetime runs on the tenant's virtual clock.
"""

from __future__ import annotations

import re

from .env import Env
from .errors import WpgError

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
KEEP_MAX = 1000  # stored replies per merchant; the oldest go first
DAY = 86400.0
IN_PROGRESS = "Request in progress"
INVALID = "Invalid idempotency-key"
NOT_ENABLED = "Service not enabled"


class IdempotencyError(WpgError):
    def __init__(self, text: str) -> None:
        super().__init__(9, text)


def check_key(key: str, mode: str) -> None:
    """Raise code 9 for a key the merchant may not send or that is not a UUID."""
    if mode == "off":
        raise IdempotencyError(NOT_ENABLED)
    if not UUID.match(key):
        raise IdempotencyError(INVALID)


def stored_reply(env: Env, key: str) -> str | None:
    """The reply stored under this key while it lives, else None."""
    tenant = env.store.peek(env.tid)
    entry = tenant.state.idempotency.get(key.lower()) if tenant else None
    if entry is None or entry["expiresAt"] <= env.now():
        return None
    return entry["reply"]


def remember(env: Env, key: str, reply: str, ttl_days: int) -> None:
    now = env.now()
    book = env.store.write(env.tid, whole=False).state.idempotency
    for old in [k for k, v in book.items() if v["expiresAt"] <= now]:
        del book[old]
    book[key.lower()] = {"reply": reply, "storedAt": now, "expiresAt": now + ttl_days * DAY}
    while len(book) > KEEP_MAX:
        del book[next(iter(book))]
