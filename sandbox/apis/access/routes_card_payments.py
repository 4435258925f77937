"""Card Payments v7 routes on the same payment engine as the Payments API (core/access/payments.py,
wire `cardPayments`): customer- and merchant-initiated transactions with a `card/token`, then the
actions their `cardPayments:*` links offer. docs/access.md "Card Payments v7"."""

from __future__ import annotations

from aiohttp import web

from ...core.access import payments as pay
from ...core.access.payments import CARD_PAYMENTS
from ...web.body import read_body
from . import parse, parse_card_payments, parse_payments, render, render_card_payments
from .context import CARD_PAYMENTS_FAMILY, Ctx, operation

_PARTIAL = (pay.PARTIAL_SETTLE, pay.PARTIAL_REFUND)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/cardPayments/customerInitiatedTransactions", customer_initiated)
    r.add_post("/cardPayments/merchantInitiatedTransactions", merchant_initiated)
    for name, (_, path) in render_card_payments.RELS.items():
        r.add_post(path + "{payment}", _action(name))
    r.add_post("/payments/settlements/{payment}", _action(pay.SETTLE))  # the OpenAPI's own settle path
    r.add_get(render_card_payments.EVENTS + "{payment}", events)


async def _authorize(request: web.Request, ctx: Ctx, merchant_initiated: bool) -> web.Response:
    req = parse_card_payments.transaction_request(parse.load_json(await read_body(request)), merchant_initiated)
    body = render_card_payments.authorization(render.base_url(request), pay.authorize(ctx.scope, req))
    return render.json_response(body, ctx.media, 201)


@operation("customerInitiatedTransaction", has_body=True, family=CARD_PAYMENTS_FAMILY)
async def customer_initiated(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /cardPayments/customerInitiatedTransactions` -> 201 authorized / Sent for Settlement /
    refused (Try magic cardholder names, as the Payments API)."""
    return await _authorize(request, ctx, merchant_initiated=False)


@operation("merchantInitiatedTransaction", has_body=True, family=CARD_PAYMENTS_FAMILY)
async def merchant_initiated(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /cardPayments/merchantInitiatedTransactions`: a customerAgreement is required."""
    return await _authorize(request, ctx, merchant_initiated=True)


def _action(name: str):
    @operation("cardPaymentAction", has_body=True, family=CARD_PAYMENTS_FAMILY)
    async def handler(request: web.Request, ctx: Ctx) -> web.Response:
        """An action link -> 202 (partial ones take `{reference, value}`)."""
        raw = await read_body(request)
        req = pay.ActionRequest(name)
        if name in _PARTIAL:
            checker = parse_card_payments.V7Checker
            req.amount, req.currency, req.reference = parse_payments.partial_request(
                parse.load_json(raw), with_sequence=name == pay.PARTIAL_SETTLE, checker=checker)
        p = pay.act(ctx.scope, request.match_info["payment"], req, CARD_PAYMENTS)
        return render.json_response(render_card_payments.action(render.base_url(request), p, name), ctx.media, 202)

    return handler


@operation("cardPaymentEvents", family=CARD_PAYMENTS_FAMILY)
async def events(request: web.Request, ctx: Ctx) -> web.Response:
    """`GET /payments/events/{link}`: `lastEvent` and the links on offer."""
    p = pay.find(ctx.scope, request.match_info["payment"], CARD_PAYMENTS)
    return render.json_response(render_card_payments.events(render.base_url(request), p), ctx.media)
