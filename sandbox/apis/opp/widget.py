"""`GET /v1/paymentWidgets.js?checkoutId=...`: our own stand-in for the COPYandPAY widget script.

The script (static/paymentWidgets.js) draws the card form and the checkout's stored cards, and
talks to the Checkouts API's shopper-facing calls in checkouts.py (`GET /v1/checkouts/{id}/widget`,
`POST /v1/checkouts/{id}/payment|registration`). The file is the same for every checkout: it
reads `checkoutId` from its own URL, as the vendor's script does, so nothing here depends on
state, and an unknown or expired checkout is reported by the widget on the page (opp.md E10).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).with_name("static")
_FILES = {
    "/v1/paymentWidgets.js": ("paymentWidgets.js", "application/javascript"),
    "/v1/paymentWidgets.css": ("paymentWidgets.css", "text/css"),
}


def _serve(name: str, content_type: str):
    async def handler(request: web.Request) -> web.Response:
        # Read per request (a few KB) so an edited script is picked up without a restart.
        return web.Response(body=(STATIC / name).read_bytes(), content_type=content_type, charset="utf-8",
                            headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})

    handler.__name__ = f"widget_{name.replace('.', '_')}"
    return handler


def setup(app: web.Application) -> None:
    for path, (name, content_type) in _FILES.items():
        app.router.add_get(path, _serve(name, content_type))
