"""COPYandPAY checkouts (opp.md E7-E10): a 30-minute payment session on the virtual clock.

A checkout is prepared server-to-server (`POST /v1/checkouts`), completed by the shopper in the
widget (a new card, or one of the stored registrations listed in `registrations[n].id`), and its
result read with `GET /v1/checkouts/{id}/payment` (or `/registration`). A session that was not
paid within 30 minutes, or whose result is older than 30 minutes, is gone: the vendor answers
"No payment session found for the requested id" (opp.md E7-E10, recorded by DBP).

Checkouts live in the tenant's `OppState.checkouts` (JSON-able, so state snapshots keep them).
"""

from __future__ import annotations

import copy
import re

from ..errors import DomainError
from ..payments import Payment
from . import currencies, merchant
from .errors import Invalid, OppError
from .registrations import VALID, state_of
from .scope import Scope
from .state import OppState
from .transactions import TxRequest, declined, pay, register

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


def open_checkout(scope: Scope, fields: dict) -> dict:
    """E7: a new payment session for the entity (fields validated by the adapter)."""
    if not currencies.valid(fields.get("currency")):
        raise OppError(currencies.INVALID_CURRENCY)
    checkout_id = scope.core.store.ids.opp_checkout_id()
    fields = {**fields, "entityId": scope.entity, "merchant": scope.merchant}
    return create(scope.writable(whole=False).state, checkout_id, fields, scope.now)


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
    """Record a successful result; it stays readable for another 30 minutes.

    `result` names what the merchant's status call renders: {"paymentId"} or {"registrationId",
    "code"} (facts, not a rendered reply)."""
    checkout["state"] = COMPLETED
    checkout["result"] = result
    checkout["completedAt"] = now
    checkout["expiresAt"] = now + LIFETIME


def record_attempt(checkout: dict, payment: Payment, now: float) -> None:
    """A finished attempt: success closes the session; a decline is what the merchant's status
    call reports, and the shopper may try again in the same session until it expires (opp.md §13.2)."""
    if declined(payment):
        checkout["result"] = {"paymentId": payment.id}
    else:
        complete(checkout, {"paymentId": payment.id}, now)


def submit(scope: Scope, checkout_id: str, chosen: str | None, brand: str | None, card: dict | None,
           base_url: str) -> tuple[str, dict]:
    """The widget's submission: a new card, or `chosen` (one of the checkout's registrations) for a
    one-click payment. Returns ("payment", {"paymentId"}) or ("registration", {...})."""
    tenant = scope.tenant
    checkout = find_open(tenant.state if tenant else None, checkout_id, scope.now)
    req = TxRequest(payment_type=checkout["paymentType"], amount=checkout["amount"], minor=checkout["minor"],
                    currency=checkout["currency"], si=copy.deepcopy(checkout["si"]), cit=True,
                    custom=dict(checkout["custom"]), test_mode=checkout["testMode"],
                    echo=copy.deepcopy(checkout["echo"]), shopper_result_url=checkout["shopperResultUrl"],
                    checkout_id=checkout_id, create_registration=checkout["createRegistration"])
    token = None
    if chosen is not None:
        if chosen.lower() not in checkout["registrations"]:
            raise Invalid([{"name": "registrationId", "value": chosen,
                            "message": "must be one of the checkout's registrations[n].id"}])
        token, owner = merchant.find_registration(scope, chosen)
        req.card = {"cvv": (card or {}).get("cvv")}
        req.create_registration = False
    else:
        req.brand, req.card, owner = brand, card, None
    if req.payment_type is None:
        made, outcome = register(scope, req)
        result = {"registrationId": made.id, "code": outcome.code}
        complete(scope.writable(whole=False).state.checkouts[checkout_id], result, scope.now)
        return "registration", result
    payment = pay(scope, req, token, base_url, owner)
    if "pending" not in payment.meta:  # a 3-D Secure challenge completes the checkout later
        record_attempt(scope.writable(whole=False).state.checkouts[checkout_id], payment, scope.now)
    return "payment", {"paymentId": payment.id}


def finish_after_challenge(store, tenant, checkout_id: str, payment: Payment) -> str | None:
    """A checkout payment's 3-D Secure challenge completed: record the result and return the
    shopperResultUrl to send the shopper to (None when the checkout is gone)."""
    checkout = tenant.state.checkouts.get(checkout_id)
    if checkout is None:
        return None
    record_attempt(checkout, payment, store.now(tenant.id))
    return checkout.get("shopperResultUrl")


def stored_cards(scope: Scope, checkout: dict) -> list[dict]:
    """The checkout's `registrations[n].id` that are still usable, as the widget lists them
    (seed "One-click payment": brand, last four digits, expiry). Gone ones are left out; any
    entity of the merchant may hold them (merchant.py)."""
    cards = []
    now = scope.now
    for rid in checkout.get("registrations") or []:
        token = merchant.peek_registration(scope, rid)
        if token is None or not token.pan or state_of(token, now) != VALID:
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


def widget_view(scope: Scope, checkout: dict) -> dict:
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
        "registrations": stored_cards(scope, checkout),
    }
