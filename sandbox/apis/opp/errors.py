"""The one place that builds OPP envelopes: `result{code,description}`, buildNumber, timestamp, ndc."""

from __future__ import annotations

import json
import time

from aiohttp import web

BUILD_NUMBER = "b3d2f5a0c1e4d7f6a9b8c7d6e5f4a3b2c1d0e9f8@2026-11-01 00:00:00 +0000"
CONTENT_TYPE = "application/json;charset=UTF-8"

# Transport-level statuses mapped to catalogue codes (opp.md §8).
_CODES = {
    400: ("200.300.404", "invalid or missing parameter"),
    401: ("800.900.300", "invalid authentication information"),
    404: ("200.300.404", "invalid or missing parameter - the requested resource does not exist"),
    405: ("200.300.404", "invalid or missing parameter - method not allowed for this resource"),
    413: ("200.300.404", "invalid or missing parameter - request body too large"),
    500: ("900.100.100", "unexpected communication error with connector/acquirer"),
    503: ("900.100.600", "connector/acquirer currently down"),
}


def timestamp(now: float | None = None) -> str:
    """`yyyy-MM-dd HH:mm:ss+0000` (opp.md §6)."""
    return time.strftime("%Y-%m-%d %H:%M:%S+0000", time.gmtime(time.time() if now is None else now))


def envelope(code: str, description: str, ndc: str, now: float | None = None, **fields) -> dict:
    return {
        **fields,
        "result": {"code": code, "description": description},
        "buildNumber": BUILD_NUMBER,
        "timestamp": timestamp(now),
        "ndc": ndc,
    }


def json_response(status: int, body: dict, headers: dict | None = None) -> web.Response:
    return web.Response(status=status, body=json.dumps(body).encode(), headers={
        "Content-Type": CONTENT_TYPE, "Cache-Control": "max-age=0, no-cache, no-store", "Pragma": "no-cache",
        **(headers or {}),
    })


def transport_error(request: web.Request, status: int, message: str) -> web.Response:
    code, description = _CODES.get(status, _CODES[500])
    body = envelope(code, description, ndc=request.get("request_id", "").replace("-", ""))
    if status == 413:
        body["result"]["parameterErrors"] = [{"name": "body", "value": None, "message": message}]
    return json_response(status, body)


class OppFailure(Exception):
    """A request answered with a non-success result code (validation, card, token, reference).

    `fields` are extra top-level keys (`id`, `card`, ...) and `errors` the parameterErrors.
    """

    def __init__(self, code: str, status: int = 400, description: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None, **fields) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.description = description
        self.errors = errors
        self.headers = headers
        self.fields = fields


def failure_response(failure: OppFailure, ndc: str, now: float) -> web.Response:
    from ...core.opp.results import describe

    body = envelope(failure.code, failure.description or describe(failure.code), ndc, now, **failure.fields)
    if failure.errors:
        body["result"]["parameterErrors"] = failure.errors
    return json_response(failure.status, body, failure.headers)
