"""The dashboard at `GET /_sandbox/`: one static page that draws the control-plane JSON.

The page itself holds no data, so it is served without the admin token (a browser cannot send
a header when it opens a URL); everything it shows comes from guarded JSON endpoints, which it
calls with the token the user typed in. `GET /_sandbox/dashboard.json` is the only endpoint of
its own: tenants and their tokens, with card numbers masked here, on the server, so a full PAN
never reaches the browser. Journal, faults, notifications and the clock come from their own
endpoints; the page masks any card-number-like digits in them again before showing them.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..core.cards import brand_of, mask, mask_text
from ..core.clock import iso
from ..core.store import Store
from ..web.guard import DASHBOARD_CSP, secure_page
from .errors import json_response
from .http import core_of, guarded, tenant_param
from .openapi import op, register

STATIC = Path(__file__).with_name("static")
_ASSETS = {"dashboard.js": "application/javascript", "dashboard.css": "text/css"}
TOKENS_PER_TENANT = 200  # the page is for looking, not for paging through a million seeded tokens

routes = web.RouteTableDef()


def _when(seconds: float | None) -> str | None:
    return None if seconds is None else iso(seconds)


def token_view(token, now: float) -> dict:
    """What the dashboard shows of a stored card: never the full number."""
    meta = token.meta or {}
    if meta.get("deregisteredAt") is not None:
        state = "deregistered"
    elif token.expired(now):
        state = "expired"
    else:
        state = "active"
    expiry = (f"{token.expiry_month:02d}/{token.expiry_year}"
              if token.expiry_month and token.expiry_year else None)
    return {
        "id": token.id,
        "owner": mask_text(token.owner) if token.owner else token.owner,  # free text: may hold a PAN
        "card": mask(token.pan),
        "brand": brand_of(token.pan),
        "expiry": expiry,
        "holder": mask_text(token.holder) if token.holder else token.holder,
        "created": _when(token.created_at),
        "expires": _when(token.expires_at),
        "state": state,
    }


def summary(store: Store, only: str | None = None) -> dict:
    tenants = []
    for tid, tenant in sorted(store.tenants.items()):
        if only is not None and tid != only:
            continue
        now = store.now(tid)
        tokens = list(tenant.tokens.by_id.values())
        tenants.append({
            "id": mask_text(tid),  # a permissive-mode username may itself be a card number
            "api": tenant.api,
            "name": mask_text(tenant.name),
            "clock": {"now": iso(now), "own": tenant.clock is not None},
            "tokenCount": len(tokens),
            "tokens": [token_view(t, now) for t in tokens[-TOKENS_PER_TENANT:]],
            "paymentCount": len(tenant.payments),
        })
    return {"clock": {"now": iso(store.clock.now()), "frozen": store.clock.frozen}, "tenants": tenants}


register("/_sandbox/", get=op("The dashboard (HTML page drawing the JSON endpoints below)",
                              responses={"200": {"description": "text/html"}}))
register("/_sandbox/dashboard.json", get=op(
    "Tenants and their stored cards, card numbers masked (what the dashboard shows)", tenant=True))


@routes.get("/_sandbox")
async def dashboard_redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/_sandbox/")


@routes.get("/_sandbox/")
async def dashboard_page(request: web.Request) -> web.Response:
    return _static("dashboard.html", "text/html")


@routes.get("/_sandbox/assets/{name}")
async def dashboard_asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _ASSETS:
        raise web.HTTPNotFound()
    return _static(name, _ASSETS[name])


@routes.get("/_sandbox/dashboard.json")
@guarded
async def dashboard_json(request: web.Request) -> web.Response:
    return json_response(summary(core_of(request).store, tenant_param(request)))


def _static(name: str, content_type: str) -> web.Response:
    resp = web.Response(body=(STATIC / name).read_bytes(), content_type=content_type, charset="utf-8",
                        headers={"Cache-Control": "no-cache"})
    return secure_page(resp, DASHBOARD_CSP)


def setup(app: web.Application) -> None:
    from . import examples  # the example merchant pages sit beside the dashboard

    app.router.add_routes(routes)
    examples.setup(app)
