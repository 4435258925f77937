"""Registrations and payments (opp.md E1-E3): request parsing, the core calls, the JSON bodies.

Shared by the server-to-server routes (routes.py) and the checkouts (checkouts.py), so a widget
payment and a REST payment answer the same way. Order in every operation: parse and validate
everything, decide the outcome, and only then write (a rejected request never changes the store).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...core import payments
from ...core.clock import end_of_month
from ...core.opp import registrations
from ...core.opp.outcomes import Outcome, card_error, decide, opp_brand
from ...core.opp.results import SUCCESS, success_code
from ...core.payments import Payment
from ...core.tokens import Token
from .context import Ctx
from .errors import OppFailure, envelope
from .parse import (
    PAYMENT_TYPES,
    TOKEN_PAYMENT_TYPES,
    URL,
    Params,
    custom_parameters,
    echoed,
    flag,
    groups,
    standing_instruction,
)
from .parse import amount as parse_amount
from .parse import brand as parse_brand
from .parse import card as parse_card
from .parse import currency as parse_currency


@dataclass(slots=True)
class TxRequest:
    """A validated registration or payment request."""

    payment_type: str | None = None
    amount: str | None = None
    minor: int = 0
    currency: str | None = None
    brand: str | None = None
    card: dict | None = None
    create_registration: bool = False
    si: dict | None = None
    cit: bool = True
    custom: dict = field(default_factory=dict)
    test_mode: str | None = None
    echo: dict = field(default_factory=dict)  # merchantTransactionId, descriptor, customer{}, billing{}...
    shopper_result_url: str | None = None
    checkout_id: str | None = None


def test_mode_of(mode: str, p: Params) -> str | None:
    """`testMode` is INTERNAL or EXTERNAL, and only on the test system (opp.md §9): 100.300.101."""
    value = p.get("testMode")
    if value is not None and (mode == "live" or value not in ("INTERNAL", "EXTERNAL")):
        raise OppFailure("100.300.101")
    return value


def _common(p: Params, req: TxRequest) -> None:
    req.custom = custom_parameters(p)
    req.echo = {**echoed(p), **groups(p)}
    req.shopper_result_url = p.matching("shopperResultUrl", URL)
    req.si = standing_instruction(p)
    legacy = p.one_of("recurringType", ("INITIAL", "REPEATED"))
    req.cit = (req.si or {}).get("source", "CIT" if legacy != "REPEATED" else "MIT") == "CIT"


def parse_registration(ctx: Ctx, p: Params) -> TxRequest:
    """E1: card data, no paymentType (seed: "excluding paymentType"); amount/currency ignored."""
    req = TxRequest(brand=parse_brand(p), card=parse_card(p, required=True))
    if p.get("paymentType") is not None:
        p.bad("paymentType", "must be empty for a standalone registration (use /v1/payments with createRegistration=true)")
    _common(p, req)
    _raise(p)
    req.test_mode = test_mode_of(ctx.core.mode, p)
    return req


def parse_payment(ctx: Ctx, p: Params, token_payment: bool) -> TxRequest:
    """E2 (`/v1/payments`, card required) and E3 (`/v1/registrations/{id}/payments`, stored card)."""
    types = TOKEN_PAYMENT_TYPES if token_payment else PAYMENT_TYPES
    req = TxRequest(payment_type=p.one_of("paymentType", types, required=True))
    req.amount, req.minor = parse_amount(p)
    req.currency = parse_currency(p)
    req.brand = parse_brand(p)
    if token_payment:
        req.card = {"cvv": p.get("card.cvv")}  # one-click CIT may send the CVV; nothing else is used
    else:
        req.card = parse_card(p, required=True)
        req.create_registration = flag(p, "createRegistration")
    _common(p, req)
    _raise(p)
    req.test_mode = test_mode_of(ctx.core.mode, p)
    return req


def _raise(p: Params) -> None:
    if p.errors:
        raise OppFailure("200.300.404", errors=p.errors)


def card_view(ctx: Ctx, pan: str, holder: str | None, month, year) -> dict:
    view = {"bin": pan[:6], "last4Digits": pan[-4:], "holder": holder,
            "expiryMonth": f"{int(month):02d}" if month else None, "expiryYear": str(year) if year else None}
    country = ctx.core.catalogue.profile(pan).country
    if country:
        view["binCountry"] = country
    return {k: v for k, v in view.items() if v is not None}


def token_card_view(ctx: Ctx, token: Token) -> dict:
    return card_view(ctx, token.pan, token.holder, token.expiry_month, token.expiry_year)


def _decline_status(ctx: Ctx) -> int:
    # The vendor's HTTP status for declines is unconfirmed (opp.md §7): 400 by default, switchable.
    return ctx.core.options["opp.decline_status"]


def _card_check(ctx: Ctx, req: TxRequest, brand: str | None, require_cvv: bool) -> None:
    code = card_error(req.card, brand, ctx.now, require_cvv)
    if code:
        card = req.card
        view = card_view(ctx, card["number"], card.get("holder"), card.get("expiryMonth"),
                         card.get("expiryYear")) if card.get("number") else None
        raise OppFailure(code, id=ctx.new_id(), **({"paymentBrand": brand} if brand else {}),
                         **({"card": view} if view else {}))


# -- E1 standalone registration ----------------------------------------------------------------
def register(ctx: Ctx, req: TxRequest) -> dict:
    card = req.card
    brand = req.brand or opp_brand(card.get("number") or "")
    _card_check(ctx, req, brand, ctx.core.options["opp.registration_requires_cvv"])
    _need_brand(brand)
    magic = ctx.core.catalogue.magic_for("opp", "cards", card["number"])
    outcome = decide(mode=ctx.core.mode, test_mode=req.test_mode, custom=req.custom, magic=magic,
                     stage="registration", cit=True)
    token_id = ctx.new_id()
    body = {"id": token_id, "paymentBrand": brand,
            "card": card_view(ctx, card["number"], card.get("holder"), card["expiryMonth"], card["expiryYear"]),
            **_extras(req)}
    if not SUCCESS.match(outcome.code):
        raise OppFailure(outcome.code, _decline_status(ctx), outcome.description, **body)
    token = registrations.new_registration(token_id, card, ctx.now, _token_meta(req, brand, None))
    registrations.add(ctx.writable().tokens, token)
    return envelope(outcome.code, outcome.description, ctx.ndc(), ctx.now, **body)


def _need_brand(brand: str | None) -> None:
    # No paymentBrand and a number outside every known BIN range: the brand cannot be derived.
    if brand is None:
        raise OppFailure("200.300.404", errors=[{"name": "paymentBrand", "value": None, "message": "may not be empty"}])


def _token_meta(req: TxRequest, brand: str, initial: str | None) -> dict:
    meta = {"paymentBrand": brand, "testMode": req.test_mode}
    for key in ("customer", "billing"):
        if key in req.echo:
            meta[key] = req.echo[key]
    if req.custom:
        meta["customParameters"] = req.custom
    if initial:
        meta["initialTransactionId"] = initial
    return meta


def _extras(req: TxRequest) -> dict:
    extras = dict(req.echo)
    if req.custom:
        extras["customParameters"] = dict(req.custom)
    if req.si:
        extras["standingInstruction"] = dict(req.si)
    return extras


def registration_view(ctx: Ctx, token: Token) -> dict:
    """E4: the stored registration, shaped like the E1 answer."""
    body = {"id": token.id, "paymentBrand": token.meta.get("paymentBrand"), "card": token_card_view(ctx, token)}
    for key in ("customer", "billing", "customParameters"):
        if token.meta.get(key):
            body[key] = token.meta[key]
    code = success_code(ctx.core.mode, token.meta.get("testMode"))
    return envelope(code, _describe(code), ctx.ndc(), ctx.now, **body)


def _describe(code: str) -> str:
    from ...core.opp.results import describe

    return describe(code)


# -- E2 / E3 payments ---------------------------------------------------------------------------
def pay(ctx: Ctx, req: TxRequest, token: Token | None, base_url: str) -> dict:
    """A PA/DB payment with a new card (optionally tokenised) or with a stored registration."""
    if token is not None:
        brand = token.meta.get("paymentBrand") or opp_brand(token.pan)
        cvv = req.card.get("cvv") if req.card else None
        if cvv is not None and (not cvv.isdigit() or len(cvv) != (4 if brand == "AMEX" else 3)):
            raise OppFailure("100.100.601", id=ctx.new_id())
        if token.expiry_year and end_of_month(token.expiry_year, token.expiry_month) < ctx.now:
            raise OppFailure("100.100.303", id=ctx.new_id(), card=token_card_view(ctx, token))
        pan, card = token.pan, token_card_view(ctx, token)
    else:
        brand = req.brand or opp_brand(req.card.get("number") or "")
        _card_check(ctx, req, brand, True)
        _need_brand(brand)
        c = req.card
        pan, card = c["number"], card_view(ctx, c["number"], c.get("holder"), c["expiryMonth"], c["expiryYear"])
    tx_id = ctx.new_id()
    body = {"id": tx_id, "paymentType": req.payment_type, "paymentBrand": brand, "amount": req.amount,
            "currency": req.currency, "descriptor": req.echo.get("descriptor") or _descriptor(ctx),
            **_extras(req), "card": card, "risk": {"score": "100"}}
    if req.minor == 0 and req.payment_type != "PA":
        # Zero-amount account verification is a PA (opp.md E2); a zero debit is refused.
        raise OppFailure("100.550.300", **body)
    if token is not None:
        body["registrationId"] = token.id
    if req.si is not None and not req.cit and "initialTransactionId" not in req.si:
        initial = token.meta.get("initialTransactionId") if token is not None else None
        if initial:  # chain the MIT to the CIT that set up the agreement
            body["standingInstruction"]["initialTransactionId"] = initial
    if req.cit:
        body["resultDetails"] = {"CardholderInitiatedTransactionID": tx_id}
    magic = ctx.core.catalogue.magic_for("opp", "cards", pan)
    outcome = decide(mode=ctx.core.mode, test_mode=req.test_mode, custom=req.custom, magic=magic,
                     stage="payment", cit=req.cit)
    if outcome.status == "rejected":
        raise OppFailure(outcome.code, _decline_status(ctx), outcome.description, **body)
    _three_ds(body, outcome, tx_id, base_url)
    tenant = ctx.writable()
    payment = Payment(id=tx_id, amount=req.minor, currency=req.currency, status=payments.PENDING,
                      created_at=ctx.now, token_id=token.id if token else None,
                      meta={"paymentType": req.payment_type, "testMode": req.test_mode})
    if outcome.status == "pending":
        payment.meta["pending"] = {
            "createRegistration": req.create_registration and token is None,
            "card": None if token is not None else {k: req.card.get(k) for k in ("number", "holder", "expiryMonth", "expiryYear")},
            "brand": brand, "checkoutId": req.checkout_id, "shopperResultUrl": req.shopper_result_url,
            "tokenMeta": _token_meta(req, brand, tx_id if req.cit else None),
        }
    else:
        settle(payment, req.payment_type)
        if token is not None:
            registrations.record_use(token, ctx.now)
            if req.cit and req.si and not token.meta.get("initialTransactionId"):
                token.meta["initialTransactionId"] = tx_id
        elif req.create_registration and SUCCESS.match(outcome.code):
            # Only a payment the documented regex calls successful tokenises ("review" codes do not).
            reg_id = ctx.new_id()
            new = registrations.new_registration(reg_id, req.card, ctx.now,
                                                 _token_meta(req, brand, tx_id if req.cit else None))
            registrations.add(tenant.tokens, new)
            body["registrationId"] = reg_id
    view = envelope(outcome.code, outcome.description, ctx.ndc(), ctx.now, **body)
    payment.meta["view"] = view
    tenant.payments[tx_id] = payment
    return view


def settle(payment: Payment, payment_type: str) -> None:
    """A successful PA is authorised; DB, PA.CP and CD move the money at once."""
    if payment_type == "PA":
        payment.status = payments.AUTHORISED
    else:
        payment.status = payments.CAPTURED
        payment.captured = payment.amount


def _three_ds(body: dict, outcome: Outcome, tx_id: str, base_url: str) -> None:
    if outcome.three_ds is None:
        return
    if outcome.status == "pending":
        # The shopper must pass a challenge: our own stand-in ACS page completes it (routes.py).
        body["redirect"] = {"url": f"{base_url}/v1/threeDSecure/{tx_id}", "method": "GET", "parameters": []}
        body["threeDSecure"] = {"challengeIndicator": "04"}
    else:
        body["threeDSecure"] = {"eci": outcome.three_ds["eci"], "version": "2.2.0", "authenticationStatus": "Y"}


def _descriptor(ctx: Ctx) -> str:
    d = ctx.core.store.ids.digits(12)
    return f"{d[:4]}.{d[4:8]}.{d[8:]} Token_Sandbox"
