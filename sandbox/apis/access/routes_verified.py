"""Verified Tokens routes (vendor OpenAPI ../shared/reference/access-verified-tokens.openapi.yaml):
verify a card, then tokenise it in the same store as /tokens. Domain: core/access/verified.py."""

from __future__ import annotations

from aiohttp import web

from ...core.access import verified
from ...web.body import read_body
from . import parse, parse_verified, render, render_verified
from .context import VERIFIED, Ctx, operation


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/verifiedTokens", root)
    r.add_post("/verifiedTokens/cardOnFile", card_on_file)
    r.add_post("/verifiedTokens/oneTime", one_time)


@operation("verifiedTokensRoot", family=VERIFIED)
async def root(request: web.Request, ctx: Ctx) -> web.Response:
    """`GET /verifiedTokens`: the service's links (the discovery link's target)."""
    return render.json_response(render_verified.root(render.base_url(request)), ctx.media)


async def _verify(request: web.Request, ctx: Ctx, kind: str) -> web.Response:
    doc = parse.load_json(await read_body(request))
    now, policy = ctx.scope.now(), ctx.scope.policy
    req = parse_verified.verify_request(doc, kind, now, policy.max_expiry(now))
    result = verified.verify(ctx.scope, req)
    status, body = render_verified.verified(render.base_url(request), result, ctx.scope.core.store.ids.hex(24),
                                            ctx.version)
    return render.json_response(body, ctx.media, status)


@operation("verifiedTokenCardOnFile", has_body=True, family=VERIFIED)
async def card_on_file(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /verifiedTokens/cardOnFile`: 201 / 200 / 409 verified, 206 not verified."""
    return await _verify(request, ctx, "cardOnFile")


@operation("verifiedTokenOneTime", has_body=True, family=VERIFIED)
async def one_time(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /verifiedTokens/oneTime`: as cardOnFile, without a scheme transaction reference."""
    return await _verify(request, ctx, "oneTime")
