"""Access Tokens v3 fixture builders: tokens built by the same core constructor as POST /tokens
(core/access/tokens.new_token) under the same policy (Policy.of the options in force), so a
seeded token and an API-created one hold the same fields (tests/access/test_access_fixture_parity.py)."""

from __future__ import annotations

from ..core.access.tokens import CardDetails, CreateRequest, Policy, new_token
from ..core.tokens import Token
from .common import COMMON_TOKEN, Ctx, Fields, _address, _common, _expiry, _pan

# -- Access Tokens v3 (access.md §3.2) ------------------------------------------------------------
ACCESS_TOKEN = COMMON_TOKEN | {"tokenId", "namespace", "description", "tokenExpiryDateTime",
                               "schemeTransactionReference", "paymentInstrument", "merchant"}
ACCESS_CARD = {"type", "cardNumber", "cardHolderName", "cardExpiryDate", "billingAddress"}


def access_token(f: Fields, ctx: Ctx) -> Token:
    card = f.sub("paymentInstrument", ACCESS_CARD) or Fields(f.loc, f.path + ("paymentInstrument",), {})
    token_id = f.text("tokenId") or ctx.ids.access_token_id()
    if not (token_id.isdigit() and 15 <= len(token_id) <= 21):
        raise f.err("tokenId", "expected 15 to 21 digits (the vendor's tokenId format)")
    month, year = _expiry(card.sub("cardExpiryDate", {"month", "year"}), ctx)
    merchant = f.sub("merchant", {"entity"})
    created = f.time("createdAt", ctx.now, ctx.now)
    req = CreateRequest(
        card=CardDetails(pan=_pan(card, "cardNumber", ctx), holder=card.text("cardHolderName") or ctx.fill.holder(),
                         month=month, year=year, address=_address(card, ctx, "billingAddress")),
        namespace=f.text("namespace", max_len=255),
        description=f.text("description", max_len=255),
        expires_at=f.time("tokenExpiryDateTime", ctx.now, None),
        scheme_reference=f.text("schemeTransactionReference"),
        entity=merchant.text("entity", max_len=255) if merchant else None,
    )
    return _common(new_token(token_id, req, created, Policy.of(ctx.options, ctx.mode)), f, ctx)


# -- network tokens (seed 002 "Network Token"): the lookup reply's own shape ---------------------
NETWORK_TOKEN = {"tokenReference", "tokenPaymentInstrument", "paymentInstrument", "cryptogram"}
_NETWORK_PI = {"type", "status", "tokenNumber", "expiryDate"}
_MASKED_CARD = {"type", "firstSix", "lastFour", "cardExpiryDate", "paymentAccountReference"}
_STATUSES = ("Active", "Pending", "Provision Processor Error")


def access_network_token(f: Fields, ctx: Ctx) -> dict:
    """A network-token record from the fields of a `GET /tokens/network/{ref}` reply, so the seed's
    sample (reference aa224320-..., token 4111111111111111) can be seeded as written and its
    lookup and cryptogram samples answer against the sandbox."""
    from ..core.access.network import seed_record

    ref = (f.text("tokenReference") or ctx.ids.uuid()).lower()
    tpi = f.sub("tokenPaymentInstrument", _NETWORK_PI) or Fields(f.loc, f.path + ("tokenPaymentInstrument",), {})
    card = f.sub("paymentInstrument", _MASKED_CARD) or Fields(f.loc, f.path + ("paymentInstrument",), {})
    status = tpi.text("status", "Active")
    if status not in _STATUSES:
        raise tpi.err("status", f"expected one of {', '.join(_STATUSES)}")
    number = tpi.text("tokenNumber")
    if number is not None and not (number.isdigit() and 12 <= len(number) <= 19):
        raise tpi.err("tokenNumber", "expected a token number of 12 to 19 digits")
    if number is None and status != "Provision Processor Error":
        number = ctx.fill.pan()
    first_six, last_four = card.text("firstSix") or (number or "400000")[:6], card.text("lastFour") or "0000"
    card_expiry = _expiry(card.sub("cardExpiryDate", {"month", "year"}), ctx)
    token_expiry = _expiry(tpi.sub("expiryDate", {"month", "year"}), ctx) if tpi.has("expiryDate") else None
    return seed_record(ref, first_six, last_four, card_expiry, number, token_expiry,
                       card.text("paymentAccountReference"), ctx.now, status, f.text("cryptogram"))


# -- payments (Payments API 2024-06-01) -------------------------------------------------------------
ACCESS_PAYMENT = {"paymentId", "transactionReference", "tokenId", "amount", "currency", "status", "captured",
                  "refunded", "schemeReference", "refusalCode", "createdAt", "merchant"}
_PAYMENT_STATUSES = ("AUTHORISED", "CAPTURED", "REFUNDED", "CANCELLED", "REFUSED")


def access_payment(f: Fields, ctx: Ctx, tokens: dict[str, dict]):
    """A payment made with a seeded token, built by the constructor `POST /api/payments` uses
    (core/access/payments.new_payment) and moved to its status by the shared state machine."""
    from ..core import payments as machine
    from ..core.access.payments import REFUSALS, AuthorizeRequest, new_payment, new_payment_id

    token_id = f.text("tokenId", required=True)
    if token_id not in tokens:
        raise f.err("tokenId", f"no token {token_id} is seeded for this tenant")
    token = Token.from_dict(tokens[token_id])
    amount = f.integer("amount", None, lo=0, hi=2**31 - 1)
    if amount is None:
        raise f.err("amount", "is required (minor units, e.g. 250 for 2.50)")
    currency = f.text("currency", "GBP")
    if len(currency) != 3 or not currency.isalpha():
        raise f.err("currency", "expected an ISO 4217 code like GBP")
    status = f.text("status", "AUTHORISED").upper()
    if status not in _PAYMENT_STATUSES:
        raise f.err("status", f"expected one of {', '.join(_PAYMENT_STATUSES)}")
    created = f.time("createdAt", ctx.now, ctx.now)
    merchant = f.sub("merchant", {"entity"})
    req = AuthorizeRequest(transaction_reference=f.text("transactionReference") or f"fixture-{ctx.fill.digits(12)}",
                           entity=(merchant.text("entity") if merchant else None) or "default", amount=amount,
                           currency=currency.upper(), narrative="fixture")
    refusal = None
    if status == "REFUSED":
        code = f.integer("refusalCode", 5, lo=0)
        refusal = (code, REFUSALS.get(code, "REFUSED"))
    scheme = f.text("schemeReference") or token.meta.get("schemeTransactionReference") or ctx.fill.digits(15)
    card = CardDetails(token.pan, token.holder, token.expiry_month, token.expiry_year, token.address)
    p = new_payment(f.text("paymentId") or new_payment_id(ctx.ids), req, card, token.id, scheme, refusal, created,
                    None if refusal else ctx.fill.digits(6))
    captured = f.integer("captured", amount if status in ("CAPTURED", "REFUNDED") else 0, lo=0)
    refunded = f.integer("refunded", captured if status == "REFUNDED" else 0, lo=0)
    try:
        if status == "CANCELLED":
            machine.cancel(p, created)
        elif captured:
            machine.capture(p, captured, created)
            if refunded:
                machine.refund(p, refunded, created)
    except machine.InvalidTransition as e:
        raise f.err("status", f"{status} with captured={captured}, refunded={refunded}: {e.reason}") from None
    return p
