"""Access Tokens v3 routes: discovery, create, inquiry, per-field updates, conflicts, delete.

Network tokens live in network.py. Each handler: parse (nothing stored yet), call the core
(sandbox/core/access_tokens.py), render (render.py). Reads use Store.peek; the tenant is marked
changed only when something is written.
"""

from __future__ import annotations

import re

from aiohttp import web

from ...core.access import opaque, tokens
from ...core.tokens import Outcome
from ...web.body import read_body
from . import network, parse, render
from .context import Ctx, configure, operation
from .errors import ACCESS_DENIED, AccessError, not_found

_STATUS = {Outcome.NEW: 201, Outcome.MATCH: 200, Outcome.CONFLICT: 409}
_FIELD_ATTR = {  # link rel -> Token vocabulary used by core.access_tokens
    "description": "description",
    "cardHolderName": "holder",
    "cardExpiryDate": "expiry",
    "billingAddress": "address",
    "schemeTransactionReference": tokens.STR,
}
_TOKEN_ID = re.compile(r"^[0-9A-HJ-NP-Z]{15,21}$")
_NAMESPACE = re.compile(r"^[^_][^ &<]{0,63}$")


def setup(app: web.Application) -> None:
    configure(app)
    r = app.router
    r.add_get("/", discovery)
    r.add_get("/tokens", tokens_root)
    r.add_post("/tokens", create)
    network.add_routes(app)  # static /tokens/network... before the /tokens/{opaque} catch
    r.add_get("/tokens/{opaque}", get_token)
    r.add_put("/tokens/{opaque}", put_token)
    r.add_delete("/tokens/{opaque}", delete_token)


@operation("discovery")
async def discovery(request: web.Request, ctx: Ctx) -> web.Response:
    """Access root (access.md §11.1): the service links the Access Checkout SDKs follow."""
    base = render.base_url(request)
    links = {
        "payments:authorize": {"href": f"{base}/payments/authorizations"},
        "service:payments": {"href": f"{base}/payments"},
        "service:tokens": {"href": f"{base}/tokens"},
        "service:verifiedTokens": {"href": f"{base}/verifiedTokens"},
        "service:sessions": {"href": f"{base}/sessions"},
        "curies": [{"href": f"{base}/rels/payments/{{rel}}", "name": "payments", "templated": True}],
    }
    return render.json_response({"_links": links}, ctx.media)


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
        links = {
            "tokens:tokens": {"href": f"{base}/tokens"},
            "tokens:networkToken": {"href": f"{base}/tokens/network"},
            "curies": render.curies(base),
        }
        return render.json_response({"_links": links}, ctx.media)
    if (token_id is not None and not _TOKEN_ID.match(token_id)) or (
        namespace is not None and not _NAMESPACE.match(namespace)
    ):
        raise AccessError(400, "urlContainsInvalidValue", "The URL contains a value or values that are invalid")
    _check_detokenize(ctx)
    tenant = ctx.core.store.peek(ctx.tid)
    now = ctx.now()
    if token_id is not None:
        token = tokens.find(tenant.tokens if tenant else None, token_id, now)
        if namespace is not None and token.owner != namespace:
            raise not_found()
        _inquiry(ctx, token, now)
        return render.json_response(_body(ctx, base, tenant, token), ctx.media)
    found = tokens.of_namespace(tenant.tokens if tenant else None, namespace, now)
    body = {
        "_embedded": {"tokens": [_resource(ctx, base, tenant, t) for t in found]},
        "_links": {"self": {"href": f"{base}/tokens?namespace={namespace}"}, "curies": render.curies(base)},
    }
    return render.json_response(body, ctx.media)


@operation("createToken", has_body=True)
async def create(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /tokens` (seed 002 "Create a new token", access.md §4): 201 / 200 / 409."""
    doc = parse.load_json(await read_body(request))
    store, policy = ctx.core.store, ctx.policy
    now = ctx.now()
    req = parse.create_request(doc, ctx.version, now, policy.max_expiry(now))
    profile = ctx.core.catalogue.profile(req.card.pan)
    if profile.brand is None:
        raise AccessError(422, "unrecognizedCardBrand", "The card brand is not recognized")
    # Validate first, then act: an existing tenant is used as is (a 403 changes nothing); only a
    # first write creates it.
    tenant = store.peek(ctx.tid) or store.write(ctx.tid)
    outcome, token, _ = tokens.create(tenant.tokens, req, now, policy, store.ids.access_token_id)
    store.write(ctx.tid)
    base = render.base_url(request)
    held = tokens.pending_conflicts(token, now) if outcome is Outcome.CONFLICT else None
    body = render.token_resource(base, tenant.secret, token, profile, conflicts=held)
    href = body["tokenPaymentInstrument"]["href"]
    return render.json_response(body, ctx.media, _STATUS[outcome], headers={"Location": href})


def _locate(request: web.Request, ctx: Ctx):
    """(tenant, token, field) for `/tokens/{opaque}`, or 404 resourceNotFound."""
    if request.match_info["opaque"] == "network":  # /tokens/network takes POST only
        raise _method_not_allowed()
    tenant = ctx.core.store.peek(ctx.tid)
    if tenant is None:
        raise not_found()
    decoded = opaque.decode(tenant.secret, request.match_info["opaque"])
    if decoded is None:
        raise not_found()
    token_id, field = decoded
    return tenant, tokens.find(tenant.tokens, token_id, ctx.now()), field


def _method_not_allowed() -> AccessError:
    return AccessError(405, "methodNotAllowed", "Requested method is not allowed")


def _check_detokenize(ctx: Ctx) -> None:
    """`masked=false` needs detokenisation credentials; others get 403 (access.md §5, S13)."""
    if ctx.unmasked and not ctx.principal.detokenize:
        raise AccessError(403, "accessDenied", ACCESS_DENIED)


def _inquiry(ctx: Ctx, token, now: float) -> None:
    """An inquiry counts as use for the half-life extension; write only when it changes."""
    if tokens.needs_extension(token, now, ctx.policy):
        ctx.core.store.write(ctx.tid)
        tokens.use(token, now, ctx.policy)


def _resource(ctx: Ctx, base: str, tenant, token, conflicts: dict | None = None) -> dict:
    profile = ctx.core.catalogue.profile(token.pan)
    return render.token_resource(base, tenant.secret, token, profile, conflicts=conflicts,
                                 network_link=conflicts is None, full_pan=ctx.unmasked)


def _body(ctx: Ctx, base: str, tenant, token) -> bytes:
    """The token resource without conflicts, rendered (cached per token state, render.token_body)."""
    profile = ctx.core.catalogue.profile(token.pan)
    return render.token_body(base, tenant.secret, token, profile, network_link=True, full_pan=ctx.unmasked)


@operation("getToken")
async def get_token(request: web.Request, ctx: Ctx) -> web.Response:
    """`GET` the token link (seed 002 "Retrieve the detail for this token") or the conflicts link
    (token + `conflicts`; 404 once they expired, access.md §4.4)."""
    tenant, token, field = _locate(request, ctx)
    now = ctx.now()
    base = render.base_url(request)
    if field == "token":
        _check_detokenize(ctx)
        _inquiry(ctx, token, now)
        return render.json_response(_body(ctx, base, tenant, token), ctx.media)
    if field == "conflicts":
        held = tokens.pending_conflicts(token, now)
        if held is None:
            raise not_found()
        _check_detokenize(ctx)
        return render.json_response(_resource(ctx, base, tenant, token, held), ctx.media)
    raise _method_not_allowed()  # per-field links take PUT only


@operation("updateToken", has_body=True)
async def put_token(request: web.Request, ctx: Ctx) -> web.Response:
    """`PUT` a per-field link (one attribute, access.md §3.3/§6) or the conflicts link (applies
    every held conflicting value, §4.4) -> 204 without a body."""
    tenant, token, field = _locate(request, ctx)
    now = ctx.now()
    if field == "token":
        raise _method_not_allowed()
    if field == "conflicts":
        if tokens.pending_conflicts(token, now) is None:
            raise not_found()
        tokens.check_update(token, now, ctx.policy)
        ctx.core.store.write(ctx.tid)
        tokens.resolve_conflicts(token, now, ctx.policy)
        return web.Response(status=204)
    value = parse.update_value(field, parse.load_json(await read_body(request)))
    tokens.check_update(token, now, ctx.policy)  # 429 before the tenant is marked changed
    ctx.core.store.write(ctx.tid)
    tokens.update(token, _FIELD_ATTR[field], value, now, ctx.policy)
    return web.Response(status=204)


@operation("deleteToken")
async def delete_token(request: web.Request, ctx: Ctx) -> web.Response:
    """`DELETE` the token link -> 204; afterwards every link is 404 (access.md §7)."""
    tenant, token, field = _locate(request, ctx)
    if field != "token":
        raise _method_not_allowed()
    ctx.core.store.write(ctx.tid)
    tokens.delete(tenant.tokens, token)
    return web.Response(status=204)
