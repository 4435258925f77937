"""Order notifications outbox (wpg.md §6): per-merchant endpoint, events, delivery attempts.

Kept in the tenant's `WpgState` (`notify`, `outbox`), so reset and
snapshots cover it. Delivery itself (HTTP) is the paymentService adapter's job; this module only
decides what is due on the virtual clock. The vendor's retry schedule is undocumented; the sandbox
retries after RETRY_AFTER seconds of virtual time, then gives up (status "failed").

The adapter registers a `Listener` for the store at start-up (`listen`): the core asks it to
render a queued notification's XML body and signals it when something is due, so the control
plane and fixtures only ever call core functions here.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ..errors import DomainError
from ..payments import Payment
from ..store import Store, Tenant

if TYPE_CHECKING:
    from .env import Env

EVENTS = ("AUTHORISED", "REFUSED", "CANCELLED", "CAPTURED", "SENT_FOR_REFUND", "ERROR", "SETTLED", "REFUNDED",
          "REFUND_FAILED", "CHARGED_BACK", "CHARGEBACK_REVERSED", "INFORMATION_REQUESTED", "INFORMATION_SUPPLIED",
          "EXPIRED", "CAPTURE_FAILED")
DEFAULT_EVENTS = ("AUTHORISED", "REFUSED", "CANCELLED")  # the minimum the seed asks merchants to enable
RETRY_AFTER = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
OUTBOX_MAX = 500


class NotificationConfigError(DomainError):
    pass


class Listener(Protocol):
    def render(self, tid: str, payment: Payment, event: str, now: float) -> str: ...

    def wake(self, tid: str) -> None: ...


_listeners: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def listen(store: Store, listener: Listener | None) -> None:
    """Register (or with None remove) the delivery side for this store."""
    if listener is None:
        _listeners.pop(store, None)
    else:
        _listeners[store] = listener


def signal(store: Store, tid: str) -> None:
    listener = _listeners.get(store)
    if listener is not None:
        listener.wake(tid)


def emit(env: Env, p: Payment, event: str) -> dict | None:
    """Queue `orderStatusEvent` for this order when the merchant subscribed to the event (wpg.md §6)."""
    tenant = env.store.peek(env.tid)
    config = config_of(tenant)
    if not config or event not in config["events"]:
        return None
    now = env.now()
    listener = _listeners.get(env.store)
    body = listener.render(env.tid, p, event, now) if listener is not None else None
    note = enqueue(env.store.write(env.tid, whole=False), order_code=p.id, event=event, body=body, now=now)
    if note is not None:
        signal(env.store, env.tid)
    return note


def configure(store: Store, tid: str, url: str | None, events: list[str] | None = None) -> dict:
    """Set (or with url None, remove) a merchant's notification endpoint. A plain function so the
    control plane and scenario fixtures share it."""
    if url is None:
        t = store.peek(tid)
        if t is not None:
            store.write(tid).state.notify = None
        return {}
    try:  # urlsplit raises on e.g. "http://[::1" and .port on a bad port (issue 14 §13: was a 500)
        parts = urlsplit(str(url))
        parts.port  # noqa: B018 - evaluated for its ValueError
    except ValueError:
        raise NotificationConfigError("url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotificationConfigError("url must be an absolute http(s) URL")
    if events is not None and not (isinstance(events, list) and all(isinstance(e, str) for e in events)):
        raise NotificationConfigError("events must be a list of lastEvent names")
    chosen = list(DEFAULT_EVENTS if events is None else events)
    bad = [e for e in chosen if e not in EVENTS]
    if bad:
        raise NotificationConfigError(f"unknown events {bad}: choose from {', '.join(EVENTS)}")
    config = {"url": str(url), "events": chosen}
    store.write(tid).state.notify = config
    return config


def config_of(tenant: Tenant | None) -> dict | None:
    return tenant.state.notify if tenant else None


def enqueue(tenant: Tenant, *, order_code: str, event: str, body: str | None, now: float) -> dict | None:
    """Queue a notification when the merchant subscribed to this event; returns it."""
    config = config_of(tenant)
    if not config or event not in config["events"]:
        return None
    state = tenant.state
    state.notify_seq += 1
    note = {
        "id": f"{tenant.name}-{state.notify_seq}",
        "tenant": tenant.id,
        "orderCode": order_code,
        "event": event,
        "url": config["url"],
        "status": "pending",
        "createdAt": now,
        "nextAttemptAt": now,
        "attempts": [],
        "body": body,
    }
    outbox = state.outbox
    outbox.append(note)
    if len(outbox) > OUTBOX_MAX:
        del outbox[: len(outbox) - OUTBOX_MAX]
    return note


def outbox(tenant: Tenant | None) -> list[dict]:
    return tenant.state.outbox if tenant else []


def due(tenant: Tenant | None, now: float, in_order: bool = False) -> list[dict]:
    """Notifications to send now. `in_order`: only the merchant's oldest pending one, so later
    ones wait while it is retried (the vendor's head-of-line blocking, wpg.md §11.5)."""
    pending = [n for n in outbox(tenant) if n["status"] == "pending"]
    if in_order:
        pending = pending[:1]
    return [n for n in pending if n["nextAttemptAt"] <= now]


def retry_schedule(first_seconds: int = RETRY_AFTER[0], attempts: int = len(RETRY_AFTER)) -> tuple[int, ...]:
    """The waits before each retry: RETRY_AFTER scaled so the first is `first_seconds`, cut or
    extended (at the last wait) to `attempts` retries (options wpg.notify_retry_first_seconds,
    wpg.notify_retry_attempts; the vendor's interval is undocumented, it gives up after 7 days)."""
    scaled = [max(1, round(w * first_seconds / RETRY_AFTER[0])) for w in RETRY_AFTER]
    return tuple((scaled + [scaled[-1]] * attempts)[:attempts])


def record_attempt(note: dict, now: float, *, status: int | None, acknowledged: bool, error: str | None,
                   schedule: tuple[int, ...] = RETRY_AFTER) -> None:
    note["attempts"].append({"at": now, "status": status, "acknowledged": acknowledged, "error": error})
    if acknowledged:
        note["status"] = "delivered"
        note["nextAttemptAt"] = None
        return
    failures = len(note["attempts"])
    if failures > len(schedule):
        note["status"] = "failed"
        note["nextAttemptAt"] = None
    else:
        note["nextAttemptAt"] = now + schedule[failures - 1]


def redeliver(store: Store, note_id: str) -> dict | None:
    """Send one notification again now (control plane); None when there is no such notification."""
    found = find(store, note_id)
    if found is None:
        return None
    tid, note = found
    store.write(tid, whole=False)  # the outbox is in the tenant's head
    note["status"] = "pending"
    note["nextAttemptAt"] = store.now(tid)
    signal(store, tid)
    return note


def find(store: Store, note_id: str) -> tuple[str, dict] | None:
    for tid, tenant in store.tenants.items():
        if tid.api == "wpg":
            for n in outbox(tenant):
                if n["id"] == note_id:
                    return tid, n
    return None
