"""Access Tokens v3 routes: discovery, create, inquiry, per-field updates, conflicts, delete.

Network-token routes are in routes_network.py. Each handler parses (parse.py: nothing stored
yet), calls ONE operation of sandbox/core/access/operations.py (which peeks, checks and writes)
and renders (render.py); domain errors become Access replies through errors.DOMAIN.
"""

from __future__ import annotations

import re

from aiohttp import web

from ...core.access import operations as ops
from ...core.tokens import Outcome
from ...web.body import read_body
from . import parse, render, routes_card_payments, routes_network, routes_payments, routes_verified
from .context import Ctx, configure, operation
from .errors import AccessError

_STATUS = {Outcome.NEW: 201, Outcome.MATCH: 200, Outcome.CONFLICT: 409}
_TOKEN_ID = re.compile(r"^[0-9A-HJ-NP-Z]{15,21}\Z")
_NAMESPACE = re.compile(r"^[^_][^ &<]{0,63}\Z")


def setup(app: web.Application) -> None:
    configure(app)
    r = app.router
    r.add_get("/", discovery)
    r.add_get("/tokens", tokens_root)
    r.add_post("/tokens", create)
    routes_network.add_routes(app)  # static /tokens/network... before the /tokens/{opaque} catch
    r.add_get("/tokens/{opaque}", get_token)
    r.add_put("/tokens/{opaque}", put_token)
    r.add_delete("/tokens/{opaque}", delete_token)
    routes_payments.add_routes(app)
    routes_verified.add_routes(app)
    routes_card_payments.add_routes(app)


@operation("discovery")
async def discovery(request: web.Request, ctx: Ctx) -> web.Response:
    """Access root (access.md §11.1): the service links the Access SDKs follow, only to what this
    sandbox serves (issue 17 item 2). The Payments API has no discovery rel (the vendor's clients
    POST /api/payments directly), so none is advertised."""
    return render.json_response(render.discovery(render.base_url(request)), ctx.media)


@operation("lookupTokens")
async def tokens_root(request: web.Request, ctx: Ctx) -> web.Response:
    """`GET /tokens`: the tokens root, or lookup by `tokenId` and/or `namespace` (access.md §5.1).

    The vendor's shapes are unconfirmed; ours: `?tokenId=` (with or without `namespace`) answers
    the token resource or 404 `resourceNotFound`; `?namespace=` alone answers
    `{"_embedded": {"tokens": [token resource, ...]}, "_links": {...}}`, empty when none."""
    base = render.base_url(request)
    q = request.query
    token_id, namespace = q.get("tokenId"), q.get("namespace")
    if token_id is None and namespace is None:
        return render.json_response(render.tokens_root(base), ctx.media)
    if (token_id is not None and not _TOKEN_ID.match(token_id)) or (
        namespace is not None and not _NAMESPACE.match(namespace)
    ):
        raise AccessError(400, "urlContainsInvalidValue", "The URL contains a value or values that are invalid")
    if token_id is not None:
        view = ops.find_token(ctx.scope, token_id, namespace, ctx.unmasked, ctx.may_detokenize)
        return render.json_response(render.token_body(base, view), ctx.media)
    views = ops.namespace_tokens(ctx.scope, namespace, ctx.unmasked, ctx.may_detokenize)
    return render.json_response(render.namespace_body(base, namespace, views), ctx.media)


@operation("createToken", has_body=True)
async def create(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /tokens` (seed 002 "Create a new token", access.md §4): 201 / 200 / 409."""
    doc = parse.load_json(await read_body(request))
    now, policy = ctx.scope.now(), ctx.scope.policy
    req = parse.create_request(doc, ctx.version, now, policy.max_expiry(now))
    view = ops.create_token(ctx.scope, req)
    body = render.token_resource(render.base_url(request), view)
    href = body["tokenPaymentInstrument"]["href"]
    return render.json_response(body, ctx.media, _STATUS[view.outcome], headers={"Location": href})


def _opaque(request: web.Request) -> str:
    ref = request.match_info["opaque"]
    if ref == "network":  # /tokens/network takes POST only
        raise AccessError(405, "methodNotAllowed", "Requested method is not allowed", headers={"Allow": "POST"})
    return ref


@operation("getToken")
async def get_token(request: web.Request, ctx: Ctx) -> web.Response:
    """`GET` the token link (seed 002 "Retrieve the detail for this token") or the conflicts link
    (token + `conflicts`; 404 once they expired, access.md §4.4)."""
    view = ops.get_token(ctx.scope, _opaque(request), ctx.unmasked, ctx.may_detokenize)
    base = render.base_url(request)
    if view.conflicts is not None:
        return render.json_response(render.token_resource(base, view), ctx.media)
    return render.json_response(render.token_body(base, view), ctx.media)


@operation("updateToken", has_body=True)
async def put_token(request: web.Request, ctx: Ctx) -> web.Response:
    """`PUT` a per-field link (one attribute, access.md §3.3/§6) or the conflicts link (applies
    every held conflicting value, §4.4) -> 204 without a body."""
    raw = await read_body(request)
    ops.update_token(ctx.scope, _opaque(request), lambda field: parse.update_value(field, parse.load_json(raw)))
    return web.Response(status=204)


@operation("deleteToken")
async def delete_token(request: web.Request, ctx: Ctx) -> web.Response:
    """`DELETE` the token link -> 204; afterwards every link is 404 (access.md §7)."""
    ops.delete_token(ctx.scope, _opaque(request))
    return web.Response(status=204)
