"""Orders: authorise with a card (optionally creating a token) or with TOKEN-SSL, modify, inquire
(wpg.md §4.2, §4.3, §4.9; seed 003 "Order Inquiries", "Order notifications")."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from ...core.errors import OwnerFull, TokenNotFound
from ...core.payments import AUTHORISED, Payment
from ...core.wpg import notifications, orders
from ...core.wpg import tokens as wpg_tokens
from . import parse, render
from .context import Ctx, Scoped
from .parse import Invalid, text
from .tokens import check_card, create_spec

TOKEN_GONE = "Token does not exist"


def submit(ctx: Ctx, op) -> str:
    code = op.get("orderCode")
    try:
        return _authorise(ctx, op, code)
    except Invalid as e:
        raise Scoped(code, e.code, e.text) from None
    except TokenNotFound:
        raise Scoped(code, 5, TOKEN_GONE) from None
    except OwnerFull as e:
        raise Scoped(code, 5, full_text(e)) from None
    except wpg_tokens.TokenRuleError as e:
        raise Scoped(code, e.code, e.text) from None


def full_text(e: OwnerFull) -> str:
    return f"The maximum number of tokens ({e.cap}) for this authenticatedShopperID has been reached"


def _authorise(ctx: Ctx, op, code: str) -> str:
    now = ctx.now()
    tenant = ctx.store.peek(ctx.tid)
    if tenant is not None and code in tenant.payments:
        raise Invalid(5, f"Duplicate Order: an order with orderCode {code} already exists")
    amount = parse.amount(op)
    details = op.find("paymentDetails")
    method = next(c for c in details if isinstance(c.tag, str))
    shopper = text(op, "shopper/authenticatedShopperID") or None
    create_token = op.find("createToken")
    used = None
    if method.tag == "TOKEN-SSL":
        if create_token is not None:
            raise Invalid(2, "createToken cannot be combined with TOKEN-SSL: the card is already tokenised")
        # tokenScope has no DTD default on TOKEN-SSL; every client sends it, shopper is the safe reading.
        scope = method.get("tokenScope") or "shopper"
        if scope == "shopper":
            parse.shopper_id(shopper, True, "shopper token payment")
        used = wpg_tokens.find(tenant, scope, shopper if scope == "shopper" else None,
                               text(method, "paymentTokenID"), now)
        override = parse.card(method.find("paymentInstrument/cardDetails"), pan_required=False)
        if override.pan is not None and override.pan != used.pan:
            raise Invalid(2, "The card number of a token cannot be overridden")
        # Overrides apply to this payment only (seed 003 "Unlike a manual override ...").
        pan = used.pan
        month, year = (override.expiry_month, override.expiry_year) if override.expiry_month else (
            used.expiry_month, used.expiry_year)
        holder = override.holder or used.holder
        card = None
    else:
        card = parse.card(method, pan_required=True)
        pan, month, year, holder = card.pan, card.expiry_month, card.expiry_year, card.holder
    profile = check_card(ctx, pan, month, year)
    spec = create_spec(ctx, create_token, shopper, card, code) if create_token is not None else None
    outcome = orders.outcome_for(ctx.core.catalogue, holder)

    # Everything is checked: from here on the request changes the store.
    created = event = None
    if spec is not None and outcome.last_event == AUTHORISED:
        # Tokens are created for authorised orders only (undocumented, wpg.md §4.2).
        created_outcome, created = wpg_tokens.create(ctx.store, ctx.tid, spec, mode=ctx.core.mode,
                                                     new_id=ctx.new_token_id)
        event = created_outcome.value
    tenant = ctx.store.write(ctx.tid)
    scheme = text(details, "storedCredentials/schemeTransactionIdentifier") or None
    if scheme is None and details.find("storedCredentials") is not None and outcome.last_event == AUTHORISED:
        scheme = ctx.store.ids.digits(15)  # the scheme's id for later merchant-initiated payments
    p = Payment(id=code, amount=amount.value, currency=amount.currency, status=outcome.last_event,
                created_at=now, token_id=used.id if used else None)
    p.meta.update({
        "exponent": amount.exponent,
        "paymentMethod": render.wpg_brand(profile.brand) + "-SSL",
        "masked": profile.masked,
        "funding": profile.funding,
        "expiryMonth": month,
        "expiryYear": year,
        "holder": holder,
        "country": ctx.country(profile),
        "isoCode": outcome.iso_code,
        "isoDescription": outcome.iso_description,
        "authorisationId": ctx.store.ids.digits(6) if outcome.last_event == AUTHORISED else None,
        "schemeId": scheme,
        "shopper": shopper,
    })
    if created is not None:
        p.meta["createdToken"] = {"id": created.id, "event": event, "reference": spec.event_reference,
                                  "reason": spec.reason}
    tenant.payments[code] = p
    if used is not None:
        wpg_tokens.mark_used(tenant, used, now)
    body = status_body(ctx, p, outcome.last_event)
    notify(ctx, p, outcome.last_event)
    return render.order_status(code, body)


def token_block(ctx: Ctx, p: Payment) -> str:
    """The token an order created, as at creation (seed 003: only orders that created one)."""
    made = p.meta.get("createdToken")
    if not made:
        return ""
    tenant = ctx.store.peek(ctx.tid)
    token = tenant.tokens.get(made["id"]) if tenant else None
    if token is None:
        return ""
    profile = ctx.profile(token.pan)
    return render.token(token, profile, country=ctx.country(profile), event=made["event"],
                        outer_reference=made.get("reference"), outer_reason=made.get("reason"),
                        scheme_id=p.meta.get("schemeId"))


def status_body(ctx: Ctx, p: Payment, last_event: str) -> str:
    return render.payment(p, last_event) + token_block(ctx, p)


def inquiry(ctx: Ctx, op) -> str:
    code = op.get("orderCode")
    tenant = ctx.store.peek(ctx.tid)
    p = tenant.payments.get(code) if tenant else None
    if p is None:
        return render.order_error(code, 5, orders.NOT_FOUND)
    return render.order_status(code, status_body(ctx, p, orders.last_event(p)))


def modify(ctx: Ctx, op) -> str:
    code = op.get("orderCode")
    action = next(c for c in op if isinstance(c.tag, str))
    tenant = ctx.store.peek(ctx.tid)
    p = tenant.payments.get(code) if tenant else None
    value = parse.amount(action).value if action.find("amount") is not None else None
    if p is not None and value is not None:
        a = action.find("amount")
        if a.get("currencyCode") != p.currency:
            raise Invalid(5, f"Currency {a.get('currencyCode')} does not match the order currency {p.currency}")
    done = orders.modify(p, action.tag, value, ctx.now())
    ctx.store.write(ctx.tid)  # the payment changed: mark the tenant
    last = orders.last_event(p)
    notify(ctx, p, last)
    exp = int(p.meta.get("exponent", 2))
    if action.tag == "cancel":
        return render.ok(f"<cancelReceived orderCode={quoteattr(code)}/>")
    tag = "captureReceived" if action.tag == "capture" else "refundReceived"
    return render.ok(f"<{tag} orderCode={quoteattr(code)}>{render.amount(done, p.currency, exp)}</{tag}>")


def notify(ctx: Ctx, p: Payment, last_event: str) -> None:
    """Queue `orderStatusEvent` when the merchant subscribed to this event (wpg.md §6)."""
    tenant = ctx.store.peek(ctx.tid)
    config = notifications.config_of(tenant)
    if not config or last_event not in config["events"]:
        return
    now = ctx.now()
    body = render.notification(ctx.merchant, p.id, render.payment(p, last_event), token_block(ctx, p),
                               last_event, p, now)
    if notifications.enqueue(tenant, order_code=p.id, event=last_event, body=body, now=now) and ctx.notifier:
        ctx.notifier.wake(ctx.tid)
