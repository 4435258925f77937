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
