"""OPP registration and payment fixture builders."""

from __future__ import annotations

from ..core.tokens import Token
from .common import COMMON_TOKEN, Ctx, Fields, _address, _common, _expiry, _pan

# -- OPP registrations (opp.md §5, §10) ----------------------------------------------------------
OPP_TOKEN = COMMON_TOKEN | {"id", "paymentBrand", "card", "billing", "customer", "deregistered", "extended"}
OPP_CARD = {"number", "holder", "expiryMonth", "expiryYear"}


def opp_registration(f: Fields, ctx: Ctx) -> Token:
    from ..core.opp import registrations

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




def opp_view(pid: str, amount: int, currency: str, ptype: str, f: Fields, ctx: Ctx) -> dict:
    """The stored OPP reply (`GET /v1/payments/{id}` answers it, like the adapter's own)."""
    from ..apis.opp.errors import envelope

    code, text = (("000.000.000", "Transaction succeeded") if ctx.mode == "live" else
                  ("000.100.110", "Request successfully processed in 'Merchant in Integrator Test Mode'"))
    body = {"id": pid, "paymentType": ptype, "amount": f"{amount / 100:.2f}", "currency": currency}
    if f.has("registrationId"):
        body["registrationId"] = f.text("registrationId")
    return envelope(code, text, ctx.fill.hex(32).upper() + ".uat01-vm-tx03", ctx.now, **body)


