"""Per-request plumbing for Access: Basic auth, media-type negotiation, the error boundary.

Every Access handler is wrapped by `operation(name)`: it authenticates (401 `accessDenied`),
negotiates headers (lenient by default, `access.strict_headers` for 406/415/400), names tenant and
operation for the journal and fault rules, and turns AccessError and domain errors into the one
Access envelope (errors.py). Kept cheap: the benchmark compares GET /tokens/{id} to a bare app.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps

from aiohttp import web

from ...core import Core
from ...core.access.tokens import Policy
from ...core.credentials import AccessPrincipal
from ...core.errors import OwnerFull, TokenNotFound, UpdateLimitExceeded
from ...core.tenants import TenantId
from ...web.body import set_context
from .errors import ACCESS_DENIED, AccessError, error_response

SETTINGS = web.AppKey("access_settings", "Settings")
_TOKENS_TYPE = re.compile(r"application/vnd\.worldpay\.tokens-v(\d+)(?:\.hal)?\+json", re.I)
_MEDIA = {v: f"application/vnd.worldpay.tokens-v{v}.hal+json" for v in (1, 2, 3)}
_MEDIA_V3 = _MEDIA[3]


@dataclass(slots=True)
class Settings:
    """The `access.*` options, re-read only when the core's options change (a fixture's
    `options:` or a reset), never parsed per request."""

    version: int = -1
    policy: Policy | None = None
    strict: bool = False

    def current(self, core: Core) -> Settings:
        if self.version != core.options.version:
            self.policy = Policy(
                mode=core.mode,
                try_lifetime_days=core.options["access.try_lifetime_days"],
                extend_on_use=core.options["access.extend_on_use"],
                namespace_cap=core.options["access.namespace_cap"],
                max_updates=core.options["access.max_updates"],
                update_window_days=core.options["access.update_window_days"],
                conflicts_minutes=core.options["access.conflicts_minutes"],
            )
            self.strict = core.options["access.strict_headers"]
            self.version = core.options.version
        return self


def configure(app: web.Application) -> None:
    app[SETTINGS] = Settings().current(app["core"])


@dataclass(slots=True)
class Ctx:
    core: Core
    policy: Policy
    principal: AccessPrincipal
    tid: TenantId
    version: int  # media-type version the client spoke (1, 2 or 3)
    media: str  # the Content-Type we answer with
    unmasked: bool  # Accept carried `masked=false` (detokenise)

    def now(self) -> float:
        return self.core.store.now(self.tid)


_auth_cache: dict[str, tuple[str, str] | None] = {}


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    hit = _auth_cache.get(header, False)
    if hit is not False:
        return hit
    result = None
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, sep, pw = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
            result = (user, pw) if sep else None
        except (binascii.Error, UnicodeDecodeError, ValueError):
            result = None
    if len(header) <= 256:  # bounded in entries and in size: headers may be up to 8 KiB
        if len(_auth_cache) >= 1024:
            _auth_cache.clear()
        _auth_cache[header] = result
    return result


def _version(value: str | None) -> int | None:
    if not value:
        return None
    m = _TOKENS_TYPE.search(value)
    return int(m.group(1)) if m else None


def _negotiate(request: web.Request, strict: bool, has_body: bool) -> tuple[int, bool]:
    """(version, masked=false?) from Accept and Content-Type (access.md §1, §10.4, §16.2).

    Lenient (default, as real plugins need): a missing Accept, `*/*`, older versions and a
    Content-Type-only request all pass. Strict: 406 for a missing/unsupported Accept, 415 for a
    missing/unsupported Content-Type on a body, 400 when both name different versions."""
    accept = request.headers.get("Accept")
    ctype = request.headers.get("Content-Type") if has_body else None
    a_ver, c_ver = _version(accept), _version(ctype)
    unmasked = accept is not None and "masked=false" in accept.replace(" ", "").lower()
    if strict:
        if accept is None:
            raise AccessError(406, "headerIsMissing", "A valid header must be provided.", headerName="Accept")
        if a_ver not in (1, 2, 3) and not any(
            part.split(";")[0].strip() in ("*/*", "application/*") for part in accept.split(",")
        ):
            raise AccessError(406, "headerHasInvalidValue", "Accept header is not supported", headerName="Accept")
        if has_body:
            if ctype is None:
                raise AccessError(415, "headerIsMissing", "A valid header must be provided.", headerName="Content-Type")
            if c_ver not in (1, 2, 3):
                raise AccessError(415, "headerHasInvalidValue", "Content-type header is not supported",
                                  headerName="Content-Type")
            if a_ver is not None and a_ver != c_ver:
                raise AccessError(400, "headerHasInvalidValue", "Accept header does not match Content-type header",
                                  headerName="Accept")
    version = c_ver if c_ver in (1, 2, 3) else a_ver if a_ver in (1, 2, 3) else 3
    return version, unmasked


Handler = Callable[[web.Request, Ctx], Awaitable[web.StreamResponse]]


def operation(name: str, has_body: bool = False) -> Callable[[Handler], Callable[[web.Request], Awaitable]]:
    def wrap(fn: Handler):
        @wraps(fn)
        async def handler(request: web.Request) -> web.StreamResponse:
            app = request.app
            try:
                creds = _basic(request.headers.get("Authorization"))
                core: Core = app["core"]
                principal = core.credentials.access(*creds) if creds else None
                if principal is None:
                    raise AccessError(401, "accessDenied", ACCESS_DENIED)
                tid = TenantId.of("access", principal.tenant)
                if tid is None:  # a name the control plane could not address: never a tenant
                    raise AccessError(401, "accessDenied", ACCESS_DENIED)
                settings = app[SETTINGS].current(core)
                version, unmasked = _negotiate(request, settings.strict, has_body)
                set_context(request, tenant=tid, operation=name)
                ctx = Ctx(core, settings.policy, principal, tid, version, _MEDIA.get(version, _MEDIA_V3), unmasked)
                return await fn(request, ctx)
            except AccessError as e:
                return error_response(e.status, e.name, e.message, **e.extra)
            except TokenNotFound:
                return error_response(404, "resourceNotFound", "Requested resource was not found")
            except OwnerFull:
                return error_response(403, "tooManyTokensForNamespace", "Too many tokens created for this namespace")
            except UpdateLimitExceeded:
                return error_response(429, "maximumUpdatesExceeded", "Maximum number of updates for this token exceeded")

        return handler

    return wrap
