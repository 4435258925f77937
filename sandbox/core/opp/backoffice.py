"""Back-office operations on payments (opp.md E11-E13) and the stand-in 3-D Secure challenge.

`POST /v1/payments/{id}` with CP (capture), RF (refund) or RV (reversal) references an earlier
payment, token payments included. Unknown or unsuitable references answer the 700.400.5x0 codes
(opp.md E11); an operation the payment's state no longer allows answers 700.400.100 / 700.400.200
/ 700.300.300. Each operation is a transaction of its own, readable with `GET /v1/query/{id}`.
"""

from __future__ import annotations

from .. import payments
from ..errors import InvalidTransition
from ..payments import Payment
from . import cardonfile, currencies, merchant, registrations
from .errors import Invalid, OppError
from .results import success_code
from .scope import Scope
from .transactions import descriptor, settle

REFERENCE_TYPES = ("CP", "RF", "RV")
_MISSING = {"CP": "700.400.510", "RF": "700.400.520", "RV": "700.400.530"}
NOT_FOUND = "700.400.580"
CHANNEL_MISMATCH = "700.400.700"  # initial and referencing channel-ids do not match


def find_transaction(scope: Scope, tx_id: str) -> Payment:
    tenant = scope.tenant
    payment = tenant.payments.get(tx_id) if tenant is not None else None
    if payment is None:
        raise OppError(NOT_FOUND)
    return payment


def reference(scope: Scope, tx_id: str, kind: str, minor: int | None, currency: str | None,
              echo: dict, test_mode: str | None = None) -> Payment:
    """A CP/RF/RV on `tx_id`; returns the new transaction (stored)."""
    tenant = scope.tenant
    base = tenant.payments.get(tx_id) if tenant is not None else None
    if base is None:
        # Made on another channel of this merchant (core/opp/merchant.py): refused by default.
        other, base = merchant.find_payment_elsewhere(scope, tx_id)
        if base is not None and not scope.option("opp.cross_channel_references"):
            raise OppError(CHANNEL_MISMATCH)
        tenant = other
    if base is not None and base.meta.get("paymentType") in REFERENCE_TYPES:
        # A refund or reversal may name the capture; it acts on the payment the capture settled.
        parent = tenant.payments.get(base.meta.get("referencedId") or "")
        base = parent if kind != "CP" and base.meta["paymentType"] == "CP" else None
    if base is not None and currency is not None and currency != base.currency:
        raise Invalid([{"name": "currency", "value": currency,
                        "message": f"must equal the currency of the referenced transaction ({base.currency})"}])
    if base is None or base.status in (payments.PENDING, payments.REFUSED, payments.ERROR):
        raise OppError(_MISSING[kind])
    if not currencies.valid(currency):
        raise OppError(currencies.INVALID_CURRENCY)
    new_id = scope.new_id()
    try:
        done = _apply(kind, base, minor, scope.now, new_id)
    except InvalidTransition:
        raise OppError(_refusal(kind, base)) from None
    scope.core.store.write(tenant.id, whole=False).payments.touch(base)  # the referenced payment changed
    status = {"CP": payments.CAPTURED, "RF": payments.REFUNDED, "RV": payments.CANCELLED}[kind]
    # Each back-office transaction has its own descriptor; CP and RV carry risk score "0" (opp.md §13.8).
    meta = {"paymentType": kind, "referencedId": tx_id, "descriptor": descriptor(scope),
            "code": success_code(scope.mode, base.meta.get("testMode")), **({"echo": echo} if echo else {})}
    if kind != "RF":
        meta["risk"] = "0"
    payment = Payment(id=new_id, amount=done, currency=base.currency, status=status, created_at=scope.now,
                      token_id=base.token_id, meta=meta)
    scope.writable(whole=False).payments[new_id] = payment
    return payment


def _apply(kind: str, base: Payment, minor: int | None, now: float, new_id: str) -> int:
    if kind == "CP":
        if base.meta.get("paymentType") != "PA":
            raise InvalidTransition("capture", "only a PA can be captured")
        return payments.capture(base, minor, now, new_id)
    if kind == "RF":
        return payments.refund(base, minor, now, new_id)
    if base.status == payments.AUTHORISED:
        payments.cancel(base, now, new_id)
        return base.amount
    # OPP also reverses a debit or capture on the same day (700.400.530 lists CP and DB): the
    # sandbox allows it while nothing has been refunded.
    if base.status == payments.CAPTURED and base.refunded == 0:
        base.status = payments.CANCELLED
        base.events.append({"type": "reversal", "amount": base.captured, "at": now, "id": new_id})
        return base.captured
    raise InvalidTransition("reversal", f"payment is {base.status}")


def _refusal(kind: str, base: Payment) -> str:
    if kind == "CP":
        return "700.400.510" if base.meta.get("paymentType") != "PA" else "700.400.100"
    if kind == "RF":
        if base.status == payments.AUTHORISED:
            return "700.400.520"
        return "700.400.200" if base.status in (payments.CAPTURED, payments.REFUNDED) else "700.300.300"
    return "700.300.300"


# -- the stand-in 3-D Secure challenge -----------------------------------------------------------
def locate_pending(store, tx_id: str):
    """(tenant, payment) for a payment waiting for 3-D Secure; the shopper's browser carries
    only the transaction id, as with a real ACS redirect."""
    for tenant in store.tenants.values():
        if tenant.api == "opp":
            payment = tenant.payments.get(tx_id)
            if payment is not None and payment.meta.get("pending"):
                return tenant, payment
    return None, None


def complete_challenge(core, tenant_id, tx_id: str, passed: bool) -> tuple[Payment, dict]:
    """Finish a pending 3-D Secure payment: success (token created if asked) or 100.390.114.

    Returns the payment and the pending context (checkout id, shopperResultUrl)."""
    store = core.store
    tenant = store.write(tenant_id)
    payment = tenant.payments[tx_id]
    meta = payment.meta
    pending = meta.pop("pending")
    now = store.now(tenant_id)
    meta.pop("redirect", None)
    meta.pop("description", None)
    approval = pending.get("kind") == "approval"  # PayPal: the shopper approved at the provider
    if passed:
        meta["code"] = success_code(core.mode, meta.get("testMode"))
        settle(payment, meta["paymentType"])
        if not approval:
            meta["threeDSecure"] = {"eci": "05", "version": "2.2.0", "authenticationStatus": "Y"}
        if pending.get("cit"):
            pending["tokenMeta"]["initialTransactionId"] = cardonfile.cit_succeeded(store.ids, meta)
        if pending.get("createRegistration") and (pending.get("card") or pending.get("account")):
            reg_id = store.ids.opp_id()
            token = (registrations.new_registration(reg_id, pending["card"], now, pending["tokenMeta"])
                     if pending.get("card") else
                     registrations.new_account_registration(reg_id, pending["account"], now, pending["tokenMeta"]))
            registrations.add(tenant.tokens, token)
            meta["registrationId"] = reg_id
        elif payment.token_id:
            owner = store.peek(pending.get("tokenOwner") or tenant_id)
            token = owner.tokens.get(payment.token_id) if owner is not None else None
            if token is not None:
                store.write(owner.id)
                registrations.record_use(token, now)
    elif approval:
        meta["code"] = "100.396.101"  # Cancelled by user
        payment.status = payments.REFUSED
    else:
        meta["code"] = "100.390.114"
        payment.status = payments.REFUSED
        meta["threeDSecure"] = {"authenticationStatus": "N"}
    return payment, pending
