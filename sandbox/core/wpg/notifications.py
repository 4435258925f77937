"""Order notifications outbox (wpg.md §6): per-merchant endpoint, events, delivery attempts.

Kept in the tenant's `WpgState` (`notify`, `outbox`), so reset and
snapshots cover it. Delivery itself (HTTP) is the paymentService adapter's job; this module only
decides what is due on the virtual clock. The vendor's retry schedule is undocumented; the sandbox
retries after RETRY_AFTER seconds of virtual time, then gives up (status "failed").
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import DomainError
from ..store import Store, Tenant

EVENTS = ("AUTHORISED", "REFUSED", "CANCELLED", "CAPTURED", "SENT_FOR_REFUND", "ERROR")
DEFAULT_EVENTS = ("AUTHORISED", "REFUSED", "CANCELLED")  # the minimum the seed asks merchants to enable
RETRY_AFTER = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
OUTBOX_MAX = 500


class NotificationConfigError(DomainError):
    pass


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


def enqueue(tenant: Tenant, *, order_code: str, event: str, body: str, now: float) -> dict | None:
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


def due(tenant: Tenant | None, now: float) -> list[dict]:
    return [n for n in outbox(tenant) if n["status"] == "pending" and n["nextAttemptAt"] <= now]


def record_attempt(note: dict, now: float, *, status: int | None, acknowledged: bool, error: str | None) -> None:
    note["attempts"].append({"at": now, "status": status, "acknowledged": acknowledged, "error": error})
    if acknowledged:
        note["status"] = "delivered"
        note["nextAttemptAt"] = None
        return
    failures = len(note["attempts"])
    if failures > len(RETRY_AFTER):
        note["status"] = "failed"
        note["nextAttemptAt"] = None
    else:
        note["nextAttemptAt"] = now + RETRY_AFTER[failures - 1]


def redeliver(note: dict, now: float) -> None:
    note["status"] = "pending"
    note["nextAttemptAt"] = now


def find(store: Store, note_id: str) -> tuple[str, dict] | None:
    for tid, tenant in store.tenants.items():
        if tid.api == "wpg":
            for n in outbox(tenant):
                if n["id"] == note_id:
                    return tid, n
    return None
