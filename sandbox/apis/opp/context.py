"""Per-request OPP context: credentials, decoded parameters, entity -> tenant (opp.md §2-§3).

Order of checks: the parameters are decoded (body for POST plus the query string, which Peach's
client and the legacy PAY.ON wrapper also use); the credential is the Bearer token, else the
deprecated `authentication.userId` + `authentication.password` pair, which OPP's migration rule
turns into the token base64(userId|password); no credential is 401 `800.900.300` with
`WWW-Authenticate`. In permissive mode a magic Bearer `OPP-AUTH-<code>` answers that
authentication code (core/opp/auth.py). Then `entityId` (or legacy `authentication.entityId`,
AN32) is required, and the credentials must accept that token for that entity, else 401
`800.900.300`. The credential names the merchant (core/opp/merchant.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from aiohttp import web

from ...core import Core
from ...core.credentials import legacy_bearer
from ...core.opp import auth
from ...core.opp.merchant import join
from ...core.opp.scope import Scope
from ...core.tenants import TenantId
from ...web.body import read_body, set_context
from .errors import CORS_FAILURE, DOMAIN_ERRORS, as_failure, auth_failure, failure_response
from .form import decode, merge
from .parse import Params, entity, raise_errors


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


def credential(request: web.Request, params: Params) -> str:
    """The Bearer token, or the one the legacy userId/password pair stands for (opp.md §3)."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    user, password = params.get("authentication.userId"), params.get("authentication.password")
    if user is None and password is None:
        return ""
    if user is None or password is None:
        raise auth_failure("100.300.600" if user is None else "100.300.601", 403)
    return legacy_bearer(user, password)


async def open_request(request: web.Request, operation: str, with_body: bool) -> Ctx:
    core: Core = request.app["core"]
    params = await params_of(request, with_body)
    bearer = credential(request, params)
    if not bearer:
        raise auth_failure()
    magic = None if core.credentials.strict else auth.magic_failure(bearer)
    if magic is not None:
        raise auth_failure(*magic)
    ent = entity(params)
    raise_errors(params)
    if not core.credentials.opp(bearer, ent):
        raise auth_failure()
    tid = TenantId.of("opp", ent)
    if tid is None:
        raise auth_failure()
    set_context(request, tenant=tid, operation=operation)
    merchant, entities = core.credentials.opp_merchant(bearer)
    ctx = Ctx(core, tid, ent, core.store.now(tid), merchant, entities, params)
    join(ctx)
    return ctx


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
