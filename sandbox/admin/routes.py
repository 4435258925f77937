"""Control-plane basics: health, reset, state, journal, clock, cards, openapi.json."""

from __future__ import annotations

import hmac
import json
import time

from aiohttp import web

from .. import __version__
from ..core import Core
from ..core.clock import Clock, in_range, iso, parse_duration, parse_iso
from ..core.errors import SnapshotError
from ..core.store import APIS
from ..core.tenants import TenantId
from ..web.body import read_body
from .errors import AdminError, admin_error, json_response
from .openapi import document, op, register

routes = web.RouteTableDef()


def core_of(request: web.Request) -> Core:
    return request.app["core"]


def tenant_param(request: web.Request, required: bool = False) -> TenantId | None:
    tid = request.query.get("tenant")
    if tid is None or tid == "":
        if required:
            raise AdminError(400, "query parameter 'tenant' is required")
        return None
    parsed = TenantId.parse(tid)
    if parsed is None:
        raise AdminError(400, f"tenant {tid!r} is not a tenant id: expected <access|opp|wpg>:<name>")
    return parsed


async def json_body(request: web.Request, expect: type = dict, allowed: set[str] | None = None):
    """The JSON body; with `allowed`, an object whose every field is one of those.

    Only `application/json` (or `+json`): text/plain, forms and multipart are what a page on any
    other origin can send without a CORS preflight, so accepting them let any web page install
    fault rules or restore state (issue 14 §5). A missing Content-Type is refused for the same reason.
    """
    ctype = request.content_type if "Content-Type" in request.headers else ""
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise AdminError(415, f"Content-Type {ctype or 'missing'!r}: send the JSON body as application/json "
                              "(e.g. curl -H 'Content-Type: application/json')")
    raw = await read_body(request)
    if not raw.strip():
        raise AdminError(400, "a JSON body is required")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise AdminError(400, f"body is not valid JSON: {e}") from None
    except RecursionError:  # e.g. 10,000 nested arrays: refuse instead of answering 500
        raise AdminError(400, "body is nested too deeply") from None
    if not isinstance(value, expect):
        raise AdminError(400, f"body must be a JSON {expect.__name__.replace('dict', 'object')}")
    if allowed is not None:
        unknown = set(value) - allowed
        if unknown:
            raise AdminError(400, f"unknown field {sorted(unknown)[0]!r} (use {', '.join(sorted(allowed))})")
    return value


def tenant_in_path(request: web.Request, api: str | None = None) -> TenantId:
    """The `{tenant}` path segment, a tenant id (of `api` when given)."""
    tid = request.match_info["tenant"]
    parsed = TenantId.parse(tid)
    if parsed is None or (api is not None and parsed.api != api):
        want = f"{api}:<name>" if api else "<access|opp|wpg>:<name>"
        raise AdminError(400, f"tenant {tid!r} is not a tenant id: expected {want}")
    return parsed


def guarded(handler):
    """Admin errors as JSON; `--admin-token` checked on every control-plane route but health."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        token = request.app["config"].admin_token
        if token and handler.__name__ != "health":
            sent = request.headers.get("X-Admin-Token") or _bearer(request.headers.get("Authorization", ""))
            # Compared as UTF-8 bytes: compare_digest raises TypeError on non-ASCII str (a 500).
            if not sent or not hmac.compare_digest(sent.encode("utf-8", "surrogateescape"),
                                                   token.encode("utf-8", "surrogateescape")):
                return admin_error(request, 401, "the control plane needs the admin token "
                                                 "(header 'Authorization: Bearer <token>' or 'X-Admin-Token')")
        try:
            return await handler(request)
        except AdminError as e:
            return admin_error(request, e.status, e.message)

    wrapper.__name__ = handler.__name__
    return wrapper


def _bearer(value: str) -> str | None:
    return value[7:].strip() if value[:7].lower() == "bearer " else None


# -- health ------------------------------------------------------------------------------------
register("/_sandbox/health", get=op("Liveness and readiness", responses={"200": {"description": "ready"}}))


@routes.get("/_sandbox/health")
@guarded
async def health(request: web.Request) -> web.Response:
    core = core_of(request)
    return json_response({
        "status": "ok",
        "version": __version__,
        "mode": core.mode,
        "apis": list(APIS),
        "tenants": len(core.store.tenants),
        "uptimeSeconds": round(time.monotonic() - request.app["started"], 3),
    })


# -- reset -------------------------------------------------------------------------------------
register("/_sandbox/reset", post=op("Everything, or one tenant, back to the loaded fixtures", tenant=True))


@routes.post("/_sandbox/reset")
@guarded
async def reset(request: web.Request) -> web.Response:
    tid = tenant_param(request)
    store = core_of(request).store
    store.reset(tid)
    if tid is None:
        core_of(request).reset_config()
        request.app["faults"].reset()
    return json_response({"reset": tid or "all", "tenants": len(store.tenants)})


# -- state -------------------------------------------------------------------------------------
register(
    "/_sandbox/state",
    get=op("Readable JSON snapshot of all state, or one tenant's", tenant=True),
    put=op("Restore a snapshot (replaces all state)",
           body={"type": "object", "required": ["version", "tenants"],
                 "properties": {"version": {"type": "integer", "enum": [1]}, "tenants": {"type": "object"}}}),
)


@routes.get("/_sandbox/state")
@guarded
async def get_state(request: web.Request) -> web.Response:
    return json_response(core_of(request).store.snapshot(tenant_param(request)))


@routes.put("/_sandbox/state")
@guarded
async def put_state(request: web.Request) -> web.Response:
    snap = await json_body(request)
    store = core_of(request).store
    try:
        store.restore(snap)
    except SnapshotError as e:
        raise AdminError(400, f"snapshot rejected: {e}") from None
    return json_response({"restored": True, "tenants": len(store.tenants)})


# -- journal -----------------------------------------------------------------------------------
register(
    "/_sandbox/journal",
    get=op("Recent exchanges and domain events (card numbers masked)", tenant=True, params=[
        {"name": "api", "in": "query", "schema": {"type": "string", "enum": [*APIS, "admin"]}},
        {"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    ]),
    delete=op("Empty the journal"),
)


@routes.get("/_sandbox/journal")
@guarded
async def get_journal(request: web.Request) -> web.Response:
    tid = tenant_param(request)
    api = request.query.get("api") or None
    if api is not None and api not in (*APIS, "admin"):
        raise AdminError(400, f"api {api!r} is not one of access, opp, wpg, admin")
    since_raw = request.query.get("since", "0")
    if not (since_raw.isascii() and since_raw.isdigit() and len(since_raw) <= 18):  # "²", 5,000 digits
        raise AdminError(400, f"since {since_raw!r} is not a non-negative integer")
    journal = core_of(request).journal
    return json_response({"size": journal.size, "entries": journal.entries(tid, api, int(since_raw))})


@routes.delete("/_sandbox/journal")
@guarded
async def delete_journal(request: web.Request) -> web.Response:
    core_of(request).journal.clear()
    return json_response({"cleared": True})


# -- clock -------------------------------------------------------------------------------------
_CLOCK_BODY = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "set": {"type": "string", "format": "date-time"},
        "advance": {"type": "string", "description": "ISO 8601 duration, e.g. P30D, PT1H, P14M"},
        "freeze": {"type": "boolean"},
        "reset": {"type": "boolean", "description": "back to wall time (a tenant follows the global clock again)"},
    },
}
register("/_sandbox/clock", get=op("Read the virtual clock", tenant=True),
         post=op("Set, advance, freeze or reset the virtual clock", tenant=True, body=_CLOCK_BODY))


def clock_view(clock: Clock, tid: str | None) -> dict:
    return {"now": iso(clock.now()), "frozen": clock.frozen, "tenant": tid}


@routes.get("/_sandbox/clock")
@guarded
async def get_clock(request: web.Request) -> web.Response:
    tid = tenant_param(request)
    return json_response(clock_view(core_of(request).store.clock_for(tid), tid))


@routes.post("/_sandbox/clock")
@guarded
async def post_clock(request: web.Request) -> web.Response:
    tid = tenant_param(request)
    body = await json_body(request, allowed={"set", "advance", "freeze", "reset"})
    store = core_of(request).store
    # Validate everything before changing anything.
    when = None
    if "set" in body:
        try:
            when = parse_iso(body["set"])
        except (ValueError, TypeError, OverflowError):
            raise AdminError(400, f"set: {body['set']!r} is not an ISO 8601 date-time with Z or an offset") from None
    seconds = None
    if "advance" in body:
        base = when if when is not None else store.clock_for(tid).now()
        try:
            seconds = parse_duration(body["advance"], base)
        except (ValueError, TypeError, OverflowError):
            raise AdminError(400, f"advance: {body['advance']!r} is not an ISO 8601 duration like P30D") from None
        if not in_range(base + seconds):
            raise AdminError(400, f"advance: {body['advance']!r} leaves the years 1970 to 9999")
    if when is not None and not in_range(when):
        raise AdminError(400, f"set: {body['set']!r} is outside the years 1970 to 9999")
    for flag in ("freeze", "reset"):
        if flag in body and not isinstance(body[flag], bool):
            raise AdminError(400, f"{flag}: expected true or false")

    if tid is None:
        if body.get("reset"):
            store.clock = Clock()
        clock = store.clock
        store.touch()
    else:
        tenant = store.write(tid)
        if body.get("reset"):
            tenant.clock = None
        if tenant.clock is None and set(body) - {"reset"}:
            tenant.clock = Clock(start=store.clock.now(), frozen=store.clock.frozen)
        clock = tenant.clock or store.clock
    if when is not None:
        clock.set(when)
    if seconds is not None:
        clock.advance(seconds)
    if "freeze" in body:
        clock.freeze(body["freeze"])
    return json_response(clock_view(clock, tid))


# -- cards -------------------------------------------------------------------------------------
register("/_sandbox/cards", get=op("The magic-value catalogue in force (BIN table and per-API test values)"))


@routes.get("/_sandbox/cards")
@guarded
async def cards(request: web.Request) -> web.Response:
    return json_response(core_of(request).catalogue.to_dict())


# -- openapi -----------------------------------------------------------------------------------
register("/_sandbox/openapi.json", get=op("This document"))


@routes.get("/_sandbox/openapi.json")
@guarded
async def openapi(request: web.Request) -> web.Response:
    return json_response(document())


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    from . import dashboard  # issue 7: the HTML dashboard at /_sandbox/

    dashboard.setup(app)
    from . import faults, fixtures  # scenario control (issue 6): imported here, they import this module

    faults.setup(app)
    fixtures.setup(app)
    from . import keys, notifications  # paymentService (issue 5): detokenisation keys, notifications

    keys.setup(app)
    notifications.setup(app)
