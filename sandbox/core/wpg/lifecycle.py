"""What happens to an order after the reply (wpg.md §11.5): statuses the vendor sends later,
on the tenant's virtual clock, each with its order notification.

* AUTHORISED -> CAPTURED after `wpg.auto_capture_minutes` when set (the test environment's
  background capture; 0, the default, leaves capturing to the merchant);
* CAPTURED -> SETTLED after `wpg.settle_after_minutes` (the vendor: "typically within 15 minutes";
  in its test environment only via "Simulate Settlement");
* SENT_FOR_REFUND -> REFUNDED after `wpg.refund_after_minutes`;
* on demand, now or after a virtual delay (control plane
  `POST /_sandbox/tenants/{tenant}/orders/{orderCode}/events`):
  REFUND_FAILED (the last refund is given back), CHARGED_BACK, CHARGEBACK_REVERSED,
  INFORMATION_REQUESTED, INFORMATION_SUPPLIED, SETTLED, REFUNDED, EXPIRED (an unused
  authorisation), CAPTURE_FAILED (the capture is undone). No documented test magic produces these.

The status shown as `lastEvent` is kept in `Payment.meta["statusEvent"]` until the next
modification; the schedule is in WpgState.schedule so reset and snapshots cover it. Due entries
are applied when a request for the merchant arrives and by the notification loop.
"""

from __future__ import annotations

import weakref

from ..payments import AUTHORISED, CAPTURED, REFUNDED, Payment, capture
from . import notifications
from .env import Env
from .errors import OrderError

LATER = {"AUTHORISED": ("CAPTURED", "wpg.auto_capture_minutes"),
         "CAPTURED": ("SETTLED", "wpg.settle_after_minutes"),
         "SENT_FOR_REFUND": ("REFUNDED", "wpg.refund_after_minutes")}
TRIGGERS = ("CAPTURED", "SETTLED", "REFUNDED", "REFUND_FAILED", "CHARGED_BACK", "CHARGEBACK_REVERSED", "INFORMATION_REQUESTED",
            "INFORMATION_SUPPLIED", "EXPIRED", "CAPTURE_FAILED")
_scheduled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Store -> tenant ids with a schedule


def follow_up(env: Env, p: Payment, event: str) -> None:
    """After `event` was sent for `p`, schedule the status the vendor sends later, if any."""
    later = LATER.get(event)
    if later is None:
        return
    status, option = later
    if status == "CAPTURED" and not env.core.options[option]:
        return  # no automatic capture: the merchant captures
    tenant = env.store.write(env.tid, whole=False)  # the schedule is in the tenant's head
    tenant.state.schedule.append({"orderCode": p.id, "event": status,
                                  "at": env.now() + 60 * env.core.options[option]})
    _scheduled.setdefault(env.store, set()).add(env.tid)


def scheduled_tenants(store, rescan: bool = False) -> list:
    """Tenants with later statuses pending. `rescan` also finds schedules that arrived without
    follow_up (a restored snapshot, a loaded state file)."""
    known = _scheduled.setdefault(store, set())
    if rescan:
        known.update(tid for tid, t in store.tenants.items() if tid.api == "wpg" and t.state.schedule)
    return list(known)


def advance(env: Env) -> int:
    """Apply every scheduled status that is due on the tenant's clock; returns how many."""
    tenant = env.store.peek(env.tid)
    if tenant is None or not tenant.state.schedule:
        _scheduled.get(env.store, set()).discard(env.tid)
        return 0
    now = env.now()
    due = [e for e in tenant.state.schedule if e["at"] <= now]
    if not due:
        return 0
    env.store.write(env.tid, whole=False)
    tenant.state.schedule = [e for e in tenant.state.schedule if e["at"] > now]
    for entry in sorted(due, key=lambda e: e["at"]):
        p = tenant.payments.get(entry["orderCode"])
        if p is not None and _allowed(p, entry["event"]) is None:
            _apply(env, tenant.payments.touch(p), entry["event"])
    return len(due)


def _allowed(p: Payment, event: str) -> str | None:
    """Why `event` cannot happen to `p` now, or None."""
    current = p.meta.get("statusEvent")
    if event == "CAPTURED" and p.status != AUTHORISED:
        return "the order is not an open authorisation"
    if event in ("SETTLED", "CAPTURE_FAILED") and p.status != CAPTURED:
        return "the order is not captured"
    if event in ("REFUNDED", "REFUND_FAILED") and not p.refunded:
        return "the order has no refund"
    if event in ("CHARGED_BACK", "INFORMATION_REQUESTED") and p.status not in (CAPTURED, REFUNDED):
        return "the order is not captured"
    if event == "INFORMATION_SUPPLIED" and current != "INFORMATION_REQUESTED":
        return "no information was requested"
    if event == "CHARGEBACK_REVERSED" and current != "CHARGED_BACK":
        return "the order is not charged back"
    if event == "EXPIRED" and p.status != AUTHORISED:
        return "the order is not an open authorisation"
    return None


def _apply(env: Env, p: Payment, event: str) -> None:
    now = env.now()
    given_back = 0
    if event == "REFUND_FAILED":
        last = next((e for e in reversed(p.events) if e["type"] == "refund"), None)
        given_back = last["amount"] if last else p.refunded
        p.refunded -= given_back
        if p.status == REFUNDED:
            p.status = CAPTURED
        tenant = env.store.peek(env.tid)
        tenant.state.schedule = [e for e in tenant.state.schedule
                                 if not (e["orderCode"] == p.id and e["event"] == "REFUNDED")]
    elif event == "CAPTURE_FAILED":
        p.status, p.captured = AUTHORISED, 0
    elif event == "CAPTURED":  # the background capture: a real capture of the whole amount
        capture(p, None, now)
        p.meta.pop("statusEvent", None)
        notifications.emit(env, p, event)
        follow_up(env, p, event)
        return
    p.meta["statusEvent"] = event
    p.events.append({"type": event.lower(), "amount": given_back, "at": now, "id": None})
    notifications.emit(env, p, event)


def trigger(env: Env, order_code: str, event: str, after: str | None = None) -> tuple[Payment, float | None]:
    """Make `event` happen to the order now, or after the ISO 8601 duration `after` of virtual
    time (control plane). Returns the order and, when scheduled, when it will happen."""
    if event not in TRIGGERS:
        raise OrderError(5, f"event must be one of {', '.join(TRIGGERS)}")
    tenant = env.store.peek(env.tid)
    p = tenant.payments.get(order_code) if tenant else None
    if p is None:
        raise OrderError(5, f"Could not find payment for order {order_code}")
    if after is not None:
        from ..clock import parse_duration

        try:
            seconds = parse_duration(after, env.now())
        except ValueError as e:
            raise OrderError(5, f"after: {e}") from None
        if seconds < 0:
            raise OrderError(5, "after: a duration from now, not before it")
        if seconds > 0:  # checked when it falls due: the order may change meanwhile
            at = env.now() + seconds
            env.store.write(env.tid, whole=False).state.schedule.append({"orderCode": p.id, "event": event, "at": at})
            _scheduled.setdefault(env.store, set()).add(env.tid)
            return p, at
    advance(env)
    why = _allowed(p, event)
    if why is not None:
        raise OrderError(5, f"{event} cannot happen now: {why}")
    env.store.write(env.tid, whole=False).payments.touch(p)
    _apply(env, p, event)
    return p, None
