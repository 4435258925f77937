"""Example merchant pages served by the sandbox, so a person can try a flow by hand.

`/_sandbox/examples/one-click` plays the merchant of the seed's "One-click payment" page
(seeds/000, opp.md E7-E10): its server side prepares a checkout with `POST /v1/checkouts`
(`createRegistration=true`, and `registrations[n].id` for the cards this shopper saved before),
renders the seed's HTML with the widget, and on return reads `GET {resourcePath}?entityId=...`.
It calls the sandbox over HTTP like any merchant would, so every step shows in the journal.
The merchant's record of "this shopper's registration ids" is a cookie (a real shop keeps it
in its customer database; the sandbox keeps no state of its own for the example).
"""

from __future__ import annotations

import html
import json
import re
import secrets
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from ..core.cards import mask_text
from ..web.guard import secure_page
from .http import guarded

routes = web.RouteTableDef()
BASE = "/_sandbox/examples/one-click"
COOKIE = "sandbox_oneclick_registrations"
# The vendor documentation's own example test entity and access token (any non-empty value passes
# the sandbox's default, permissive credentials; `?entityId=&bearer=` override them).
ENTITY = "8a8294174b7ecb28014b9699220015cc"
BEARER = "OGE4Mjk0MTc0YjdlY2IyOA=="
REGISTRATION_ID = re.compile(r"^[0-9a-fA-F]{32}\Z")
RESOURCE_PATH = re.compile(r"^/v[0-9]+/checkouts/[a-zA-Z0-9.-]+/(payment|registration)\Z")  # as PRETIX checks
MAX_STORED = 5

PAGE = """<!DOCTYPE HTML>
<html>
<head>
<meta charset="utf-8">
<title>One-click payment (Token Sandbox example)</title>
<script nonce="{nonce}">
var wpwlOptions = {{
style: "card"
}}
</script>
<script src="{widget}"></script>
<style>
body {{ background-color:white; width:720px; margin:auto;padding:10px;font-size:14px;}}
h2 {{ margin-top:25px;margin-bottom:10px;padding:5px;width:100%;background-color:#eee;
border:1px solid #ccc;border-radius:6px;font-size: 16px;font-weight:normal; }}
.merchant {{ color:#666; font-size:12px; }}
</style>
</head>
<body>
<h1>Example shop: one-click payment</h1>
<p>Amount due: <strong id="amount">{amount} {currency}</strong></p>
<h2>Checkout</h2>
<p>{stored_note}</p>
<form action="{result_url}" class="paymentWidgets" data-brands="VISA MASTER AMEX"></form>
<p class="merchant">Merchant side: checkout <code id="checkout-id">{checkout_id}</code> for entity
<code>{entity}</code>, prepared with <code>POST /v1/checkouts</code>. Test cards: see
<a href="/_sandbox/cards">/_sandbox/cards</a>. State: <a href="/_sandbox/">dashboard</a>.</p>
</body>
</html>
"""

RESULT = """<!DOCTYPE HTML>
<html>
<head><meta charset="utf-8"><title>Payment result (Token Sandbox example)</title>
<style>body {{ width:720px; margin:auto; padding:10px; font-size:14px; }} pre {{ background:#f6f6f6; padding:8px; }}</style>
</head>
<body>
<h1 id="outcome" data-code="{code}">{headline}</h1>
<p>Result <code id="result-code">{code}</code>: <span id="result-description">{description}</span></p>
<p>{saved}</p>
<p><a id="pay-again" href="{again}">Buy again (stored cards are offered for one-click)</a></p>
<h2>What the merchant read with <code>GET {resource}</code></h2>
<pre id="result-json">{body}</pre>
</body>
</html>
"""


def _merchant(request: web.Request) -> tuple[str, str]:
    return request.query.get("entityId") or ENTITY, request.query.get("bearer") or BEARER


def _stored(request: web.Request) -> list[str]:
    raw = request.cookies.get(COOKIE, "")
    return [r for r in raw.split(",") if REGISTRATION_ID.match(r)][:MAX_STORED]


def _origin(request: web.Request) -> str:
    """Where the browser reaches the sandbox: the shopper's return URL (the Host was checked by
    the control-plane guard, web/guard.py)."""
    return f"{request.scheme}://{request.host}"


def _upstream(request: web.Request) -> str:
    """The sandbox's own bound address, for the merchant's server-side calls. Never built from the
    Host header: that let any caller aim the merchant's bearer at any host:port (SSRF, issue 14 §6)."""
    sock = request.transport.get_extra_info("sockname") if request.transport is not None else None
    if not sock:
        raise web.HTTPServiceUnavailable(text="the connection has closed")
    host, port = sock[0], sock[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _merchant_query(request: web.Request) -> str:
    """Carry the merchant overrides from page to page."""
    keep = {k: request.query[k] for k in ("entityId", "bearer", "amount", "currency") if request.query.get(k)}
    return ("?" + urlencode(keep)) if keep else ""


def _html(text: str, status: int = 200, nonce: str = "") -> web.Response:
    resp = web.Response(text=text, status=status, content_type="text/html", headers={"Cache-Control": "no-store"})
    script = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return secure_page(resp, f"default-src 'none'; script-src {script}; style-src 'self' 'unsafe-inline'; "
                             "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                             "frame-ancestors 'none'")


async def _call(request: web.Request, method: str, path: str, data: list | None = None) -> tuple[int, dict]:
    entity, bearer = _merchant(request)
    headers = {"Authorization": f"Bearer {bearer}"}
    base = _upstream(request)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        if method == "POST":
            resp = await session.post(base + path, data=[("entityId", entity), *(data or [])],
                                      headers=headers)
        else:
            resp = await session.get(base + path, params={"entityId": entity}, headers=headers)
        async with resp:
            try:
                return resp.status, await resp.json(content_type=None)
            except (ValueError, aiohttp.ContentTypeError):
                return resp.status, {"result": {"code": "", "description": await resp.text()}}


@routes.get(BASE)
@guarded
async def one_click(request: web.Request) -> web.Response:
    if request.method == "HEAD":  # a HEAD (link checker, prefetch) must not create a checkout
        return _html("")
    amount = request.query.get("amount") or "92.00"
    currency = request.query.get("currency") or "EUR"
    stored = _stored(request)
    form = [("amount", amount), ("currency", currency), ("paymentType", "DB"), ("createRegistration", "true"),
            ("merchantTransactionId", "order-" + secrets.token_hex(4)),
            ("shopperResultUrl", _origin(request) + BASE + "/result" + _merchant_query(request))]
    form += [(f"registrations[{i}].id", rid) for i, rid in enumerate(stored)]
    status, body = await _call(request, "POST", "/v1/checkouts", form)
    if status != 200 or "id" not in body:
        return _html(f"<h1>Could not prepare the checkout</h1><pre>{html.escape(json.dumps(body, indent=1))}</pre>",
                     502)
    checkout_id = body["id"]
    nonce = secrets.token_urlsafe(16)
    note = (f"You have {len(stored)} stored card(s): choose one for a one-click payment, or enter a new card."
            if stored else "Enter a card; it will be stored for one-click payment next time.")
    page = PAGE.format(
        widget=html.escape(f"/v1/paymentWidgets.js?checkoutId={checkout_id}"),
        amount=html.escape(amount), currency=html.escape(currency), stored_note=note,
        result_url=html.escape(BASE + "/result" + _merchant_query(request)),
        checkout_id=html.escape(checkout_id), entity=html.escape(_merchant(request)[0]), nonce=nonce,
    )
    return _html(page, nonce=nonce)


@routes.get(BASE + "/result")
@guarded
async def one_click_result(request: web.Request) -> web.Response:
    if request.method == "HEAD":
        return _html("")
    resource = request.query.get("resourcePath", "")
    if not RESOURCE_PATH.match(resource):
        return _html("<h1>Unexpected return</h1><p>resourcePath is missing or not a checkout result path.</p>", 400)
    status, body = await _call(request, "GET", resource)
    result = body.get("result") or {}
    code = str(result.get("code", ""))
    success = status == 200 and re.match(r"^(000\.000\.|000\.100\.1|000\.[36])", code) is not None
    stored = _stored(request)
    reg = body.get("registrationId")
    saved = ""
    if success and isinstance(reg, str) and REGISTRATION_ID.match(reg) and reg not in stored:
        stored = [reg, *stored][:MAX_STORED]
        saved = "The card was stored for one-click payment next time."
    page = RESULT.format(
        headline="Thank you for your payment" if success else "The payment did not succeed",
        code=html.escape(code), description=html.escape(str(result.get("description", ""))),
        saved=saved, again=html.escape(BASE + _merchant_query(request)), resource=html.escape(resource),
        body=html.escape(mask_text(json.dumps(body, indent=1))),
    )
    resp = _html(page)
    if stored:
        resp.set_cookie(COOKIE, ",".join(stored), path=BASE, httponly=True, samesite="Lax")
    return resp


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
