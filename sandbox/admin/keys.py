"""paymentService token settings in the control plane:
`PUT|DELETE /_sandbox/tenants/{tenant}/keys`: a merchant's RSA public key for detokenisation
(DESIGN §4.3; seed 003 "Detokenise"), stored in the tenant's state (`data.keys`), and
`PUT /_sandbox/tenants/{tenant}/tokens/{tokenId}/account-updater`: what the next token inquiry's
Account Updater reports for that token (wpg.md §4.10, §11.6)."""

from __future__ import annotations

from aiohttp import web

from ..core.errors import TokenNotFound
from ..core.wpg import account_updater, token_service
from ..core.wpg.detokenise import DEFAULT_PADDING, PADDINGS, InvalidKey
from ..core.wpg.env import Env
from .errors import AdminError, json_response
from .http import core_of, guarded, json_body, tenant_in_path
from .openapi import op, register, tenant_path

routes = web.RouteTableDef()
PATH = "/_sandbox/tenants/{tenant}/keys"

_PARAM = tenant_path()
register(PATH,
         put=op("Register the merchant's RSA-2048 public key used to encrypt detokenised PANs", params=_PARAM,
                body={"type": "object", "required": ["public_key"],
                      "properties": {"public_key": {"type": "string", "description": "PEM SubjectPublicKeyInfo"},
                                     "padding": {"type": "string", "enum": list(PADDINGS),
                                                 "default": DEFAULT_PADDING}}}),
         delete=op("Remove the registered key (detokenisation then fails)", params=_PARAM))


@routes.put(PATH)
@guarded
async def put_key(request: web.Request) -> web.Response:
    tid = tenant_in_path(request)
    body = await json_body(request, allowed={"public_key", "padding"})
    pem = body.get("public_key")
    if not isinstance(pem, str) or not pem.strip():
        raise AdminError(400, "public_key: a PEM public key string is required")
    try:
        key = token_service.set_key(Env(core_of(request), tid), pem, body.get("padding") or DEFAULT_PADDING)
    except InvalidKey as e:
        raise AdminError(400, str(e)) from None
    return json_response({"tenant": tid, "padding": key["padding"], "bits": 2048})


@routes.delete(PATH)
@guarded
async def delete_key(request: web.Request) -> web.Response:
    tid = tenant_in_path(request)
    removed = token_service.remove_key(Env(core_of(request), tid))
    return json_response({"tenant": tid, "removed": removed})


AU_PATH = "/_sandbox/tenants/{tenant}/tokens/{tokenId}/account-updater"
register(AU_PATH, put=op(
    "Schedule the Account Updater outcome the next inquiry of this paymentService token reports "
    "(body {\"accountUpdater\": null} removes it)",
    params=tenant_path("paymentService tenant id, e.g. `wpg:MYMERCHANT`")
    + [{"name": "tokenId", "in": "path", "required": True, "schema": {"type": "string"}}],
    body={"type": "object", "required": ["accountUpdater"], "properties": {"accountUpdater": {
        "type": ["object", "null"], "properties": {"newPan": {"type": "string"}, "newExpiry": {"type": "string"},
                                                   "closed": {"type": "boolean"},
                                                   "cancelledRecurring": {"type": "boolean"}}}}}))


@routes.put(AU_PATH)
@guarded
async def put_account_updater(request: web.Request) -> web.Response:
    tid = tenant_in_path(request, "wpg")
    body = await json_body(request, allowed={"accountUpdater"})
    if "accountUpdater" not in body:
        raise AdminError(400, "accountUpdater is required (null removes it)")
    try:
        token = account_updater.schedule(core_of(request).store, tid, request.match_info["tokenId"],
                                         body["accountUpdater"])
    except TokenNotFound:
        raise AdminError(404, f"no token {request.match_info['tokenId']!r} in {tid}") from None
    except ValueError as e:
        raise AdminError(400, str(e)) from None
    return json_response({"tenant": tid, "tokenId": token.id, "accountUpdater": token.meta.get("accountUpdater")})


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
