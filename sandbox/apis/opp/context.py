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
from ...core.opp.checkouts import CheckoutGone
from ...core.opp.registrations import RegistrationError
from ...core.tenants import TenantId
from ...web.body import read_body, set_context
from . import form
from .errors import OppFailure, failure_response
from .parse import Params, entity

WWW_AUTHENTICATE = ('Bearer realm="OPP", error="invalid_token", '
                    'error_description="Invalid Authorization header!"')
NO_SESSION_CODE = "200.300.404"


@dataclass(slots=True)
class Ctx:
    core: Core
    params: Params
    entity: str
    tid: TenantId
    now: float

    @property
    def tenant(self):
        """The tenant for reads (None when it has never written anything)."""
        return self.core.store.peek(self.tid)

    def writable(self):
        """The tenant for a write: call only once the request is known to succeed."""
        return self.core.store.write(self.tid)

    def new_id(self) -> str:
        return self.core.store.ids.opp_id()

    def ndc(self) -> str:
        return f"{self.entity}_{self.core.store.ids.hex(32)}"


def _auth_failure() -> OppFailure:
    return OppFailure("800.900.300", 401, headers={"WWW-Authenticate": WWW_AUTHENTICATE})


async def params_of(request: web.Request, with_body: bool) -> Params:
    errors: list[dict] = []
    raw_query = request.rel_url.raw_query_string.encode("utf-8", "surrogateescape")
    query = form.decode(raw_query, errors, "query string")
    body = form.decode(await read_body(request), errors, "body") if with_body else {}
    return Params(form.merge(query, body, errors), errors)


async def open_request(request: web.Request, operation: str, with_body: bool) -> Ctx:
    core: Core = request.app["core"]
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not bearer:
        raise _auth_failure()
    params = await params_of(request, with_body)
    ent = entity(params)
    if params.errors:
        raise OppFailure("200.300.404", errors=params.errors)
    if not core.credentials.opp(bearer, ent):
        raise _auth_failure()
    tid = TenantId.of("opp", ent)
    if tid is None:
        raise _auth_failure()
    set_context(request, tenant=tid, operation=operation)
    return Ctx(core, params, ent, tid, core.store.now(tid))


def opp_handler(operation: str, with_body: bool = True, authenticated: bool = True):
    """Wrap a handler `(request, ctx) -> Response`: every failure becomes the OPP envelope.

    `authenticated=False` is for the shopper-facing widget calls (checkout id is the credential);
    those handlers get `ctx=None` and open their own context.
    """

    def wrap(fn):
        @functools.wraps(fn)
        async def handler(request: web.Request) -> web.StreamResponse:
            core: Core = request.app["core"]
            ctx = None
            try:
                if authenticated:
                    ctx = await open_request(request, operation, with_body)
                return await fn(request, ctx)
            except (OppFailure, RegistrationError, CheckoutGone) as e:
                failure = _as_failure(e)
                tid = request.get("tenant")
                now = core.store.now(tid)
                ent = tid.name if tid else None
                ndc = f"{ent}_{core.store.ids.hex(32)}" if ent else core.store.ids.hex(32)
                resp = failure_response(failure, ndc, now)
                if not authenticated:  # the widget runs on the merchant's page, another origin
                    resp.headers["Access-Control-Allow-Origin"] = "*"
                return resp

        return handler

    return wrap


def _as_failure(e: Exception) -> OppFailure:
    if isinstance(e, OppFailure):
        return e
    if isinstance(e, RegistrationError):
        return OppFailure(e.code)
    from ...core.opp.checkouts import NO_SESSION

    return OppFailure(NO_SESSION_CODE, description=NO_SESSION)
