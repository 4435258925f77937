"""`POST /jsp/merchant/xml/paymentService.jsp`: authenticate, parse, dispatch, reply (wpg.md §1).

Basic auth first (wrong credentials: the vendor's HTML 401), then the XML is parsed and
validated (code 2), then the `merchantCode` must belong to the credentials (code 4). Each
handler parses its operation into a typed request, calls ONE core function and renders; refusals
become `<error>` through the one table in errors.py. Every XML outcome is HTTP 200 with a
`machine` cookie, as the real service sets one.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from xml.sax.saxutils import quoteattr

from aiohttp import web

from ...core.payments import PENDING
from ...core.tenants import TenantId
from ...core.wpg import idempotency, lifecycle, orders, token_service
from ...web.body import read_body, set_context
from . import parse, render, reply_format, threeds_pages
from .context import Ctx
from .errors import (
    CONTENT_TYPE,
    REFUSALS,
    Scoped,
    error_element,
    error_reply,
    merchant_from_auth,
    refusal,
    reply_document,
)
from .notification_delivery import Notifier
from .parse import Invalid, operation, parse_document, text

PATH = "/jsp/merchant/xml/paymentService.jsp"

UNAUTHORIZED_HTML = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
    "<head><title>401: Requires Authentication</title></head>\n"
    "<body><h1>Requires Authentication</h1>\n<p>This request requires HTTP authentication.</p>\n"
    "<p>Status: 401</p></body>\n</html>\n"
)


# -- handlers: parse, one core call, render ----------------------------------------------------
def strict_reference(ctx: Ctx) -> bool:
    return ctx.option("wpg.strict_event_reference")


def token_create(ctx: Ctx, op) -> str:
    card, details = parse.token_card(op)
    if details.find("cvc") is not None and ctx.option("wpg.reject_cvc_on_create"):
        raise Invalid(2, "cvc data cannot be stored")  # DOC-TOKERR; secure-test accepts it (wpg.md §3.3)
    ct, shopper = parse.create_token(op.find("createToken"), text(op, "authenticatedShopperID"),
                                     strict_reference(ctx))
    outcome, token, profile = token_service.create_token(ctx, shopper, card, ct)
    return render.token(token, profile, country=ctx.country(profile), event=outcome.value,
                        outer_reference=ct.reference, outer_reason=ct.reason,
                        scheme_id=text(op, "storedCredentials/schemeTransactionIdentifier") or None)


def token_inquiry(ctx: Ctx, op) -> str:
    scope, shopper = parse.scope_and_shopper(op, "token inquiry")
    found = token_service.inquire(ctx, scope, shopper, text(op, "paymentTokenID"),
                                  detokenise=op.get("detokenisation") == "true", mark_used=op.get("markUsed") == "true",
                                  inline_key=parse.rsa_public_key(op))
    if found.refusal:
        return render.token_error(found.token, 7, found.refusal)
    profile = ctx.profile(found.token.pan)
    return render.token(found.token, profile, country=ctx.country(profile), encrypted_pan=found.encrypted_pan)


def token_retrieval(ctx: Ctx, op) -> str:
    # Unknown or invalid shopper ids get a blank reply, not an error (seed 003).
    out = []
    for t in token_service.shopper_tokens(ctx, text(op, "authenticatedShopperID") or ""):
        profile = ctx.profile(t.pan)
        out.append(render.token(t, profile, country=ctx.country(profile)))
    return "".join(out)


def token_update(ctx: Ctx, op) -> str:
    scope, shopper = parse.scope_and_shopper(op, "token update")
    card = parse.update_card(op)
    parse.event_reference(text(op, "tokenEventReference"), strict_reference(ctx))
    token_id = text(op, "paymentTokenID")
    token_service.update_token(ctx, scope, shopper, token_id, card)
    return render.ok(f"<updateTokenReceived paymentTokenID={quoteattr(token_id)}/>")


def token_delete(ctx: Ctx, op) -> str:
    scope, shopper = parse.scope_and_shopper(op, "token delete")
    parse.event_reference(text(op, "tokenEventReference"), strict_reference(ctx))
    token_id = text(op, "paymentTokenID")
    token_service.delete_token(ctx, scope, shopper, token_id)
    return render.ok(f"<deleteTokenReceived paymentTokenID={quoteattr(token_id)}/>")


def order(ctx: Ctx, op) -> str:
    code = parse.order_code(op)
    try:
        p = orders.submit(ctx, parse.order_request(op, strict_reference(ctx)))
    except REFUSALS as e:
        raise Scoped(code, *refusal(e)) from None
    if p.meta.get("payout"):
        # paymentDetails action="REFUND" (ActiveMerchant `credit`, payouts): ok/refundReceived (NOTES §1).
        return render.ok(f"<refundReceived orderCode={quoteattr(code)}>"
                         f"{render.amount(p.amount, p.currency, int(p.meta['exponent']))}</refundReceived>")
    if "threeDS" in p.meta and p.status == PENDING:
        return render.order_status(code, render.challenge(p.meta["threeDS"], ctx.base_url))
    return render.order_reply(ctx, p)


def order_inquiry(ctx: Ctx, op) -> str:
    code = parse.order_code(op)
    try:
        p = orders.find(ctx, code)
    except REFUSALS as e:
        return render.order_error(code, *refusal(e))
    return render.order_reply(ctx, p)


# Reply element per modification (wpg.md §4.3; cancelOrRefund answers voidReceived: ActiveMerchant).
RECEIVED = {"capture": "captureReceived", "refund": "refundReceived", "cancel": "cancelReceived",
            "cancelOrRefund": "voidReceived", "voidSale": "voidSaleReceived"}


def order_modification(ctx: Ctx, op) -> str:
    req = parse.modify_request(op)
    p, done = orders.modify(ctx, req)
    tag, code = RECEIVED[req.action], quoteattr(req.order_code)
    if done is None or req.action in ("cancelOrRefund", "voidSale"):
        return render.ok(f"<{tag} orderCode={code}/>")
    return render.ok(f"<{tag} orderCode={code}>{render.amount(done, p.currency, int(p.meta.get('exponent', 2)))}</{tag}>")


HANDLERS = {
    "paymentTokenCreate": token_create,
    "paymentTokenInquiry": token_inquiry,
    "shopperTokenRetrieval": token_retrieval,
    "paymentTokenUpdate": token_update,
    "paymentTokenDelete": token_delete,
    "order": order,
    "orderInquiry": order_inquiry,
    "orderModification": order_modification,
}


# -- transport ---------------------------------------------------------------------------------
# Decoded Basic credentials per Authorization value: a client sends the same header on every
# request. Short values only, cleared when full (bounded memory whatever clients send).
_CREDENTIALS: dict[str, tuple[str, str] | None] = {}


def basic_credentials(request: web.Request) -> tuple[str, str] | None:
    auth = request.headers.get("Authorization", "")
    try:
        return _CREDENTIALS[auth]
    except KeyError:
        pass
    creds = _decode_basic(auth)
    if len(auth) <= 512:
        if len(_CREDENTIALS) >= 256:
            _CREDENTIALS.clear()
        _CREDENTIALS[auth] = creds
    return creds


def _decode_basic(auth: str) -> tuple[str, str] | None:
    if auth[:6].lower() != "basic ":
        return None
    try:
        user, sep, pw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return (user, pw) if sep else None


def unauthorized() -> web.Response:
    # Captured real answer (wpg.md §1.2, ISS-MAG48).
    return web.Response(status=401, text=UNAUTHORIZED_HTML, content_type="text/html", charset="ISO-8859-1",
                        headers={"WWW-Authenticate": 'Basic realm="Bibit Merchant XML Login"'})


def not_emulated(ctx: Ctx, op) -> str:
    raise parse.NotEmulatedShape(f"the {op.tag} operation")


async def payment_service(request: web.Request) -> web.Response:
    core = request.app["core"]
    creds = basic_credentials(request)
    allowed = core.credentials.wpg(*creds) if creds else None
    if allowed is None:
        return unauthorized()
    key = request.headers.get("Idempotency-Key")
    mode = core.options["wpg.idempotency"] if key is not None else "ignore"
    inflight = request.app["wpg.inflight"]
    mark = (creds[0], key.lower()) if mode != "ignore" else None
    busy = mark in inflight
    if mark is not None and not busy:
        inflight.add(mark)  # held while the body is read and handled: a repeat meanwhile is "in progress"
    try:
        return await _payment_service(request, core, allowed, key if mode != "ignore" else None, mode, busy)
    finally:
        if mark is not None and not busy:
            inflight.discard(mark)


_TENANTS: dict[str, TenantId | None] = {}  # merchantCode -> tenant id: a few codes answer every request


def tenant_of(merchant: str) -> TenantId | None:
    try:
        return _TENANTS[merchant]
    except KeyError:
        pass
    tid = TenantId.of("wpg", merchant)
    if len(merchant) <= 64:  # a refused request may send any length: keep real codes only
        if len(_TENANTS) >= 256:
            _TENANTS.clear()
        _TENANTS[merchant] = tid
    return tid


def idempotent(name: str, op) -> bool:
    """Authorisation, payout, capture and refund carry Idempotency-Key (wpg.md §11.4)."""
    if name == "order":
        return True
    return name == "orderModification" and any(c.tag in ("capture", "refund") for c in op if isinstance(c.tag, str))


async def _payment_service(request: web.Request, core, allowed, key: str | None, mode: str,
                           busy: bool) -> web.Response:
    body = await read_body(request)
    try:
        root = parse_document(body)
    except Invalid as e:
        return _with_cookie(request, error_reply(merchant_from_auth(request), e.code, e.text))
    merchant, version = root.get("merchantCode"), root.get("version")
    if merchant not in allowed:
        # Credentials are fine but the merchant code is not theirs (wpg.md §1.2).
        return _with_cookie(request, error_reply(merchant, 4, "Security violation", version))
    name, op = operation(root)
    tid = tenant_of(merchant)
    if tid is None:  # the DTD makes merchantCode an NMTOKEN; a name we cannot store is refused
        return _with_cookie(request, error_reply(merchant_from_auth(request), 4, "Security violation", version))
    set_context(request, tenant=tid, operation=name)
    ctx = Ctx(core, tid, merchant, request)
    lifecycle.advance(ctx)  # statuses that fell due on the virtual clock since the last request
    key = key if key is not None and idempotent(name, op) else None
    try:
        if key is not None:
            idempotency.check_key(key, mode)
            if busy:
                raise idempotency.IdempotencyError(idempotency.IN_PROGRESS)
            stored = idempotency.stored_reply(ctx, key)
            if stored is not None:  # the original reply; the request is not processed again
                return web.Response(body=stored.encode(), headers={"Content-Type": CONTENT_TYPE,
                                                                   "Set-Cookie": request.app["wpg.cookie"]})
        inner = HANDLERS.get(name, not_emulated)(ctx, op)
    except idempotency.IdempotencyError as e:
        key = None  # a refused key stores nothing
        inner = f"<orderStatus orderCode={quoteattr(op.get('orderCode') or '')}>{error_element(e.code, e.text)}</orderStatus>"
    except Scoped as e:
        key = None  # a refused request changes nothing, not even the key store (it can be sent again)
        inner = f"<orderStatus orderCode={quoteattr(e.order_code)}>{error_element(e.code, e.text)}</orderStatus>"
    except REFUSALS as e:
        key = None
        inner = error_element(*refusal(e))
    reply = reply_document(merchant, inner, version)
    if core.options["wpg.reply_format"] == "vendor":
        reply = reply_format.vendor(reply)
    if key is not None:
        idempotency.remember(ctx, key, reply.decode(), core.options["wpg.idempotency_ttl_days"])
    return web.Response(body=reply, headers={"Content-Type": CONTENT_TYPE, "Set-Cookie": request.app["wpg.cookie"]})


def _with_cookie(request: web.Request, resp: web.Response) -> web.Response:
    resp.headers["Set-Cookie"] = request.app["wpg.cookie"]
    return resp


def setup(app: web.Application) -> None:
    app.router.add_post(PATH, payment_service)
    app["wpg.machine"] = secrets.token_hex(4)  # the vendor's session-affinity cookie (wpg.md §1.1)
    app["wpg.cookie"] = f"machine={app['wpg.machine']};path=/"
    app["wpg.inflight"] = set()  # (user, Idempotency-Key) being processed
    threeds_pages.setup(app)
    notifier = Notifier(app["core"])
    app.on_startup.append(notifier.start)
    app.on_cleanup.append(notifier.stop)
