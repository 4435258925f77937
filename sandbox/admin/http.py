"""Helpers every control-plane module uses: the core, tenant parameters, JSON bodies, the guard.

Kept apart from the handlers so each resource module (routes, faults, fixtures, keys,
notifications, dashboard) imports helpers from here and `admin/__init__.py` registers them all,
with no import circle.
"""

from __future__ import annotations

import hmac
import json

from aiohttp import web

from ..core import Core
from ..core.tenants import TenantId
from ..web.body import read_body
from .errors import AdminError, admin_error


def core_of(request: web.Request) -> Core:
    return request.app["core"]


def tenant_param(request: web.Request, required: bool = False) -> TenantId | None:
    tid = request.query.get("tenant")
    if tid is None or tid == "":
        if required:
            raise AdminError(400, "query parameter 'tenant' is required")
        return None
    parsed = TenantId.parse(tid)
    if parsed is None:
        raise AdminError(400, f"tenant {tid!r} is not a tenant id: expected <access|opp|wpg>:<name>")
    return parsed


async def json_body(request: web.Request, expect: type = dict, allowed: set[str] | None = None):
    """The JSON body; with `allowed`, an object whose every field is one of those.

    Only `application/json` (or `+json`): text/plain, forms and multipart are what a page on any
    other origin can send without a CORS preflight, so accepting them let any web page install
    fault rules or restore state (issue 14 §5). A missing Content-Type is refused for the same reason.
    """
    ctype = request.content_type if "Content-Type" in request.headers else ""
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise AdminError(415, f"Content-Type {ctype or 'missing'!r}: send the JSON body as application/json "
                              "(e.g. curl -H 'Content-Type: application/json')")
    raw = await read_body(request)
    if not raw.strip():
        raise AdminError(400, "a JSON body is required")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise AdminError(400, f"body is not valid JSON: {e}") from None
    except RecursionError:  # e.g. 10,000 nested arrays: refuse instead of answering 500
        raise AdminError(400, "body is nested too deeply") from None
    if not isinstance(value, expect):
        raise AdminError(400, f"body must be a JSON {expect.__name__.replace('dict', 'object')}")
    if allowed is not None:
        unknown = set(value) - allowed
        if unknown:
            raise AdminError(400, f"unknown field {sorted(unknown)[0]!r} (use {', '.join(sorted(allowed))})")
    return value


def tenant_in_path(request: web.Request, api: str | None = None) -> TenantId:
    """The `{tenant}` path segment, a tenant id (of `api` when given)."""
    tid = request.match_info["tenant"]
    parsed = TenantId.parse(tid)
    if parsed is None or (api is not None and parsed.api != api):
        want = f"{api}:<name>" if api else "<access|opp|wpg>:<name>"
        raise AdminError(400, f"tenant {tid!r} is not a tenant id: expected {want}")
    return parsed


def guarded(handler):
    """Admin errors as JSON; `--admin-token` checked on every control-plane route but health."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        token = request.app["config"].admin_token
        if token and handler.__name__ != "health":
            sent = request.headers.get("X-Admin-Token") or _bearer(request.headers.get("Authorization", ""))
            # Compared as UTF-8 bytes: compare_digest raises TypeError on non-ASCII str (a 500).
            if not sent or not hmac.compare_digest(sent.encode("utf-8", "surrogateescape"),
                                                   token.encode("utf-8", "surrogateescape")):
                return admin_error(request, 401, "the control plane needs the admin token "
                                                 "(header 'Authorization: Bearer <token>' or 'X-Admin-Token')")
        try:
            return await handler(request)
        except AdminError as e:
            return admin_error(request, e.status, e.message)

    wrapper.__name__ = handler.__name__
    return wrapper


def _bearer(value: str) -> str | None:
    return value[7:].strip() if value[:7].lower() == "bearer " else None
