"""Payments as a small state machine shared by OPP payments and paymentService orders.

AUTHORISED -> CAPTURED (partial or full) -> refunds up to the captured amount.
AUTHORISED -> CANCELLED (reversal before capture). REFUSED and ERROR are final.
Amounts are integers in minor units; each adapter converts from its own notation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InvalidTransition

AUTHORISED = "AUTHORISED"
REFUSED = "REFUSED"
ERROR = "ERROR"
CAPTURED = "CAPTURED"
CANCELLED = "CANCELLED"
REFUNDED = "REFUNDED"  # fully refunded
PENDING = "PENDING"  # e.g. waiting for 3-D Secure


@dataclass(slots=True)
class Payment:
    id: str
    amount: int
    currency: str
    status: str
    created_at: float
    token_id: str | None = None
    captured: int = 0
    refunded: int = 0
    events: list[dict] = field(default_factory=list)  # {"type", "amount", "at", "id"}
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "createdAt": self.created_at,
            "tokenId": self.token_id,
            "captured": self.captured,
            "refunded": self.refunded,
            "events": self.events,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Payment:
        return cls(
            id=str(d["id"]),
            amount=int(d["amount"]),
            currency=str(d["currency"]),
            status=str(d["status"]),
            created_at=float(d["createdAt"]),
            token_id=d.get("tokenId"),
            captured=int(d.get("captured", 0)),
            refunded=int(d.get("refunded", 0)),
            events=list(d.get("events") or []),
            meta=dict(d.get("meta") or {}),
        )


def capture(p: Payment, amount: int | None, now: float, event_id: str | None = None) -> int:
    """Capture all or part of an authorisation once; returns the captured amount."""
    amount = p.amount if amount is None else amount
    if p.status != AUTHORISED:
        raise InvalidTransition("capture", f"payment is {p.status}")
    if amount <= 0 or amount > p.amount:
        raise InvalidTransition("capture", "amount exceeds the authorised amount")
    p.status = CAPTURED
    p.captured = amount
    p.events.append({"type": "capture", "amount": amount, "at": now, "id": event_id})
    return amount


def refund(p: Payment, amount: int | None, now: float, event_id: str | None = None) -> int:
    """Refund up to what was captured and not yet refunded."""
    if p.status not in (CAPTURED, REFUNDED):
        raise InvalidTransition("refund", f"payment is {p.status}")
    left = p.captured - p.refunded
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise InvalidTransition("refund", "amount exceeds what is left to refund")
    p.refunded += amount
    if p.refunded == p.captured:
        p.status = REFUNDED
    p.events.append({"type": "refund", "amount": amount, "at": now, "id": event_id})
    return amount


def cancel(p: Payment, now: float, event_id: str | None = None) -> None:
    """Reverse an authorisation that has not been captured."""
    if p.status != AUTHORISED:
        raise InvalidTransition("cancel", f"payment is {p.status}")
    p.status = CANCELLED
    p.events.append({"type": "cancel", "amount": p.amount, "at": now, "id": event_id})


class PaymentBook(dict):
    """One tenant's payments by id (a dict). With `--state`, `changed` collects the ids of payments
    added, removed or `touch`ed since the last commit (an ordered set), as `TokenBook.changed` does."""

    __slots__ = ("changed",)

    def __init__(self) -> None:
        super().__init__()
        self.changed: dict[str, None] | None = None

    def __setitem__(self, payment_id: str, payment: Payment) -> None:
        super().__setitem__(payment_id, payment)
        if self.changed is not None:
            self.changed[payment_id] = None

    def __delitem__(self, payment_id: str) -> None:
        super().__delitem__(payment_id)
        if self.changed is not None:
            self.changed[payment_id] = None

    def pop(self, payment_id, *default):
        if self.changed is not None:
            self.changed[payment_id] = None
        return super().pop(payment_id, *default)

    def touch(self, payment: Payment) -> Payment:
        """Record that `payment` changed in place (capture, refund, status): saved next commit."""
        if self.changed is not None:
            self.changed[payment.id] = None
        return payment
