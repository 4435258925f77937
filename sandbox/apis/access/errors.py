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
    408: "requestTimeout",  # not in the vendor's vocabulary (access.md §10.2 has no timeout); named plainly
    413: "bodyIsTooLarge",
    415: "headerHasInvalidValue",
    429: "apiRateLimitExceeded",
    500: "internalErrorOccurred",
    503: "serviceUnavailable",
}

# Documented messages (access.md §10.2), used wherever the condition is the documented one.
ACCESS_DENIED = "Access to the requested resource has been denied"
NOT_FOUND = "Requested resource was not found"
SCHEMA = "The json body provided does not match the expected schema"


class AccessError(Exception):
    """Raised anywhere in the adapter; the route wrapper renders it with `error_response`."""

    def __init__(self, status: int, name: str, message: str, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message
        self.extra = extra


def not_found() -> AccessError:
    return AccessError(404, "resourceNotFound", NOT_FOUND)


def invalid(violations: list[dict]) -> AccessError:
    """400 bodyDoesNotMatchSchema listing every violation ({errorName, message, jsonPath})."""
    return AccessError(400, "bodyDoesNotMatchSchema", SCHEMA, validationErrors=violations)


def error_response(status: int, name: str, message: str, **extra) -> web.Response:
    body = {"errorName": name, "message": message, **extra}
    return web.Response(status=status, body=json.dumps(body).encode(), content_type=MEDIA_TYPE)


def transport_error(request: web.Request, status: int, message: str) -> web.Response:
    if status == 404:
        message = "Requested endpoint was not found."
    elif status == 405:
        message = "Requested method is not allowed"
    return error_response(status, _NAMES.get(status, "internalErrorOccurred"), message)
