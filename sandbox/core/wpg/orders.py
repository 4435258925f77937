"""paymentService orders: authorisation outcome from magic cardholder names, and modifications.

Outcomes come from `catalogue.wpg.holders` in fixtures/default.yaml (wpg.md §7): the cardholder
name (from the request, a per-payment override or the token) picks `lastEvent` and an optional
ISO 8583 return code; any other name is AUTHORISED. Orders are `Payment`s keyed by orderCode, so
capture, cancel and refund reuse the shared state machine (core/payments.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalogue import Catalogue
from ..errors import DomainError, InvalidTransition
from ..payments import AUTHORISED, CAPTURED, REFUNDED, Payment, cancel, capture, refund


class OrderError(DomainError):
    """An order-level refusal the adapter renders as `<error code=...>`."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


NOT_FOUND = "Could not find payment for order"  # GOVUK, WPGJ, AM (wpg.md §5.3)


@dataclass(frozen=True, slots=True)
class Outcome:
    last_event: str  # AUTHORISED | REFUSED | ERROR
    iso_code: int | None = None
    iso_description: str | None = None


def outcome_for(catalogue: Catalogue, holder: str | None) -> Outcome:
    magic = catalogue.magic_for("wpg", "holders", (holder or "").strip().upper())
    if not magic:
        return Outcome(AUTHORISED)
    iso = magic.get("iso")
    return Outcome(str(magic.get("lastEvent", AUTHORISED)), int(iso) if iso is not None else None,
                   magic.get("description"))


def last_event(p: Payment) -> str:
    """The vendor's lastEvent for the payment's state (a refund is SENT_FOR_REFUND first)."""
    if p.events and p.events[-1]["type"] == "refund":
        return "SENT_FOR_REFUND"
    return {REFUNDED: "SENT_FOR_REFUND"}.get(p.status, p.status)


def money(minor: int, currency: str, exponent: int) -> str:
    return f"{currency} {minor / 10 ** exponent:.{exponent}f}"


def modify(p: Payment | None, action: str, amount: int | None, now: float) -> int | None:
    """Capture, cancel or refund; raises OrderError (code 5, vendor texts where known)."""
    if p is None:
        raise OrderError(5, NOT_FOUND)
    exp = int(p.meta.get("exponent", 2))
    try:
        if action == "capture":
            if amount is not None and amount > p.amount and p.status == AUTHORISED:
                raise OrderError(5, f"Requested capture amount ({money(amount, p.currency, exp)}) exceeds the "
                                    f"authorised balance for this payment ({money(p.amount, p.currency, exp)})")
            return capture(p, amount, now)
        if action == "refund":
            if p.status in (CAPTURED, REFUNDED) and amount is not None and amount > p.captured - p.refunded:
                raise OrderError(5, "Refund amount too high")
            return refund(p, amount, now)
        cancel(p, now)
        return None
    except InvalidTransition:
        raise OrderError(5, "Order not ready") from None  # AM (wpg.md §5.3)

