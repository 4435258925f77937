"""Access network tokens (seed 002 "Network Token", access.md §9): provision, lookup,
cryptograms, delete. Domain in sandbox/core/access/network.py; bodies in render_network.py."""

from __future__ import annotations

import re

from aiohttp import web

from ...core.access import network as npt
from ...web.body import read_body
from . import parse, render, render_network
from .context import Ctx, operation
from .errors import AccessError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/tokens/network", provision)
    r.add_post("/tokens/network/cryptograms", cryptogram)
    r.add_get("/tokens/network/{ref}", lookup)
    r.add_delete("/tokens/network/{ref}", delete)


@operation("provisionNetworkToken", has_body=True)
async def provision(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /tokens/network`: card/front details or a card/tokenized Access token href -> 200
    (synchronous, asynchronous or provider-error variant, access.md §9)."""
    doc = parse.load_json(await read_body(request))
    dt = ctx.scope.core.store.clock_for(ctx.scope.tid).now_dt()
    req = parse.network_request(doc, (dt.year, dt.month))
    rec = npt.provision_token(ctx.scope, req)
    body = render_network.provisioned(render.base_url(request), rec, ctx.scope.now())
    return render.json_response(body, ctx.media)


@operation("getNetworkToken")
async def lookup(request: web.Request, ctx: Ctx) -> web.Response:
    """`GET /tokens/network/{tokenReference}`: the data as at provisioning (access.md §9)."""
    rec = npt.lookup(ctx.scope, request.match_info["ref"])
    body = render_network.looked_up(render.base_url(request), rec, ctx.scope.now())
    return render.json_response(body, ctx.media)


@operation("networkTokenCryptogram", has_body=True)
async def cryptogram(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /tokens/network/cryptograms` {tokenNumber} -> a one-off cryptogram, ECI 07."""
    number = parse.cryptogram_request(parse.load_json(await read_body(request)))
    value = npt.cryptogram(ctx.scope, number)
    return render.json_response(render_network.cryptogram(render.base_url(request), value), ctx.media)


@operation("deleteNetworkToken")
async def delete(request: web.Request, ctx: Ctx) -> web.Response:
    """`DELETE /tokens/network/{id}` (token reference or token number) -> 204; a malformed id is
    400 fieldHasInvalidValue, an unknown one 404 networkProviderError (access.md §9)."""
    ref = request.match_info["ref"]
    if not (_UUID.match(ref) or (ref.isdigit() and 12 <= len(ref) <= 19)):
        raise AccessError(400, "fieldHasInvalidValue", "Token number is not valid")
    npt.delete_token(ctx.scope, ref)
    return web.Response(status=204)
