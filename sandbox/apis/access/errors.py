"""The one place that builds Access error bodies: `{"errorName", "message", ...}` (access.md §10),
and the one table from domain errors to the Access status and `errorName` (DOMAIN below)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ...core.access.errors import (
    DetokenizeDenied,
    LinkDoesNotOffer,
    NetworkCardExpired,
    NetworkTokensDisabled,
    NetworkTokenUnknown,
    UnrecognizedCardBrand,
)
from ...core.access.payments import (
    ActionNotOffered,
    AmountNotAvailable,
    DuplicateTransaction,
    IssuerError,
    PaymentNotFound,
    PaymentTokenUnknown,
)
from ...core.errors import DomainError, InvalidTransition, OwnerFull, TokenNotFound, UpdateLimitExceeded
from ...core.jsontext import dumps

MEDIA_TYPE = "application/vnd.worldpay.tokens-v3.hal+json"
PAYMENTS_MEDIA = "application/json"  # Payments API 2024-06-01 replies and errors
VT_MEDIA = "application/vnd.worldpay.verified-tokens-v3.hal+json"
V7_MEDIA = "application/vnd.worldpay.payments-v7+json"  # Card Payments v7

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
METHOD_NOT_ALLOWED = "Requested method is not allowed"


class AccessError(Exception):
    """Raised anywhere in the adapter; the route wrapper renders it with `error_response`."""

    def __init__(self, status: int, name: str, message: str, headers: dict | None = None, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message
        self.headers = headers
        self.extra = extra


def not_found() -> AccessError:
    return AccessError(404, "resourceNotFound", NOT_FOUND)


def invalid(violations: list[dict]) -> AccessError:
    """400 bodyDoesNotMatchSchema listing every violation ({errorName, message, jsonPath})."""
    return AccessError(400, "bodyDoesNotMatchSchema", SCHEMA, validationErrors=violations)


# Which methods each kind of token link serves (RFC 9110 §15.5.6: a 405 names them in Allow).
LINK_METHODS = {"token": "GET, DELETE", "conflicts": "GET, PUT"}
FIELD_LINK_METHODS = "PUT"


def method_not_allowed(allow: str) -> AccessError:
    return AccessError(405, "methodNotAllowed", METHOD_NOT_ALLOWED, headers={"Allow": allow})


def _unknown_network_token(e: NetworkTokenUnknown) -> AccessError:
    if e.operation == "cryptogram":
        return AccessError(400, "fieldHasInvalidValue", "Token number is not valid", jsonPath="$.tokenNumber")
    if e.operation == "delete":  # the spec's DELETE 404 (access.md §9)
        return AccessError(404, "networkProviderError", "Network Token Provider Error")
    return not_found()


# Payments API 2024-06-01 wording (vendor OpenAPI examples).
PAYMENTS_SCHEMA = "A JSON body matching the expected schema must be provided."
ENDPOINT_NOT_FOUND = "Requested endpoint was not found."


def _payment_invalid(json_path: str, message: str) -> AccessError:
    return AccessError(400, "bodyDoesNotMatchSchema", PAYMENTS_SCHEMA, validationErrors=[
        {"errorName": "fieldHasInvalidValue", "message": message, "jsonPath": json_path}])


# The one table: domain error -> the Access reply (status, errorName, message[, extras]).
DOMAIN: dict[type[DomainError], Callable[[DomainError], AccessError]] = {
    TokenNotFound: lambda e: not_found(),
    OwnerFull: lambda e: AccessError(403, "tooManyTokensForNamespace", "Too many tokens created for this namespace"),
    UpdateLimitExceeded: lambda e: AccessError(
        429, "maximumUpdatesExceeded", "Maximum number of updates for this token exceeded"),
    UnrecognizedCardBrand: lambda e: AccessError(422, "unrecognizedCardBrand", "The card brand is not recognized"),
    DetokenizeDenied: lambda e: AccessError(403, "accessDenied", ACCESS_DENIED),
    LinkDoesNotOffer: lambda e: method_not_allowed(LINK_METHODS.get(e.field, FIELD_LINK_METHODS)),
    # The Tokens OpenAPI names this 403 per operation: accessDenied on POST /tokens/network (our
    # choice for lookup and cryptograms too, undocumented there), nptConfigurationError on DELETE.
    NetworkTokensDisabled: lambda e: (
        AccessError(403, "nptConfigurationError", "Account not configured to use NPT") if e.operation == "delete"
        else AccessError(403, "accessDenied", ACCESS_DENIED)),
    NetworkTokenUnknown: _unknown_network_token,
    NetworkCardExpired: lambda e: invalid([{"errorName": "fieldHasInvalidValue", "jsonPath": "$.paymentInstrument.href",
                                            "message": "Card expiry date must not be in the past"}]),
    # Payments API (routes_payments.py); the vendor is silent on an unknown token and on an action
    # the state does not offer: our choices, docs/access.md "Payments".
    PaymentTokenUnknown: lambda e: _payment_invalid(e.json_path, "The token does not exist, was deleted or expired"),
    AmountNotAvailable: lambda e: _payment_invalid(e.json_path, str(e)),
    DuplicateTransaction: lambda e: AccessError(
        400, "transactionHasAlreadyBeenProcessed", "The transaction has already been processed."),
    IssuerError: lambda e: AccessError(
        500, "internalErrorOccurred", "We cannot currently process your request. Please contact support."),
    PaymentNotFound: lambda e: AccessError(404, "endpointNotFound", ENDPOINT_NOT_FOUND),
    ActionNotOffered: lambda e: AccessError(404, "endpointNotFound", ENDPOINT_NOT_FOUND),
    InvalidTransition: lambda e: AccessError(404, "endpointNotFound", ENDPOINT_NOT_FOUND),
}


def card_payments_error(e: AccessError) -> AccessError:
    """The same condition in Card Payments v7's wording (v7 OpenAPI examples): its 500 is
    `internalServerError`, its schema message is the Tokens one."""
    if e.status == 500:
        return AccessError(500, "internalServerError", "Internal server error")
    if e.name == "bodyDoesNotMatchSchema":
        e.message = SCHEMA
    return e


def from_domain(e: DomainError) -> AccessError:
    for cls in type(e).__mro__:
        build = DOMAIN.get(cls)
        if build is not None:
            return build(e)
    raise e  # an unmapped domain error is a bug: the middleware answers 500 and logs it


def error_response(status: int, name: str, message: str, headers: dict | None = None,
                   media: str = MEDIA_TYPE, **extra) -> web.Response:
    body = {"errorName": name, "message": message, **extra}
    return web.Response(status=status, body=dumps(body).encode(), content_type=media, headers=headers)


def transport_error(request: web.Request, status: int, message: str) -> web.Response:
    headers = None
    if status == 404:
        message = ENDPOINT_NOT_FOUND
    elif status == 405:
        message = METHOD_NOT_ALLOWED
        exc = getattr(request.match_info, "http_exception", None)  # the router knows the methods
        if isinstance(exc, web.HTTPMethodNotAllowed):
            headers = {"Allow": ", ".join(sorted(exc.allowed_methods))}
    path = request.path
    media = (PAYMENTS_MEDIA if path.startswith("/api/") else VT_MEDIA if path.startswith("/verifiedTokens")
             else V7_MEDIA if path.startswith(("/cardPayments", "/payments/")) else MEDIA_TYPE)
    return error_response(status, _NAMES.get(status, "internalErrorOccurred"), message, headers, media=media)
