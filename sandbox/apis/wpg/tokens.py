"""Token operations: paymentTokenCreate, paymentTokenInquiry (+ detokenisation, Account Updater),
shopperTokenRetrieval, paymentTokenUpdate, paymentTokenDelete (seed 003, wpg.md §4.1, §4.4-4.8)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from ...core.wpg import account_updater
from ...core.wpg import tokens as wpg_tokens
from ...core.wpg.detokenise import encrypt_pan
from . import parse, render
from .context import Ctx
from .parse import Invalid, text

NO_KEY = ("Detokenisation is not enabled for this merchant: no RSA public key is registered "
          "(PUT /_sandbox/tenants/{tenant}/keys)")


_MONTHS: dict[float, tuple[int, int]] = {}


def year_month(ts: float) -> tuple[int, int]:
    key = ts // 86400  # cached per UTC day: every card check asks for the current month
    hit = _MONTHS.get(key)
    if hit is None:
        from datetime import UTC, datetime

        d = datetime.fromtimestamp(ts, UTC)
        hit = (d.year, d.month)
        if len(_MONTHS) >= 64:
            _MONTHS.clear()
        _MONTHS[key] = hit
    return hit


def scheme_id(el) -> str | None:
    return text(el, "storedCredentials/schemeTransactionIdentifier") or None


def create_spec(ctx: Ctx, create_token, shopper: str | None, card: wpg_tokens.Card,
                order_code: str | None) -> wpg_tokens.CreateRequest:
    """Validate createToken and its shopper; shared by paymentTokenCreate and order."""
    scope = create_token.get("tokenScope", "shopper") if create_token is not None else "shopper"
    what = "create token request"
    shopper = parse.shopper_id(shopper, scope == "shopper", what) if scope == "shopper" else None
    reference = parse.event_reference(text(create_token, "tokenEventReference"))
    reason = text(create_token, "tokenReason") or None
    return wpg_tokens.CreateRequest(scope, shopper, card, reference, reason[:wpg_tokens.REASON_MAX] if reason else None,
                                    parse.token_expiry(create_token), order_code)


def check_card(ctx: Ctx, pan: str, month: int | None, year: int | None):
    profile = ctx.profile(pan)
    parse.check_card(pan, profile.brand, month, year, year_month(ctx.now()))
    return profile


def create(ctx: Ctx, op) -> str:
    details = op.find("paymentInstrument/cardDetails")
    card = parse.card(details, pan_required=True)
    if details.find("cvc") is not None and ctx.core.options["wpg.reject_cvc_on_create"]:
        raise Invalid(2, "cvc data cannot be stored")  # DOC-TOKERR; secure-test accepts it (wpg.md §3.3)
    spec = create_spec(ctx, op.find("createToken"), text(op, "authenticatedShopperID"), card, None)
    profile = check_card(ctx, card.pan, card.expiry_month, card.expiry_year)
    outcome, token = wpg_tokens.create(ctx.store, ctx.tid, spec, mode=ctx.core.mode, new_id=ctx.new_token_id)
    return render.token(token, profile, country=ctx.country(profile), event=outcome.value,
                        outer_reference=spec.event_reference, outer_reason=spec.reason, scheme_id=scheme_id(op))


def _scope_and_shopper(op, what: str) -> tuple[str, str | None]:
    scope = op.get("tokenScope", "shopper")
    if scope == "merchant":
        return scope, None  # "don't send for merchant tokens" (seed 003): ignored when sent
    return scope, parse.shopper_id(text(op, "authenticatedShopperID"), True, what)


def inquiry(ctx: Ctx, op) -> str:
    scope, shopper = _scope_and_shopper(op, "token inquiry")
    now = ctx.now()
    tenant = ctx.store.peek(ctx.tid)
    token = wpg_tokens.find(tenant, scope, shopper, text(op, "paymentTokenID"), now)
    key = None
    if op.get("detokenisation") == "true":
        key = tenant.state.key if tenant else None
        if not key:
            raise Invalid(4, NO_KEY)
    au = account_updater.pending(ctx.core.catalogue, token)
    if au is not None:
        fresh = scope == "merchant" or ctx.id_format == "format-preserving"
        update = account_updater.apply(ctx.store, ctx.tid, token, au, new_id=ctx.new_token_id, fresh_id=fresh)
        if update.refusal:
            return render.token_error(token, 7, update.refusal)
        token = update.token
    if op.get("markUsed") == "true":
        # Undocumented (wpg.md §9.2); read as "count this inquiry as a use" for retrieval order.
        wpg_tokens.mark_used(ctx.store.write(ctx.tid), token, now)
    profile = ctx.profile(token.pan)
    encrypted = encrypt_pan(key, token.pan) if key else None
    return render.token(token, profile, country=ctx.country(profile), encrypted_pan=encrypted)


def retrieval(ctx: Ctx, op) -> str:
    # Unknown or invalid shopper ids get a blank reply, not an error (seed 003).
    shopper = text(op, "authenticatedShopperID") or ""
    tokens = wpg_tokens.shopper_tokens(ctx.store.peek(ctx.tid), shopper, ctx.now())
    out = []
    for t in tokens:
        profile = ctx.profile(t.pan)
        out.append(render.token(t, profile, country=ctx.country(profile)))
    return "".join(out)


def update(ctx: Ctx, op) -> str:
    scope, shopper = _scope_and_shopper(op, "token update")
    details = op.find("paymentInstrument/cardDetails")
    if details.find("cvc") is not None:
        raise Invalid(2, "cvc data cannot be stored")  # DOC-TOKERR (wpg.md §4.6)
    card = parse.card(details, pan_required=False)
    parse.event_reference(text(op, "tokenEventReference"))
    token_id = text(op, "paymentTokenID")
    wpg_tokens.update(ctx.store, ctx.tid, scope, shopper, token_id, card)
    return render.ok(f"<updateTokenReceived paymentTokenID={quoteattr(token_id)}/>")


def delete(ctx: Ctx, op) -> str:
    scope, shopper = _scope_and_shopper(op, "token delete")
    parse.event_reference(text(op, "tokenEventReference"))
    token_id = text(op, "paymentTokenID")
    wpg_tokens.delete(ctx.store, ctx.tid, scope, shopper, token_id)
    return render.ok(f"<deleteTokenReceived paymentTokenID={quoteattr(token_id)}/>")
