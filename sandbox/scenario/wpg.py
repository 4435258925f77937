"""paymentService token and order fixture builders."""

from __future__ import annotations

from collections.abc import Callable

from ..core.tokens import Token
from .common import COMMON_TOKEN, Ctx, Fields, _address, _common, _expiry, _pan

# -- paymentService XML tokens (wpg.md §3) -------------------------------------------------------
WPG_TOKEN = COMMON_TOKEN | {"paymentTokenID", "authenticatedShopperID", "tokenScope", "tokenEventReference",
                            "tokenReason", "paymentTokenExpiry", "cardDetails", "accountUpdater"}
WPG_CARD = {"cardNumber", "expiryDate", "cardHolderName", "cardAddress"}


def wpg_token(f: Fields, ctx: Ctx, seq: Callable[[], int]) -> Token:
    """A seeded token, built by the same core function as paymentTokenCreate (core/wpg/tokens.py)."""
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
    lifetime = wpg_tokens.LIFETIME.get(ctx.mode, wpg_tokens.LIFETIME["try"])
    req = wpg_tokens.CreateRequest(
        scope, shopper if scope == "shopper" else None,
        wpg_tokens.Card(pan, month, year, card.text("cardHolderName") or ctx.fill.holder(),
                        _address(card, ctx, "cardAddress")),
        f.text("tokenEventReference", max_len=64), f.text("tokenReason"),
        f.time("paymentTokenExpiry", ctx.now, created + lifetime), None)
    token = wpg_tokens.build_token(token_id, req, now=created, mode=ctx.mode, seq=seq())
    if f.has("accountUpdater"):  # what the next inquiry reports (core/wpg/account_updater.py)
        from ..core.wpg.account_updater import check_instruction

        try:
            token.meta["accountUpdater"] = check_instruction(f.raw("accountUpdater"))
        except ValueError as e:
            raise f.err("accountUpdater", str(e)) from None
    return _common(token, f, ctx)


def wpg_card(f: Fields, ctx: Ctx, token: dict | None) -> dict:
    """The card facts a paymentService order reply shows: core/wpg/orders.card_facts, as the API."""
    from ..core.wpg.cards import country
    from ..core.wpg.orders import card_facts

    pan = token["pan"] if token else _pan(f, "cardNumber", ctx)
    profile = ctx.profile(pan)
    month, year = (token["expiryMonth"], token["expiryYear"]) if token else ctx.fill.expiry(ctx.now)
    return card_facts(profile, month=month, year=year,
                      holder=f.text("cardHolderName") or (token or {}).get("holder") or ctx.fill.holder(),
                      country=country(profile, ctx.mode), shopper=(token or {}).get("owner"))
