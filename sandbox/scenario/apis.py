"""Tokens and payments written in each API's own terms, turned into the core's Token / Payment.

Each API keeps some attributes in `Token.meta` / `Payment.meta`; the keys used here are the ones
the adapters read (core/access_tokens.py, core/registrations.py, core/wpg_tokens.py,
core/orders.py), so a seeded token renders through the real API exactly like a created one.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from ..core.cards import luhn_ok
from ..core.clock import add_months
from ..core.ids import Ids
from ..core.payments import AUTHORISED, CANCELLED, CAPTURED, ERROR, PENDING, REFUNDED, REFUSED, Payment
from ..core.tokens import DAY, Token
from .fake import Filler
from .fields import Fields

COMMON_TOKEN = {"createdAt", "lastUsedAt", "updates", "meta", "count"}
ADDRESS = {"address1", "address2", "address3", "postalCode", "city", "state", "countryCode",
           "street1", "street2", "houseNumber1", "postcode", "country"}
STATUSES = (AUTHORISED, CAPTURED, REFUNDED, CANCELLED, REFUSED, ERROR, PENDING)


class Ctx:
    """What every builder needs: the fixture's now, the filler, ids and the mode."""

    def __init__(self, now: float, fill: Filler, ids: Ids, mode: str, option: Callable,
                 profile: Callable | None = None) -> None:
        self.now, self.fill, self.ids, self.mode, self.option = now, fill, ids, mode, option
        self.profile = profile  # catalogue.profile(pan): brand, funding, country, masked


def _pan(f: Fields, key: str, ctx: Ctx) -> str:
    pan = f.text(key)
    if pan is None:
        return ctx.fill.pan()
    pan = pan.replace(" ", "")
    if not pan.isdigit() or not 12 <= len(pan) <= 19:
        raise f.err(key, "expected a card number of 12 to 19 digits")
    if not luhn_ok(pan):
        raise f.err(key, "card number fails the Luhn check")
    return pan


def _expiry(f: Fields | None, ctx: Ctx, month_key: str = "month", year_key: str = "year") -> tuple[int, int]:
    if f is None:
        return ctx.fill.expiry(ctx.now)
    month, year = f.integer(month_key, lo=1, hi=12), f.integer(year_key, lo=2000, hi=2099)
    if month is None or year is None:
        fm, fy = ctx.fill.expiry(ctx.now)
        month, year = month or fm, year or fy
    return month, year


def _address(f: Fields | None, ctx: Ctx, key: str) -> dict | None:
    value = f.sub(key, ADDRESS) if f else None
    if value is None:
        return None
    return {k: str(v) for k, v in value.d.items() if v is not None}


def _common(token: Token, f: Fields, ctx: Ctx) -> Token:
    token.created_at = f.time("createdAt", ctx.now, ctx.now)
    token.last_used_at = f.time("lastUsedAt", ctx.now, token.created_at)
    times = []
    for i, _ in enumerate(f.items("updates")):
        times.append(Fields(f.loc, f.path, {"t": f.d["updates"][i]}).time("t", ctx.now))
    token.updates = sorted(times)
    extra = f.mapping("meta")
    if extra:
        token.meta.update(extra)
    return token


# -- Access Tokens v3 (access.md §3.2) ------------------------------------------------------------
ACCESS_TOKEN = COMMON_TOKEN | {"tokenId", "namespace", "description", "tokenExpiryDateTime",
                               "schemeTransactionReference", "paymentInstrument"}
ACCESS_CARD = {"type", "cardNumber", "cardHolderName", "cardExpiryDate", "billingAddress"}


def access_token(f: Fields, ctx: Ctx) -> Token:
    card = f.sub("paymentInstrument", ACCESS_CARD) or Fields(f.loc, f.path + ("paymentInstrument",), {})
    token_id = f.text("tokenId") or ctx.ids.access_token_id()
    if not (token_id.isdigit() and 15 <= len(token_id) <= 21):
        raise f.err("tokenId", "expected 15 to 21 digits (the vendor's tokenId format)")
    month, year = _expiry(card.sub("cardExpiryDate", {"month", "year"}), ctx)
    meta = {"description": f.text("description", "Token Description", max_len=255)}
    if f.has("schemeTransactionReference"):
        meta["schemeTransactionReference"] = f.text("schemeTransactionReference")
    token = _common(Token(
        id=token_id, owner=f.text("namespace", max_len=255), pan=_pan(card, "cardNumber", ctx),
        expiry_month=month, expiry_year=year, holder=card.text("cardHolderName") or ctx.fill.holder(),
        address=_address(card, ctx, "billingAddress"), created_at=ctx.now, expires_at=None,
        last_used_at=ctx.now, meta=meta), f, ctx)
    lifetime = (add_months(token.created_at, 48) - token.created_at if ctx.mode == "live"
                else ctx.option("access.try_lifetime_days", 7) * DAY)
    token.expires_at = f.time("tokenExpiryDateTime", ctx.now, token.created_at + lifetime)
    return token


# -- OPP registrations (opp.md §5, §10) ----------------------------------------------------------
OPP_TOKEN = COMMON_TOKEN | {"id", "paymentBrand", "card", "billing", "customer", "deregistered", "extended"}
OPP_CARD = {"number", "holder", "expiryMonth", "expiryYear"}


def opp_registration(f: Fields, ctx: Ctx) -> Token:
    from ..core import registrations

    card = f.sub("card", OPP_CARD) or Fields(f.loc, f.path + ("card",), {})
    reg_id = (f.text("id") or ctx.ids.opp_id()).lower()
    if not registrations.REGISTRATION_ID.match(reg_id):
        raise f.err("id", "expected 32 hexadecimal characters (the vendor's registration id)")
    month, year = _expiry(card, ctx, "expiryMonth", "expiryYear")
    meta: dict = {}
    if f.has("paymentBrand"):
        meta["paymentBrand"] = f.text("paymentBrand")
    billing = _address(f, ctx, "billing")
    if billing:
        meta["billing"] = billing
    customer = f.mapping("customer")
    if customer:
        meta["customer"] = {k: str(v) for k, v in customer.items()}
    token = _common(Token(
        id=reg_id, owner=None, pan=_pan(card, "number", ctx), expiry_month=month, expiry_year=year,
        holder=card.text("holder") or ctx.fill.holder(), address=billing, created_at=ctx.now,
        expires_at=None, last_used_at=ctx.now, meta=meta), f, ctx)
    if f.boolean("extended"):
        token.meta["extended"] = True
        token.meta["extendedAt"] = token.last_used_at
    token.expires_at = registrations.lapse_at(token)
    if f.boolean("deregistered"):
        registrations.deregister(token, token.last_used_at)
    return token


# -- paymentService XML tokens (wpg.md §3) -------------------------------------------------------
WPG_TOKEN = COMMON_TOKEN | {"paymentTokenID", "authenticatedShopperID", "tokenScope", "tokenEventReference",
                            "tokenReason", "paymentTokenExpiry", "cardDetails"}
WPG_CARD = {"cardNumber", "expiryDate", "cardHolderName", "cardAddress"}


def wpg_token(f: Fields, ctx: Ctx, seq: Callable[[], int]) -> Token:
    from ..core import wpg_tokens

    card = f.sub("cardDetails", WPG_CARD) or Fields(f.loc, f.path + ("cardDetails",), {})
    scope = f.text("tokenScope", "shopper")
    if scope not in ("shopper", "merchant"):
        raise f.err("tokenScope", "expected shopper or merchant")
    shopper = f.text("authenticatedShopperID", max_len=64)
    if scope == "merchant" and shopper:
        raise f.err("authenticatedShopperID", "a merchant token has no shopper (wpg.md §3.1)")
    if scope == "shopper":
        shopper = shopper or ctx.fill.shopper()
        if shopper.startswith("_") or any(c.isspace() for c in shopper):
            raise f.err("authenticatedShopperID", "must not start with '_' or hold spaces (wpg.md §3.3)")
    pan = _pan(card, "cardNumber", ctx)
    token_id = f.text("paymentTokenID") or ctx.ids.wpg_token_id(pan, ctx.option("wpg.token_format", "format-preserving"))
    month, year = _expiry(card.sub("expiryDate", {"month", "year"}), ctx)
    created = f.time("createdAt", ctx.now, ctx.now)
    meta = {"scope": scope, "eventReference": f.text("tokenEventReference", max_len=64),
            "reason": (f.text("tokenReason") or f"Created token without payment on {wpg_tokens.day(created)}")
            [:wpg_tokens.REASON_MAX], "seq": seq()}
    token = _common(Token(
        id=token_id, owner=shopper if scope == "shopper" else None, pan=pan, expiry_month=month,
        expiry_year=year, holder=card.text("cardHolderName") or ctx.fill.holder(),
        address=_address(card, ctx, "cardAddress"), created_at=created, expires_at=None,
        last_used_at=created, meta=meta), f, ctx)
    lifetime = wpg_tokens.LIFETIME.get(ctx.mode, wpg_tokens.LIFETIME["try"])
    token.expires_at = f.time("paymentTokenExpiry", ctx.now, token.created_at + lifetime)
    return token


# -- payments (OPP payments, paymentService orders) ----------------------------------------------
PAYMENT = {"id", "orderCode", "amount", "currency", "currencyCode", "exponent", "status", "lastEvent",
           "paymentType", "registrationId", "paymentTokenID", "captured", "refunded", "createdAt", "meta",
           "cardNumber", "cardHolderName"}
OPP_TYPES = {"PA": AUTHORISED, "DB": CAPTURED}


def payment(f: Fields, ctx: Ctx, api: str, tokens: dict[str, dict]) -> Payment:
    key = "orderCode" if api == "wpg" else "id"
    other = "id" if api == "wpg" else "orderCode"
    if f.has(other):
        raise f.err(other, f"a {api} payment is named by {key!r}")
    pid = f.text(key) or (ctx.ids.opp_id() if api == "opp" else f"order-{ctx.fill.digits(10)}")
    exponent = f.integer("exponent", 2, lo=0, hi=4)
    amount = _amount(f, exponent)
    currency = f.text("currency") or f.text("currencyCode") or "EUR"
    if len(currency) != 3 or not currency.isalpha():
        raise f.err("currency", "expected an ISO 4217 code like EUR")
    status = (f.text("status") or f.text("lastEvent") or OPP_TYPES.get(f.text("paymentType", "DB"), "")).upper()
    if status == "SENT_FOR_REFUND":
        status = REFUNDED
    if status not in STATUSES:
        raise f.err("status", f"expected one of {', '.join(STATUSES)} (or an OPP paymentType PA/DB)")
    captured = f.integer("captured", amount if status in (CAPTURED, REFUNDED) else 0, lo=0)
    refunded = f.integer("refunded", captured if status == REFUNDED else 0, lo=0)
    if captured > amount or refunded > captured:
        raise f.err("refunded" if refunded > captured else "captured",
                    "more than the amount (captured <= amount, refunded <= captured)")
    meta: dict = {"exponent": exponent} if api == "wpg" else {"paymentType": f.text("paymentType", "DB")}
    meta.update(f.mapping("meta") or {})
    if api == "wpg":
        meta = {**_wpg_card(f, ctx, tokens.get(f.text("paymentTokenID") or "")), **meta}
    if api == "opp" and "view" not in meta:
        meta["view"] = _opp_view(pid, amount, currency.upper(), meta["paymentType"], f, ctx)
    return Payment(
        id=pid, amount=amount, currency=currency.upper(), status=status,
        created_at=f.time("createdAt", ctx.now, ctx.now),
        token_id=f.text("registrationId" if api == "opp" else "paymentTokenID"),
        captured=captured, refunded=refunded, meta=meta,
    )


def _amount(f: Fields, exponent: int) -> int:
    """OPP writes "10.00" (major units); paymentService writes 1000 with an exponent (minor units)."""
    value = f.raw("amount")
    if value is None:
        raise f.err("amount", "is required")
    if isinstance(value, bool):
        raise f.err("amount", "expected an amount")
    if isinstance(value, int):
        return value
    try:
        minor = Decimal(str(value)) * (10 ** exponent)
    except InvalidOperation:
        raise f.err("amount", f"{value!r} is not an amount like 10.00 or 1000 (minor units)") from None
    if minor != minor.to_integral_value() or minor < 0:
        raise f.err("amount", f"{value!r} has more decimals than the currency exponent {exponent}")
    return int(minor)


def _opp_view(pid: str, amount: int, currency: str, ptype: str, f: Fields, ctx: Ctx) -> dict:
    """The stored OPP reply (`GET /v1/payments/{id}` answers it, like the adapter's own)."""
    from ..apis.opp.errors import envelope

    code, text = (("000.000.000", "Transaction succeeded") if ctx.mode == "live" else
                  ("000.100.110", "Request successfully processed in 'Merchant in Integrator Test Mode'"))
    body = {"id": pid, "paymentType": ptype, "amount": f"{amount / 100:.2f}", "currency": currency}
    if f.has("registrationId"):
        body["registrationId"] = f.text("registrationId")
    return envelope(code, text, ctx.fill.hex(32).upper() + ".uat01-vm-tx03", ctx.now, **body)


def _wpg_card(f: Fields, ctx: Ctx, token: dict | None) -> dict:
    """The card facts a paymentService order reply shows (keys of apis/wpg/orders.py)."""
    from ..apis.wpg.render import wpg_brand

    pan = token["pan"] if token else _pan(f, "cardNumber", ctx)
    profile = ctx.profile(pan)
    month, year = (token["expiryMonth"], token["expiryYear"]) if token else ctx.fill.expiry(ctx.now)
    return {"paymentMethod": wpg_brand(profile.brand) + "-SSL", "masked": profile.masked,
            "funding": profile.funding, "expiryMonth": month, "expiryYear": year,
            "holder": f.text("cardHolderName") or (token or {}).get("holder") or ctx.fill.holder(),
            "country": (profile.country or "N/A") if ctx.mode == "live" else "N/A",
            "shopper": (token or {}).get("owner")}
