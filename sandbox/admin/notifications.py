"""Order notifications in the control plane (DESIGN §4.3; wpg.md §6):
`PUT|GET /_sandbox/tenants/{tenant}/notifications` configures a merchant's endpoint and events,
`GET /_sandbox/notifications[?tenant=T]` lists the outbox, and
`POST /_sandbox/notifications/{id}/redeliver` sends one again now."""

from __future__ import annotations

from aiohttp import web

from ..core.wpg import notifications
from .errors import AdminError, json_response
from .http import core_of, guarded, json_body, tenant_in_path, tenant_param
from .openapi import op, register, tenant_path

routes = web.RouteTableDef()
CONFIG = "/_sandbox/tenants/{tenant}/notifications"

_PARAM = tenant_path("paymentService tenant id, e.g. `wpg:MYMERCHANT`")
register(CONFIG,
         put=op("Set the merchant's notification URL and events (body {\"url\": null} removes it)", params=_PARAM,
                body={"type": "object", "properties": {
                    "url": {"type": ["string", "null"]},
                    "events": {"type": "array", "items": {"type": "string", "enum": list(notifications.EVENTS)},
                               "default": list(notifications.DEFAULT_EVENTS)}}}),
         get=op("The merchant's notification configuration", params=_PARAM))
register("/_sandbox/notifications", get=op("The notification outbox (newest last)", tenant=True))
register("/_sandbox/notifications/{id}/redeliver",
         post=op("Send a notification again now", params=[{"name": "id", "in": "path", "required": True,
                                                          "schema": {"type": "string"}}]))


def _view(note: dict) -> dict:
    return {k: note[k] for k in ("id", "tenant", "orderCode", "event", "url", "status", "createdAt",
                                 "nextAttemptAt", "attempts", "body")}


@routes.put(CONFIG)
@guarded
async def put_config(request: web.Request) -> web.Response:
    tid = tenant_in_path(request, "wpg")
    body = await json_body(request, allowed={"url", "events"})
    if "url" not in body:
        raise AdminError(400, "url is required (null removes the configuration)")
    try:
        config = notifications.configure(core_of(request).store, tid, body["url"], body.get("events"))
    except notifications.NotificationConfigError as e:
        raise AdminError(400, str(e)) from None
    return json_response({"tenant": tid, **config})


@routes.get(CONFIG)
@guarded
async def get_config(request: web.Request) -> web.Response:
    tid = tenant_in_path(request, "wpg")
    return json_response({"tenant": tid, **(notifications.config_of(core_of(request).store.peek(tid)) or {})})


@routes.get("/_sandbox/notifications")
@guarded
async def list_notifications(request: web.Request) -> web.Response:
    tid = tenant_param(request)
    store = core_of(request).store
    tids = [tid] if tid else sorted(t for t in store.tenants if t.api == "wpg")
    notes = [_view(n) for t in tids for n in notifications.outbox(store.peek(t))]
    return json_response({"notifications": notes})


@routes.post("/_sandbox/notifications/{id}/redeliver")
@guarded
async def redeliver(request: web.Request) -> web.Response:
    note = notifications.redeliver(core_of(request).store, request.match_info["id"])
    if note is None:
        raise AdminError(404, f"no notification {request.match_info['id']!r}")
    return json_response(_view(note))


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
