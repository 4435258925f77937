"""The one table from domain errors to the OPP envelope and HTTP status (opp.md §6-§8).

Every refusal leaves here as `result{code,description[,parameterErrors]}` plus the facts the
domain attached (`id`, `card`...). Transport-level failures (unknown route, body too large,
server error) get the catalogue code for their status.
"""

from __future__ import annotations

from aiohttp import web

from ...core.errors import InvalidTransition
from ...core.opp.checkouts import NO_SESSION, CheckoutGone
from ...core.opp.errors import Declined, OppError
from ...core.opp.results import describe
from .render import envelope, json_response

WWW_AUTHENTICATE = ('Bearer realm="OPP", error="invalid_token", '
                    'error_description="Invalid Authorization header!"')

# Transport-level statuses mapped to catalogue codes (opp.md §8).
_CODES = {
    400: ("200.300.404", "invalid or missing parameter"),
    401: ("800.900.300", "invalid authentication information"),
    404: ("200.300.404", "invalid or missing parameter - the requested resource does not exist"),
    405: ("200.300.403", "Invalid HTTP method"),  # opp.md §13.8; the HTTP status stays 405
    413: ("200.300.404", "invalid or missing parameter - request body too large"),
    500: ("900.100.100", "unexpected communication error with connector/acquirer"),
    503: ("900.100.600", "connector/acquirer currently down"),
}


class OppFailure(Exception):
    """An adapter-level refusal (authentication, transport) with its status and headers."""

    def __init__(self, code: str, status: int = 400, description: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None, **fields) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.description = description
        self.errors = errors
        self.headers = headers
        self.fields = fields


def auth_failure(code: str = "800.900.300", status: int = 401) -> OppFailure:
    headers = {"WWW-Authenticate": WWW_AUTHENTICATE} if status == 401 else None
    return OppFailure(code, status, headers=headers)


def as_failure(e: Exception, options) -> OppFailure:
    """THE table: domain error -> (code, HTTP status, description, fields)."""
    if isinstance(e, OppFailure):
        return e
    if isinstance(e, CheckoutGone):
        return OppFailure("200.300.404", 400, NO_SESSION)
    if isinstance(e, Declined):
        # The vendor's HTTP status for declines is unconfirmed (opp.md §7): 400 by default, switchable.
        return OppFailure(e.code, options["opp.decline_status"], e.description, e.errors, **e.fields)
    if isinstance(e, OppError):  # card data, registrations, references, validation: 400
        return OppFailure(e.code, 400, e.description, e.errors, **e.fields)
    if isinstance(e, InvalidTransition):
        return OppFailure("700.300.300", 400)
    raise e


DOMAIN_ERRORS = (OppFailure, OppError, CheckoutGone, InvalidTransition)
CORS_FAILURE = {"Access-Control-Allow-Origin": "*"}


def failure_response(failure: OppFailure, ndc: str, now: float) -> web.Response:
    body = envelope(failure.code, failure.description or describe(failure.code), ndc, now, **failure.fields)
    if failure.errors:
        body["result"]["parameterErrors"] = failure.errors
    return json_response(failure.status, body, failure.headers)


def transport_error(request: web.Request, status: int, message: str) -> web.Response:
    code, description = _CODES.get(status, _CODES[500])
    body = envelope(code, description, ndc=request.get("request_id", "").replace("-", ""))
    if status == 413:
        body["result"]["parameterErrors"] = [{"name": "body", "value": None, "message": message}]
    return json_response(status, body)
