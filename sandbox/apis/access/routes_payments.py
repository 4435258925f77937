"""Payments API 2024-06-01 routes (`/api/payments`): pay with an Access token, then act on the
payment through its `_actions`. Domain in sandbox/core/access/payments.py; bodies in
render_payments.py; request rules in parse_payments.py; docs/access.md "Payments"."""

from __future__ import annotations

from aiohttp import web

from ...core.access import payments as pay
from ...web.body import read_body
from . import parse, parse_payments, render, render_payments
from .context import PAYMENTS, Ctx, operation
from .errors import AccessError

_ACTIONS = {path: name for name, path in render_payments.ACTION_PATHS.items()}


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/payments", authorize)
    r.add_get("/api/payments/{payment}", query)
    r.add_post("/api/payments/{payment}/{action}", act)


@operation("authorizePayment", has_body=True, family=PAYMENTS)
async def authorize(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /api/payments` with `paymentInstrument.type: token` (href, or tokenId + namespace):
    201 authorized / refused by the Try magic cardholder name, 202 when settlement.auto."""
    req = parse_payments.authorize_request(parse.load_json(await read_body(request)))
    status, body = render_payments.authorization(render.base_url(request), pay.authorize(ctx.scope, req))
    return render.json_response(body, ctx.media, status)


@operation("queryPayment", family=PAYMENTS)
async def query(request: web.Request, ctx: Ctx) -> web.Response:
    """`GET` a payment's self href: `lastEvent` and the actions on offer."""
    p = pay.find(ctx.scope, request.match_info["payment"])
    return render.json_response(render_payments.query(render.base_url(request), p), ctx.media)


@operation("paymentAction", has_body=True, family=PAYMENTS)
async def act(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST <self>/settlements | partialSettlements | cancellations | refunds | partialRefunds |
    reversals` -> 202. Full actions take no body; the partial ones `{reference, value}`."""
    name = _ACTIONS.get(request.match_info["action"])
    if name is None:
        raise AccessError(404, "endpointNotFound", "Requested endpoint was not found.")
    raw = await read_body(request)
    req = pay.ActionRequest(name)
    if name in (pay.PARTIAL_SETTLE, pay.PARTIAL_REFUND):
        req.amount, req.currency, req.reference = parse_payments.partial_request(
            parse.load_json(raw), with_sequence=name == pay.PARTIAL_SETTLE)
    p = pay.act(ctx.scope, request.match_info["payment"], req)
    return render.json_response(render_payments.action(render.base_url(request), p, name), ctx.media, 202)
