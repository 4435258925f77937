"""Per-request plumbing for Access: Basic auth, media-type negotiation, the error boundary.

Every Access handler is wrapped by `operation(name)`: it authenticates (401 `accessDenied`),
checks headers (headers.py, `access.headers`), names tenant and operation for the journal and
fault rules, and turns AccessError and domain errors (through the one table in errors.py) into
the envelope of the handler's API. Kept cheap: the benchmark compares GET /tokens/{id} to a bare
app.
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
from ...core.access.scope import Scope
from ...core.access.tokens import Policy
from ...core.credentials import AccessPrincipal
from ...core.errors import DomainError
from ...core.tenants import TenantId
from ...web.body import set_context
from . import headers
from .errors import (
    ACCESS_DENIED,
    PAYMENTS_MEDIA,
    AccessError,
    card_payments_error,
    error_response,
    from_domain,
)
from .render import TRUST_FORWARDED

SETTINGS = web.AppKey("access_settings", "Settings")
TOKENS, VERIFIED, PAYMENTS, CARD_PAYMENTS_FAMILY = "tokens", "verifiedTokens", "payments", "cardPayments"
_MEDIA = {v: f"application/vnd.worldpay.tokens-v{v}.hal+json" for v in (1, 2, 3)}
_VT_MEDIA = {v: f"application/vnd.worldpay.verified-tokens-v{v}.hal+json" for v in (1, 2, 3)}


@dataclass(slots=True)
class Settings:
    """The `access.*` options, re-read only when the core's options change (a fixture's
    `options:` or a reset), never parsed per request."""

    version: int = -1
    policy: Policy | None = None
    headers: str = "real-clients"  # access.headers: real-clients | strict | lenient (headers.py)
    forwarded: bool = True  # access.forwarded_headers: hrefs follow Forwarded / X-Forwarded-*

    def current(self, core: Core) -> Settings:
        if self.version != core.options.version:
            self.policy = Policy.of(core.options, core.mode)
            self.headers = "strict" if core.options["access.strict_headers"] else core.options["access.headers"]
            self.forwarded = core.options["access.forwarded_headers"]
            self.version = core.options.version
        return self


def configure(app: web.Application) -> None:
    app[SETTINGS] = Settings().current(app["core"])


@dataclass(slots=True)
class Ctx:
    scope: Scope  # core, tenant and policy: what every core/access operation takes
    principal: AccessPrincipal
    version: int  # media-type version the client spoke (1, 2 or 3; 0 on the Payments API, 7 on v7)
    media: str  # the Content-Type we answer with
    unmasked: bool  # Accept carried `masked=false` (detokenise)

    @property
    def may_detokenize(self) -> bool:
        return self.principal.detokenize


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


_CVC = re.compile(rb'("cvc"\s*:\s*)"[^"]*"')


def _redact_cvc(request: web.Request) -> None:
    """The journal keeps request bodies (card numbers masked there); a CVC is never kept at all:
    Verified Tokens and Payments bodies carry one, so it is blanked before the journal sees it."""
    body = request.get("body")
    if body and b'"cvc"' in body:
        request["body"] = _CVC.sub(rb'\1"***"', body)


Handler = Callable[[web.Request, Ctx], Awaitable[web.StreamResponse]]


def operation(name: str, has_body: bool = False, family: str = TOKENS,
              ) -> Callable[[Handler], Callable[[web.Request], Awaitable]]:
    """Wrap a handler of one Access family: TOKENS, VERIFIED (Verified Tokens; both the vendor's
    media types, headers.tokens), PAYMENTS (Payments API 2024-06-01, `application/json`) or
    CARD_PAYMENTS_FAMILY (Card Payments v7, its own media type and error wording)."""
    payments, v7 = family == PAYMENTS, family == CARD_PAYMENTS_FAMILY
    media_of = _VT_MEDIA if family == VERIFIED else _MEDIA
    error_media = PAYMENTS_MEDIA if payments else headers.V7_MEDIA if v7 else media_of[3]
    denied = ACCESS_DENIED + "." if payments else ACCESS_DENIED  # the Payments API's own wording

    def wrap(fn: Handler):
        @wraps(fn)
        async def handler(request: web.Request) -> web.StreamResponse:
            app = request.app
            try:
                creds = _basic(request.headers.get("Authorization"))
                core: Core = app["core"]
                principal = core.credentials.access(*creds) if creds else None
                if principal is None:
                    raise AccessError(401, "accessDenied", denied)
                tid = TenantId.of("access", principal.tenant)
                if tid is None:  # a name the control plane could not address: never a tenant
                    raise AccessError(401, "accessDenied", denied)
                settings = app[SETTINGS].current(core)
                if payments:
                    headers.payments(request, settings.headers, has_body)
                    version, media, unmasked = 0, PAYMENTS_MEDIA, False
                elif v7:
                    headers.card_payments(request, settings.headers, has_body)
                    version, media, unmasked = 7, headers.V7_MEDIA, False
                else:
                    version, unmasked = headers.tokens(request, settings.headers, has_body)
                    media = media_of.get(version, media_of[3])
                request[TRUST_FORWARDED] = settings.forwarded
                set_context(request, tenant=tid, operation=name)
                scope = Scope(core, tid, settings.policy)
                ctx = Ctx(scope, principal, version, media, unmasked)
                try:
                    return await fn(request, ctx)
                except DomainError as e:
                    raise (card_payments_error(from_domain(e)) if v7 else from_domain(e)) from None
            except AccessError as e:
                return error_response(e.status, e.name, e.message, e.headers, media=error_media, **e.extra)
            finally:
                _redact_cvc(request)

        return handler

    return wrap
