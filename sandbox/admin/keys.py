"""`PUT|DELETE /_sandbox/tenants/{tenant}/keys`: a merchant's RSA public key for detokenisation
(DESIGN §4.3; seed 003 "Detokenise"). Stored in the tenant's state (`data.keys`)."""

from __future__ import annotations

from aiohttp import web

from ..core.wpg import token_service
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


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
