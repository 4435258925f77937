"""Fixture builders shared by the three APIs: card numbers, expiry, addresses, token times, payments.

Each API's builders are in `scenario/access.py`, `scenario/opp.py`, `scenario/wpg.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from ..core.cards import luhn_ok
from ..core.ids import Ids
from ..core.options import Options
from ..core.payments import AUTHORISED, CANCELLED, CAPTURED, ERROR, PENDING, REFUNDED, REFUSED, Payment
from ..core.tokens import Token
from .fake import Filler
from .fields import Fields

COMMON_TOKEN = {"createdAt", "lastUsedAt", "updates", "meta", "count"}
ADDRESS = {"address1", "address2", "address3", "postalCode", "city", "state", "countryCode",
           "street1", "street2", "houseNumber1", "postcode", "country"}
STATUSES = (AUTHORISED, CAPTURED, REFUNDED, CANCELLED, REFUSED, ERROR, PENDING)


class Ctx:
    """What every builder needs: the fixture's now, the filler, ids and the mode."""

    def __init__(self, now: float, fill: Filler, ids: Ids, mode: str, options: Options,
                 profile: Callable | None = None) -> None:
        self.now, self.fill, self.ids, self.mode, self.options = now, fill, ids, mode, options
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
        from .wpg import wpg_card

        meta = {**wpg_card(f, ctx, tokens.get(f.text("paymentTokenID") or "")), **meta}
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


