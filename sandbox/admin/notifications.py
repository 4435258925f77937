"""Order notifications in the control plane (DESIGN §4.3; wpg.md §6, §11.5):
`PUT|GET /_sandbox/tenants/{tenant}/notifications` configures a merchant's endpoint and events,
`GET /_sandbox/notifications[?tenant=T]` lists the outbox,
`POST /_sandbox/notifications/{id}/redeliver` sends one again now, and
`POST /_sandbox/tenants/{tenant}/orders/{orderCode}/events` makes a later status happen now
(CHARGED_BACK, REFUND_FAILED, SETTLED ...: core/wpg/lifecycle.py)."""

from __future__ import annotations

from aiohttp import web

from ..core.wpg import lifecycle, notifications, orders
from ..core.wpg.env import Env
from ..core.wpg.errors import OrderError
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


EVENTS_PATH = "/_sandbox/tenants/{tenant}/orders/{orderCode}/events"
register(EVENTS_PATH, post=op(
    "Make a later order status happen now, with its notification (wpg.md §11.5)",
    params=_PARAM + [{"name": "orderCode", "in": "path", "required": True, "schema": {"type": "string"}}],
    body={"type": "object", "required": ["event"],
          "properties": {"event": {"type": "string", "enum": list(lifecycle.TRIGGERS)},
                         "after": {"type": "string", "description": "ISO 8601 duration of virtual time, "
                                                                     "e.g. P30D (default: now)"}}}))


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


@routes.post(EVENTS_PATH)
@guarded
async def order_event(request: web.Request) -> web.Response:
    tid = tenant_in_path(request, "wpg")
    body = await json_body(request, allowed={"event", "after"})
    event, after = body.get("event"), body.get("after")
    if not isinstance(event, str):
        raise AdminError(400, f"event is required: one of {', '.join(lifecycle.TRIGGERS)}")
    if after is not None and not isinstance(after, str):
        raise AdminError(400, "after: an ISO 8601 duration such as P30D")
    try:
        p, at = lifecycle.trigger(Env(core_of(request), tid), request.match_info["orderCode"], event, after)
    except OrderError as e:
        raise AdminError(404 if e.text.startswith("Could not find") else 400, e.text) from None
    if at is not None:
        return json_response({"tenant": tid, "orderCode": p.id, "event": event, "at": at})
    return json_response({"tenant": tid, "orderCode": p.id, "lastEvent": orders.last_event(p)})


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
