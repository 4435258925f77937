"""`POST /jsp/merchant/xml/paymentService.jsp`: authenticate, parse, dispatch, reply (wpg.md §1).

Basic auth first (wrong credentials: the vendor's HTML 401), then the XML is parsed and
validated (code 2), then the `merchantCode` must belong to the credentials (code 4). Every XML
outcome is HTTP 200 with a `machine` cookie, as the real service sets one.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from aiohttp import web

from ...core.errors import OwnerFull, TokenNotFound, UpdateLimitExceeded
from ...core.tenants import TenantId
from ...core.wpg.orders import OrderError
from ...core.wpg.tokens import TokenRuleError
from ...web.body import read_body, set_context
from . import orders, tokens
from .context import Ctx, Scoped
from .errors import CONTENT_TYPE, cdata, error_reply, merchant_from_auth, reply_document
from .notify import Notifier
from .parse import Invalid, operation, parse_document

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

HANDLERS = {
    "paymentTokenCreate": tokens.create,
    "paymentTokenInquiry": tokens.inquiry,
    "shopperTokenRetrieval": tokens.retrieval,
    "paymentTokenUpdate": tokens.update,
    "paymentTokenDelete": tokens.delete,
    "order": orders.submit,
    "orderInquiry": orders.inquiry,
    "orderModification": orders.modify,
}


def basic_credentials(request: web.Request) -> tuple[str, str] | None:
    auth = request.headers.get("Authorization", "")
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


async def payment_service(request: web.Request) -> web.Response:
    core = request.app["core"]
    creds = basic_credentials(request)
    allowed = core.credentials.wpg(*creds) if creds else None
    if allowed is None:
        return unauthorized()
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
    tid = TenantId.of("wpg", merchant)
    if tid is None:  # the DTD makes merchantCode an NMTOKEN; a name we cannot store is refused
        return _with_cookie(request, error_reply(merchant_from_auth(request), 4, "Security violation", version))
    set_context(request, tenant=tid, operation=name)
    ctx = Ctx(core, tid, merchant, request.app.get("wpg.notifier"))
    try:
        inner = HANDLERS[name](ctx, op)
    except Scoped as e:
        inner = f'<orderStatus orderCode="{_attr(e.order_code)}"><error code="{e.code}">{cdata(e.text)}</error></orderStatus>'
    except (Invalid, TokenRuleError, OrderError) as e:
        inner = _error(e.code, e.text)
    except TokenNotFound:
        inner = _error(5, "Token does not exist")  # WPGJ live test (wpg.md §4.4)
    except UpdateLimitExceeded:
        inner = _error(5, "Maximum number of updates exceeded for this token")  # seed 003, HYB
    except OwnerFull as e:
        inner = _error(5, orders.full_text(e))
    return web.Response(body=reply_document(merchant, inner, version),
                        headers={"Content-Type": CONTENT_TYPE, "Set-Cookie": request.app["wpg.cookie"]})


def _error(code: int, text: str) -> str:
    return f'<error code="{code}">{cdata(text)}</error>'


def _attr(value: str) -> str:
    from xml.sax.saxutils import escape

    return escape(value, {'"': "&quot;"})


def _with_cookie(request: web.Request, resp: web.Response) -> web.Response:
    resp.headers["Set-Cookie"] = request.app["wpg.cookie"]
    return resp


def setup(app: web.Application) -> None:
    app.router.add_post(PATH, payment_service)
    app["wpg.machine"] = secrets.token_hex(4)  # the vendor's session-affinity cookie (wpg.md §1.1)
    app["wpg.cookie"] = f"machine={app['wpg.machine']};path=/"
    notifier = Notifier(app["core"])
    app["wpg.notifier"] = notifier
    app.on_startup.append(notifier.start)
    app.on_cleanup.append(notifier.stop)
