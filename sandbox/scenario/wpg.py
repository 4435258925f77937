"""paymentService token and order fixture builders."""

from __future__ import annotations

from collections.abc import Callable

from ..core.tokens import Token
from .common import COMMON_TOKEN, Ctx, Fields, _address, _common, _expiry, _pan

# -- paymentService XML tokens (wpg.md §3) -------------------------------------------------------
WPG_TOKEN = COMMON_TOKEN | {"paymentTokenID", "authenticatedShopperID", "tokenScope", "tokenEventReference",
                            "tokenReason", "paymentTokenExpiry", "cardDetails"}
WPG_CARD = {"cardNumber", "expiryDate", "cardHolderName", "cardAddress"}


def wpg_token(f: Fields, ctx: Ctx, seq: Callable[[], int]) -> Token:
    from ..core.wpg import tokens as wpg_tokens

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
    token_id = f.text("paymentTokenID") or ctx.ids.wpg_token_id(pan, ctx.options["wpg.token_id_format"])
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




def wpg_card(f: Fields, ctx: Ctx, token: dict | None) -> dict:
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
