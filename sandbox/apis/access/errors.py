"""The one place that builds Access error bodies: `{"errorName", "message", ...}` (access.md §10)."""

from __future__ import annotations

import json

from aiohttp import web

MEDIA_TYPE = "application/vnd.worldpay.tokens-v3.hal+json"

# Transport-level statuses and their documented top-level names (access.md §10.2).
_NAMES = {
    400: "bodyDoesNotMatchSchema",
    401: "accessDenied",
    403: "accessDenied",
    404: "endpointNotFound",
    405: "methodNotAllowed",
    406: "headerHasInvalidValue",
    413: "bodyIsTooLarge",
    415: "headerHasInvalidValue",
    429: "apiRateLimitExceeded",
    500: "internalErrorOccurred",
    503: "serviceUnavailable",
}


def error_response(status: int, name: str, message: str, **extra) -> web.Response:
    body = {"errorName": name, "message": message, **extra}
    return web.Response(status=status, body=json.dumps(body).encode(), content_type=MEDIA_TYPE)


def transport_error(request: web.Request, status: int, message: str) -> web.Response:
    return error_response(status, _NAMES.get(status, "internalErrorOccurred"), message)
