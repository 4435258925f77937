"""Control-plane basics: health, reset, state, journal, clock, cards, openapi.json."""

from __future__ import annotations

import time

from aiohttp import web

from .. import __version__
from ..core.clock import Clock, in_range, iso, parse_duration, parse_iso
from ..core.errors import SnapshotError
from ..core.store import APIS
from .errors import AdminError, json_response
from .http import core_of, guarded, json_body, tenant_param
from .openapi import document, op, register

routes = web.RouteTableDef()


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
        "options": core.options.to_dict(),  # every option in force (docs/options.md)
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
