"""Back-office operations on payments (opp.md E11-E13) and the stand-in 3-D Secure challenge.

`POST /v1/payments/{id}` with CP (capture), RF (refund) or RV (reversal) references an earlier
payment, token payments included. Unknown or unsuitable references answer the 700.400.5x0 codes
(opp.md E11); an operation the payment's state no longer allows answers 700.400.100 / 700.400.200
/ 700.300.300. Each operation is a transaction of its own, readable with `GET /v1/query/{id}`.
"""

from __future__ import annotations

from ...core import payments
from ...core.errors import InvalidTransition
from ...core.opp import registrations
from ...core.opp.results import success_code
from ...core.payments import Payment
from .context import Ctx
from .errors import OppFailure, envelope
from .parse import REFERENCE_TYPES, Params, echoed
from .parse import amount as parse_amount
from .parse import currency as parse_currency
from .transactions import settle

_MISSING = {"CP": "700.400.510", "RF": "700.400.520", "RV": "700.400.530"}


def find_transaction(ctx: Ctx, tx_id: str) -> Payment:
    tenant = ctx.tenant
    payment = tenant.payments.get(tx_id) if tenant is not None else None
    if payment is None:
        raise OppFailure("700.400.580")
    return payment


def reference(ctx: Ctx, tx_id: str, p: Params) -> dict:
    kind = p.one_of("paymentType", REFERENCE_TYPES, required=True)
    amount, minor = parse_amount(p, required=False)
    currency = parse_currency(p, required=amount is not None)
    echo = echoed(p)
    tenant = ctx.tenant
    base = tenant.payments.get(tx_id) if tenant is not None else None
    if base is not None and base.meta.get("paymentType") in REFERENCE_TYPES:
        # A refund or reversal may name the capture; it acts on the payment the capture settled.
        parent = tenant.payments.get(base.meta.get("referencedId") or "")
        base = parent if kind != "CP" and base.meta["paymentType"] == "CP" else None
    if base is not None and currency is not None and currency != base.currency:
        p.bad("currency", f"must equal the currency of the referenced transaction ({base.currency})")
    if p.errors:
        raise OppFailure("200.300.404", errors=p.errors)
    if base is None or base.status in (payments.PENDING, payments.REFUSED, payments.ERROR):
        raise OppFailure(_MISSING[kind])
    new_id = ctx.new_id()
    try:
        done = _apply(kind, base, minor, ctx.now, new_id)
    except InvalidTransition:
        raise OppFailure(_refusal(kind, base)) from None
    code = success_code(ctx.core.mode, base.meta.get("testMode"))
    body = {"id": new_id, "referencedId": tx_id, "paymentType": kind, "amount": _money(done),
            "currency": base.currency, **echo}
    if base.token_id:
        body["registrationId"] = base.token_id
    view = envelope(code, _describe(code), ctx.ndc(), ctx.now, **body)
    tenant = ctx.writable()
    status = {"CP": payments.CAPTURED, "RF": payments.REFUNDED, "RV": payments.CANCELLED}[kind]
    tenant.payments[new_id] = Payment(id=new_id, amount=done, currency=base.currency, status=status,
                                      created_at=ctx.now, token_id=base.token_id,
                                      meta={"paymentType": kind, "referencedId": base.id, "view": view})
    return view


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


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _describe(code: str) -> str:
    from ...core.opp.results import describe

    return describe(code)


def locate_pending(store, tx_id: str):
    """(tenant, payment) for a payment waiting for 3-D Secure; the shopper's browser carries
    only the transaction id, as with a real ACS redirect."""
    for tenant in store.tenants.values():
        if tenant.api == "opp":
            payment = tenant.payments.get(tx_id)
            if payment is not None and payment.meta.get("pending"):
                return tenant, payment
    return None, None


def complete_challenge(core, tenant_id: str, tx_id: str, passed: bool) -> tuple[dict, dict]:
    """Finish a pending 3-D Secure payment: success (token created if asked) or 100.390.114.

    Returns the final view and the pending context (checkout id, shopperResultUrl)."""
    store = core.store
    tenant = store.write(tenant_id)
    payment = tenant.payments[tx_id]
    pending = payment.meta.pop("pending")
    now = store.now(tenant_id)
    view = dict(payment.meta["view"])
    view.pop("redirect", None)
    if passed:
        code = success_code(core.mode, payment.meta.get("testMode"))
        settle(payment, payment.meta["paymentType"])
        view["threeDSecure"] = {"eci": "05", "version": "2.2.0", "authenticationStatus": "Y"}
        if pending.get("createRegistration") and pending.get("card"):
            reg_id = store.ids.opp_id()
            token = registrations.new_registration(reg_id, pending["card"], now, pending["tokenMeta"])
            registrations.add(tenant.tokens, token)
            view["registrationId"] = reg_id
        elif payment.token_id and tenant.tokens.get(payment.token_id):
            registrations.record_use(tenant.tokens.get(payment.token_id), now)
    else:
        code = "100.390.114"
        payment.status = payments.REFUSED
        view["threeDSecure"] = {"authenticationStatus": "N"}
    view["result"] = {"code": code, "description": _describe(code)}
    payment.meta["view"] = view
    return view, pending
