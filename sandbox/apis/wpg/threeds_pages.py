"""The sandbox's 3-D Secure pages, standing in for the vendor's test simulator and Cardinal's
pages (wpg.md §11.1, §11.2). The shopper's browser is sent here by the merchant's checkout:

* 3DS1 ACS: `POST /jsp/test/shopper/ThreeDResponseSimulator.jsp` (PaReq, TermUrl, MD, the form a
  checkout auto-posts to `issuerURL`) shows the simulator's choices (paResMagicValues); the choice
  posts to GenerateThreeDSPares.jsp, which auto-posts `PaRes` and `MD` back to TermUrl.
* 3DS2 challenge: `POST /shopper/3ds/challenge.html` (JWT, MD: the Cardinal Step-Up form; the JWT
  is read, not verified, since the merchant's JWT MAC key is theirs) shows the challenge; the
  result is recorded on the pending order and `TransactionId`, `Response`, `MD` auto-post to the
  JWT's ReturnUrl.
* Device data collection: `POST /shopper/3ds/ddc.html` (Bin, JWT) answers the iframe with a
  postMessage carrying a SessionId, in both of Cardinal's formats.

Nothing here changes an order except through core/wpg/orders.record_challenge.
"""

from __future__ import annotations

import base64
import json
from html import escape
from urllib.parse import urlsplit

from aiohttp import web

from ...core.wpg import orders, threeds
from .render import ACS_PATH, CHALLENGE_PATH

PARES_PATH = "/jsp/test/shopper/GenerateThreeDSPares.jsp"
CHALLENGE_DONE_PATH = "/shopper/3ds/challenge-complete.html"
DDC_PATH = "/shopper/3ds/ddc.html"
MAX_FIELD = 16384


def _page(title: str, body: str, status: int = 200) -> web.Response:
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
            f"<body><h1>{escape(title)}</h1>{body}</body></html>")
    return web.Response(status=status, text=html, content_type="text/html")


def _web_url(value: str) -> str | None:
    parts = urlsplit(value or "")
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _hidden(fields: dict) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v or "")}">' for k, v in fields.items())


def _auto_post(title: str, url: str, fields: dict) -> web.Response:
    """A page that posts `fields` to `url` at once (the way ACS pages return the shopper)."""
    return _page(title, f'<form id="return" method="post" action="{escape(url)}">{_hidden(fields)}'
                        '<noscript><button type="submit">Continue</button></noscript></form>'
                        "<script>document.getElementById('return').submit();</script>")


async def _fields(request: web.Request) -> dict:
    form = await request.post()
    return {k: str(v)[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}


def _choices(name: str, values, selected: str) -> str:
    opts = "".join(f'<option value="{v}"{" selected" if v == selected else ""}>{v}</option>' for v in values)
    return f'<select id="{name}" name="{name}">{opts}</select>'


async def acs(request: web.Request) -> web.Response:
    f = await _fields(request)
    challenge_id = threeds.challenge_of_pa_request(f.get("PaReq", ""))
    term = _web_url(f.get("TermUrl", ""))
    if challenge_id is None or term is None:
        return _page("3-D Secure error", "<p>PaReq must be a paRequest from the sandbox and TermUrl an http(s) URL.</p>",
                     400)
    return _page("3-D Secure simulator", (
        f'<form id="acs" method="post" action="{PARES_PATH}">'
        + _hidden({"parequest": challenge_id, "termUrl": term, "MD": f.get("MD", "")})
        + "<label>Authentication result " + _choices("paResMagicValues", threeds.V1_RESULTS, "IDENTIFIED")
        + '</label> <button id="submit" type="submit">Submit</button></form>'))


async def pares(request: web.Request) -> web.Response:
    f = await _fields(request)
    term = _web_url(f.get("termUrl", ""))
    choice = f.get("paResMagicValues", "")
    if term is None or choice not in threeds.V1_RESULTS or not f.get("parequest", "").isalnum():
        return _page("3-D Secure error", "<p>Unknown simulator choice.</p>", 400)
    pa_res = choice if choice in threeds.V1_FAILED else threeds.pa_response(f["parequest"], choice)
    return _auto_post("Returning to the merchant", term, {"PaRes": pa_res, "MD": f.get("MD", "")})


def _jwt_claims(token: str) -> dict | None:
    parts = (token or "").split(".")
    if len(parts) != 3 or len(parts[1]) > MAX_FIELD:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


async def challenge(request: web.Request) -> web.Response:
    f = await _fields(request)
    claims = _jwt_claims(f.get("JWT", "")) or {}
    payload = claims.get("Payload") if isinstance(claims.get("Payload"), dict) else {}
    transaction = str(payload.get("TransactionId") or f.get("TransactionId") or "")
    found = orders.find_challenge(request.app["core"].store, transaction) if transaction.isalnum() else None
    if found is None:
        return _page("3-D Secure error", "<p>No pending challenge for this TransactionId.</p>", 400)
    _, p = found
    return _page("3-D Secure challenge", (
        f"<p>Order {escape(p.id)}: confirm the purchase.</p>"
        f'<form id="challenge" method="post" action="{CHALLENGE_DONE_PATH}">'
        + _hidden({"TransactionId": transaction, "ReturnUrl": _web_url(str(claims.get("ReturnUrl") or "")) or "",
                   "MD": f.get("MD", "")})
        + "<label>Result " + _choices("result", threeds.V2_RESULTS, p.meta["threeDS"]["suggested"])
        + '</label> <button id="submit" type="submit">Submit</button></form>'))


async def challenge_done(request: web.Request) -> web.Response:
    f = await _fields(request)
    transaction, result = f.get("TransactionId", ""), f.get("result", "")
    p = orders.record_challenge(request.app["core"].store, transaction, result) if transaction.isalnum() else None
    if p is None:
        return _page("3-D Secure error", "<p>No pending challenge for this TransactionId.</p>", 400)
    back = _web_url(f.get("ReturnUrl", ""))
    if back is None:
        return _page("3-D Secure challenge complete", f"<p id='result'>{escape(result)}</p>")
    response = base64.b64encode(json.dumps({"TransactionId": transaction, "Result": result}).encode()).decode()
    return _auto_post("Returning to the merchant", back,
                      {"TransactionId": transaction, "Response": response, "MD": f.get("MD", "")})


async def ddc(request: web.Request) -> web.Response:
    f = await _fields(request)
    session = request.app["core"].store.ids.uuid()
    message = json.dumps({"MessageType": "profile.completed", "SessionId": session, "Status": True,
                          "Payload": {"ActionCode": "SUCCESS", "SessionId": session}})
    return _page("Device data collection", f"<p id='session'>{escape(session)}</p>"
                 f"<script>window.parent.postMessage({json.dumps(message)}, '*');</script>"
                 + ("" if f.get("JWT") else "<p>JWT missing</p>"))


def setup(app: web.Application) -> None:
    for path, handler in ((ACS_PATH, acs), (PARES_PATH, pares), (CHALLENGE_PATH, challenge),
                          (CHALLENGE_DONE_PATH, challenge_done), (DDC_PATH, ddc)):
        app.router.add_route("POST", path, handler)  # the shopper's browser posts forms here
