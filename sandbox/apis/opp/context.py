"""Per-request OPP context: Bearer auth, decoded parameters, entity -> tenant (opp.md §2-§3).

Order of checks: a missing Bearer token is 401 before anything else; then the parameters are
decoded (body for POST plus the query string, which Peach's client also uses on POSTs); then
`entityId` (or legacy `authentication.entityId`) is required; then the credentials must accept
that token for that entity, else 401 `800.900.300` with `WWW-Authenticate`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from aiohttp import web

from ...core import Core
from ...core.opp.scope import Scope
from ...core.tenants import TenantId
from ...web.body import read_body, set_context
from .errors import CORS_FAILURE, DOMAIN_ERRORS, as_failure, auth_failure, failure_response
from .parse import Params, decode, entity, merge, raise_errors


@dataclass(slots=True)
class Ctx(Scope):
    """The request's scope (core, tenant, entity, now) plus its decoded parameters."""

    params: Params | None = None

    def ndc(self) -> str:
        return f"{self.entity}_{self.core.store.ids.hex(32)}"


async def params_of(request: web.Request, with_body: bool) -> Params:
    errors: list[dict] = []
    raw_query = request.rel_url.raw_query_string.encode("utf-8", "surrogateescape")
    query = decode(raw_query, errors, "query string")
    body = decode(await read_body(request), errors, "body") if with_body else {}
    return Params(merge(query, body, errors), errors)


async def open_request(request: web.Request, operation: str, with_body: bool) -> Ctx:
    core: Core = request.app["core"]
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not bearer:
        raise auth_failure()
    params = await params_of(request, with_body)
    ent = entity(params)
    raise_errors(params)
    if not core.credentials.opp(bearer, ent):
        raise auth_failure()
    tid = TenantId.of("opp", ent)
    if tid is None:
        raise auth_failure()
    set_context(request, tenant=tid, operation=operation)
    return Ctx(core, tid, ent, core.store.now(tid), params)


def base_url(request: web.Request) -> str:
    """Links use the host the client called (DESIGN §4.2)."""
    return f"{request.scheme}://{request.host}"


def opp_handler(operation: str, with_body: bool = True, authenticated: bool = True):
    """Wrap a handler `(request, ctx) -> Response`: every failure becomes the OPP envelope.

    `authenticated=False` is for the shopper-facing widget calls (checkout id is the credential);
    those handlers get `ctx=None` and open their own context.
    """

    def wrap(fn):
        @functools.wraps(fn)
        async def handler(request: web.Request) -> web.StreamResponse:
            core: Core = request.app["core"]
            try:
                ctx = await open_request(request, operation, with_body) if authenticated else None
                return await fn(request, ctx)
            except DOMAIN_ERRORS as e:
                tid = request.get("tenant")
                ent = tid.name if tid else None
                ndc = f"{ent}_{core.store.ids.hex(32)}" if ent else core.store.ids.hex(32)
                resp = failure_response(as_failure(e, core.options), ndc, core.store.now(tid))
                if not authenticated:  # the widget runs on the merchant's page, another origin
                    resp.headers.update(CORS_FAILURE)
                return resp

        return handler

    return wrap
