"""COPYandPAY checkouts (opp.md E7-E10): a 30-minute payment session on the virtual clock.

A checkout is prepared server-to-server (`POST /v1/checkouts`), completed by the shopper in the
widget (a new card, or one of the stored registrations listed in `registrations[n].id`), and its
result read with `GET /v1/checkouts/{id}/payment` (or `/registration`). A session that was not
paid within 30 minutes, or whose result is older than 30 minutes, is gone: the vendor answers
"No payment session found for the requested id" (opp.md E7-E10, recorded by DBP).

Checkouts live in the tenant's `OppState.checkouts` (JSON-able, so state snapshots keep them).
"""

from __future__ import annotations

import re

from ..errors import DomainError
from ..tokens import TokenBook
from .registrations import VALID, state_of
from .state import OppState

LIFETIME = 30 * 60
CHECKOUT_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.-]{0,79}\Z")
NO_SESSION = ("invalid or missing parameter - (opp) No payment session found for the requested id - "
              "are you mixing test/live servers or have you paid more than 30min ago?")
OPEN = "open"
COMPLETED = "completed"


class CheckoutGone(DomainError):
    """Unknown, expired or already-read-out-of-time checkout: 200.300.404 'No payment session found'."""


def create(state: OppState, checkout_id: str, fields: dict, now: float) -> dict:
    """Store a validated checkout; expired sessions are dropped so the tenant's data stays small."""
    book = state.checkouts
    for cid in [c for c, co in book.items() if co["expiresAt"] <= now]:
        del book[cid]
    checkout = {"id": checkout_id, "createdAt": now, "expiresAt": now + LIFETIME, "state": OPEN,
                "result": None, **fields}
    book[checkout_id] = checkout
    return checkout


def find(state: OppState | None, checkout_id: str, now: float) -> dict:
    checkout = state.checkouts.get(checkout_id) if state is not None else None
    if checkout is None or now >= checkout["expiresAt"]:
        raise CheckoutGone(checkout_id)
    return checkout


def find_open(state: OppState | None, checkout_id: str, now: float) -> dict:
    """A checkout the shopper may still pay; a completed one is no longer a payment session."""
    checkout = find(state, checkout_id, now)
    if checkout["state"] != OPEN:
        raise CheckoutGone(checkout_id)
    return checkout


def locate(tenants: dict, checkout_id: str) -> str | None:
    """The tenant id owning a checkout. The widget calls carry only the checkout id (the
    shopper's browser never sees the entityId or bearer token), as on the vendor's servers."""
    for tid, tenant in tenants.items():
        if tenant.api == "opp" and checkout_id in tenant.state.checkouts:
            return tid
    return None


def complete(checkout: dict, result: dict, now: float) -> None:
    """Record the transaction result; it stays readable for another 30 minutes."""
    checkout["state"] = COMPLETED
    checkout["result"] = result
    checkout["completedAt"] = now
    checkout["expiresAt"] = now + LIFETIME


def stored_cards(book: TokenBook | None, checkout: dict, now: float) -> list[dict]:
    """The checkout's `registrations[n].id` that are still usable, as the widget lists them
    (seed "One-click payment": brand, last four digits, expiry). Gone ones are left out."""
    cards = []
    for rid in checkout.get("registrations") or []:
        token = book.get(rid) if book is not None else None
        if token is None or state_of(token, now) != VALID:
            continue
        cards.append({
            "id": token.id,
            "paymentBrand": token.meta.get("paymentBrand"),
            "last4Digits": token.pan[-4:],
            "masked": "xxxx-xxxx-xxxx-" + token.pan[-4:],
            "holder": token.holder,
            "expiryMonth": f"{token.expiry_month:02d}" if token.expiry_month else None,
            "expiryYear": str(token.expiry_year) if token.expiry_year else None,
        })
    return cards


def widget_view(book: TokenBook | None, checkout: dict, now: float) -> dict:
    """What the payment widget needs to draw the form; never a full card number."""
    return {
        "id": checkout["id"],
        "state": checkout["state"],
        "kind": "payment" if checkout.get("paymentType") else "registration",
        "amount": checkout.get("amount"),
        "currency": checkout.get("currency"),
        "paymentType": checkout.get("paymentType"),
        "createRegistration": checkout.get("createRegistration", False),
        "shopperResultUrl": checkout.get("shopperResultUrl"),
        "expiresAt": checkout["expiresAt"],
        "registrations": stored_cards(book, checkout, now),
    }
