"""Access Tokens v3 fixture builders."""

from __future__ import annotations

from ..core.clock import add_months
from ..core.tokens import DAY, Token
from .common import COMMON_TOKEN, Ctx, Fields, _address, _common, _expiry, _pan

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
                else ctx.options["access.try_lifetime_days"] * DAY)
    token.expires_at = f.time("tokenExpiryDateTime", ctx.now, token.created_at + lifetime)
    return token


