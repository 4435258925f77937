"""The one place that builds paymentService `<error>` replies (wpg.md §5)."""

from __future__ import annotations

import base64
import re
from xml.sax.saxutils import quoteattr

from aiohttp import web

from ...core.errors import OwnerFull, TokenNotFound, UpdateLimitExceeded
from ...core.wpg.errors import WpgError
from .parse import Invalid

DOCTYPE = (
    '<!DOCTYPE paymentService PUBLIC "-//WorldPay//DTD WorldPay PaymentService v1//EN" '
    '"http://dtd.worldpay.com/paymentService_v1.dtd">'
)
CONTENT_TYPE = "text/xml; charset=UTF-8"
_NMTOKEN = re.compile(r"^[\w.:-]+\Z")

# Transport-level statuses mapped to DTD error codes (wpg.md §5.2). Every XML outcome is HTTP 200,
# except a body over the limit, which is refused before it is read (413, still an XML reply).
_CODES = {400: 2, 404: 2, 405: 2, 413: 2, 500: 1, 503: 8}


class Scoped(Exception):
    """An error rendered inside `orderStatus[@orderCode]` rather than directly under `reply`."""

    def __init__(self, order_code: str, code: int, text: str) -> None:
        super().__init__(text)
        self.order_code = order_code
        self.code = code
        self.text = text


# The one table from domain (and request) errors to `<error code>` replies (wpg.md §5.3).
REFUSALS = (Invalid, WpgError, TokenNotFound, UpdateLimitExceeded, OwnerFull)


def refusal(e: Exception) -> tuple[int, str]:
    """(code, text) for one of REFUSALS."""
    if isinstance(e, (Invalid, WpgError)):
        return e.code, e.text
    if isinstance(e, TokenNotFound):
        return 5, "Token does not exist"  # WPGJ live test (wpg.md §4.4)
    if isinstance(e, UpdateLimitExceeded):
        return 5, "Maximum number of updates exceeded for this token"  # seed 003, HYB
    if isinstance(e, OwnerFull):
        return 5, f"The maximum number of tokens ({e.cap}) for this authenticatedShopperID has been reached"
    raise TypeError(f"not a paymentService refusal: {e!r}")


def error_element(code: int, text: str) -> str:
    return f'<error code="{code}">{cdata(text)}</error>'


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# Document head per (merchant, version): the same few pairs answer every request.
_HEADS: dict[tuple[str, str], str] = {}


def reply_document(merchant_code: str, inner: str, version: str = "1.4") -> bytes:
    head = _HEADS.get((merchant_code, version))
    if head is None:
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n' + DOCTYPE + "\n"
                f"<paymentService version={quoteattr(version)} merchantCode={quoteattr(merchant_code)}><reply>")
        if len(merchant_code) <= 64:  # a refused request may echo any length: cache real codes only
            if len(_HEADS) >= 256:
                _HEADS.clear()
            _HEADS[(merchant_code, version)] = head
    return f"{head}{inner}</reply></paymentService>".encode()


def error_reply(merchant_code: str, code: int, text: str, version: str = "1.4", status: int = 200) -> web.Response:
    body = reply_document(merchant_code, f'<error code="{code}">{cdata(text)}</error>', version)
    return web.Response(status=status, body=body, headers={"Content-Type": CONTENT_TYPE})


def merchant_from_auth(request: web.Request) -> str:
    """The Basic username, for replies to requests whose XML cannot be read (DESIGN §6)."""
    auth = request.headers.get("Authorization", "")
    if auth[:6].lower() == "basic ":
        try:
            user = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return "UNKNOWN"
        if _NMTOKEN.match(user):
            return user
    return "UNKNOWN"


def transport_error(request: web.Request, status: int, message: str) -> web.Response:
    code = _CODES.get(status, 1)
    http_status = 413 if status == 413 else 200
    return error_reply(merchant_from_auth(request), code, message, status=http_status)
