"""Accept / Content-Type / WP-Api-Version rules for the Access routes (docs/access.md "Headers").

Three modes (`access.headers`, core/options.py):
- `real-clients` (default): exactly what real clients are evidenced to send passes: no Accept,
  `*/*` or any list with a matching range (Java's default), the vendor's v1/v2/v3 Tokens and
  Verified Tokens types (`.hal+json` or `+json`, parameters ignored but `masked=false`), and a
  Content-Type-only request; the rest gets the vendor's 406 / 415 / 400 with `headerName`.
- `strict`: additionally an Accept is required and a body route needs a Content-Type.
- `lenient`: anything passes (the behaviour before issue 17).
Payments API (`/api/payments`) has its own rules: `application/json` bodies and the required
`WP-Api-Version: 2024-06-01`; Accept is not part of that API.
"""

from __future__ import annotations

import re

from aiohttp import web

from .errors import AccessError

_VENDOR = re.compile(r"^application/vnd\.worldpay\.(?:verified-)?tokens-v(\d+)(?:\.hal)?\+json$")
_ANY = ("*/*", "application/*")
API_VERSION = "2024-06-01"
VALID_HEADER = "A valid header must be provided."


def _ranges(value: str) -> list[tuple[str, float, str]]:
    """(media type, q, raw parameters) for each range of an Accept or Content-Type value."""
    out = []
    for part in value.split(","):
        kind, _, params = part.partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, val = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(val.strip())
                except ValueError:
                    q = 0.0
        out.append((kind.strip().lower(), q, params))
    return out


def _version(kind: str) -> int | None:
    m = _VENDOR.match(kind)
    return int(m.group(1)) if m else None


def _accept_version(accept: str) -> tuple[bool, int | None]:
    """(acceptable?, the vendor version it names, if any)."""
    ok, version = False, None
    for kind, q, _ in _ranges(accept):
        if q <= 0:
            continue
        v = _version(kind)
        if v in (1, 2, 3):
            ok, version = True, version or v
        elif kind in _ANY:
            ok = True
    return ok, version


# Outcomes per (Accept, Content-Type, mode, body checked): a client sends the same pair on every
# request. Only accepted pairs of short values are kept (bounded in entries and in size; a refused
# pair is worked out again, it raises).
_NEGOTIATED_MAX = 256
_negotiated: dict[tuple, tuple[int, bool]] = {}


def tokens(request: web.Request, mode: str, has_body: bool) -> tuple[int, bool]:
    """(media-type version to answer with, masked=false?) for the Tokens and Verified Tokens
    routes, or AccessError with the vendor's header error (access.md §1, §10.4, §16.2)."""
    headers = request.headers
    accept = headers.get("Accept")
    ctype = headers.get("Content-Type") if has_body else None
    # A body route checks Content-Type when a body is sent (strict: always).
    check_body = has_body and (request.body_exists or mode == "strict")
    key = (accept, ctype, mode, check_body)
    hit = _negotiated.get(key)
    if hit is None:
        hit = _tokens(accept, ctype, mode, check_body)
        if len(accept or "") + len(ctype or "") <= 512:
            if len(_negotiated) >= _NEGOTIATED_MAX:
                _negotiated.clear()
            _negotiated[key] = hit
    return hit


def _tokens(accept: str | None, ctype: str | None, mode: str, check_body: bool) -> tuple[int, bool]:
    unmasked = accept is not None and "masked=false" in accept.replace(" ", "").lower()
    a_ok, a_ver = _accept_version(accept) if accept and accept.strip() else (True, None)
    c_kind = ctype.partition(";")[0].strip().lower() if ctype else None
    c_ver = _version(c_kind) if c_kind else None
    if mode != "lenient":
        if accept is None and mode == "strict":
            raise AccessError(406, "headerIsMissing", VALID_HEADER, headerName="Accept")
        if not a_ok:
            raise AccessError(406, "headerHasInvalidValue", "Accept header is not supported", headerName="Accept")
        if check_body:
            if ctype is None:
                raise AccessError(415, "headerIsMissing", VALID_HEADER, headerName="Content-Type")
            if c_ver not in (1, 2, 3):
                raise AccessError(415, "headerHasInvalidValue", "Content-type header is not supported",
                                  headerName="Content-Type")
            if a_ver is not None and a_ver != c_ver:
                raise AccessError(400, "headerHasInvalidValue", "Accept header does not match Content-type header",
                                  headerName="Accept")
    version = c_ver if c_ver in (1, 2, 3) else a_ver if a_ver in (1, 2, 3) else 3
    return version, unmasked


def payments(request: web.Request, mode: str, has_body: bool) -> None:
    """Payments API 2024-06-01: `WP-Api-Version` is required (missing or another value: 406, the
    status the vendor uses for a missing header); a body must be `application/json` (missing: 406
    headerIsMissing, other: 415 headerHasInvalidValue, as the vendor's examples). Action POSTs
    without a body pass with or without a Content-Type (the vendor's own client sends one)."""
    if mode == "lenient":
        return
    version = request.headers.get("WP-Api-Version")
    if version is None:
        raise AccessError(406, "headerIsMissing", VALID_HEADER, headerName="WP-Api-Version")
    if version.strip() != API_VERSION:
        raise AccessError(406, "headerHasInvalidValue", VALID_HEADER, headerName="WP-Api-Version")
    if has_body and request.body_exists:
        ctype = request.headers.get("Content-Type")
        if ctype is None:
            raise AccessError(406, "headerIsMissing", VALID_HEADER, headerName="Content-Type")
        if ctype.partition(";")[0].strip().lower() != "application/json":
            raise AccessError(415, "headerHasInvalidValue", VALID_HEADER, headerName="Content-Type")


V7_MEDIA = "application/vnd.worldpay.payments-v7+json"


def card_payments(request: web.Request, mode: str, has_body: bool) -> None:
    """Card Payments v7: a body must be `application/vnd.worldpay.payments-v7+json` (415
    headerHasInvalidValue "Bad content type", the v7 OpenAPI's example). Accept is not checked:
    v6-era plugins send none, and nothing shows v7 refusing `*/*`."""
    if mode == "lenient" or not (has_body and request.body_exists):
        return
    ctype = request.headers.get("Content-Type")
    if ctype is None or ctype.partition(";")[0].strip().lower() != V7_MEDIA:
        raise AccessError(415, "headerHasInvalidValue", "Bad content type", headerName="Content-Type")
