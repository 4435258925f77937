"""Control-plane errors: `{"error": "<name>", "message": "..."}` with a 4xx status."""

from __future__ import annotations

import json

from aiohttp import web

_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "notFound", 405: "methodNotAllowed",
          413: "bodyTooLarge", 415: "unsupportedMediaType", 421: "misdirectedRequest", 500: "internalError", 503: "unavailable"}


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_response(body, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(body).encode(), content_type="application/json")


def admin_error(request: web.Request, status: int, message: str) -> web.Response:
    return json_response({"error": _NAMES.get(status, "error"), "message": message}, status)
