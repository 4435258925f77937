"""Reading a paymentService request: the validated document (document.py), then typed requests
(wpg.md §1.3).

Field rules a DTD cannot express (shopper id, card number, dates) raise `Invalid` with the
vendor's code. Everything here turns wire into the typed requests of core/wpg/requests.py; no
rule about tokens or orders lives here. Elements are read through RequestElement
(request_element.py), whose find() answers as lxml's does from a dict of each element's children.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ...core.cards import looks_like_pan
from ...core.wpg.requests import (
    Amount,
    AuthenticationResult,
    CreateToken,
    ModifyRequest,
    OrderRequest,
    TokenUse,
)
from ...core.wpg.tokens import REASON_MAX, Card
from . import cse
from .document import GRAMMAR, Invalid, first_element, grammar_text, parse_document  # noqa: F401 - re-exported
from .request_element import RequestElement

_SHOPPER_BAD = re.compile(r"\s")
_EVENT_REF = re.compile(r"^[A-Za-z0-9_]{1,64}\Z")


# -- small typed values ------------------------------------------------------------------------
def text(el, name: str) -> str | None:
    child = el.find(name) if el is not None else None
    if child is None:
        return None
    return (child.text or "").strip()


def elements(el) -> list:
    return [c for c in el if isinstance(c.tag, str)]


def operation(root) -> tuple[str, RequestElement]:
    """('paymentTokenCreate', element) and so on: the one operation element of the request, read
    through RequestElement (its find() is a dict walk: request_element.py)."""
    wrapper = first_element(root)  # the grammar guarantees one wrapper
    op = first_element(wrapper)
    if op is None:
        op = wrapper
    return op.tag, RequestElement(op)


def shopper_id(value: str | None, required: bool, what: str = "request") -> str | None:
    """authenticatedShopperID rules (wpg.md §3.3)."""
    if not value:
        if required:
            raise Invalid(2, f"authenticatedShopperID is required for a {what}")
        return None
    if value.startswith("_"):
        raise Invalid(2, "authenticatedShopperID cannot start with an underscore")
    if len(value) > 64 or _SHOPPER_BAD.search(value):
        raise Invalid(2, "authenticatedShopperID must be at most 64 characters without whitespace")
    return value


def event_reference(value: str | None, strict: bool = False) -> str | None:
    """tokenEventReference: the vendor documents 1-64 of [A-Za-z0-9_] but not what happens outside
    that set. Lenient (default): a reference outside it is kept as sent, truncated to 64;
    strict (option wpg.strict_event_reference): code 2 (docs/paymentservice.md)."""
    if value is None:
        return None
    if _EVENT_REF.match(value):
        return value
    if strict:
        raise Invalid(2, "tokenEventReference must be 1 to 64 letters, digits or underscores")
    return value[:64] or None


def whole(value: str | None) -> int:
    """An ASCII whole number; int() alone would also take other scripts' digits (e.g. "١٢")."""
    if value is None or not value.isascii() or not value.isdigit():
        raise ValueError(f"not a whole number: {value!r}")
    return int(value)


def expiry(el) -> tuple[int, int] | tuple[None, None]:
    date = el.find("expiryDate/date") if el is not None else None
    if date is None:
        return None, None
    try:
        month, year = whole(date.get("month")), whole(date.get("year"))
    except ValueError:
        month, year = 0, 0
    if not (1 <= month <= 12 and 1000 <= year <= 9999):
        raise Invalid(2, f"Invalid expiryDate: month={date.get('month')!r} year={date.get('year')!r}")
    return month, year


ADDRESS_FIELDS = ("firstName", "lastName", "address1", "address2", "address3", "postalCode", "city",
                  "state", "countryCode", "telephoneNumber")


def address(el) -> dict | None:
    """cardAddress/address as stored on a token. Addresses written with `street`/`houseName`/
    `houseNumber` (Magento, hybris) are stored as address1/address2 so tokens compare alike."""
    addr = el.find("cardAddress/address") if el is not None else None
    if addr is None:
        return None
    out = {f: text(addr, f) for f in ADDRESS_FIELDS if addr.find(f) is not None}
    if addr.find("street") is not None:
        number = " ".join(v for v in (text(addr, "houseNumber"), text(addr, "houseNumberExtension")) if v)
        line1 = " ".join(v for v in (text(addr, "street"), number) if v)
        extra = {"address1": line1, "address2": text(addr, "houseName")}
        out = {f: (extra.get(f) if f in extra else out.get(f)) for f in ADDRESS_FIELDS
               if (extra.get(f) if f in extra else out.get(f)) is not None}
    return out


def order_code(op) -> str:
    """orderCode is #IMPLIED in the vendor DTD (batches), but every single-order operation needs it."""
    code = op.get("orderCode")
    if not code:
        raise Invalid(5, f"{op.tag}: orderCode is required")
    return code


def checked(c: Card) -> Card:
    if not looks_like_pan(c.pan or ""):
        raise Invalid(2, "cardNumber must be 12 to 19 digits")
    return c


def card(el, pan_required: bool) -> Card:
    """Card fields of CARD-SSL/VISA-SSL/... or paymentInstrument/cardDetails."""
    pan = text(el, "cardNumber")
    if pan is not None:
        pan = pan.replace(" ", "")
        if not looks_like_pan(pan):
            raise Invalid(2, "cardNumber must be 12 to 19 digits")
    elif pan_required:
        raise Invalid(2, "Missing required elements 'cardNumber'")
    month, year = expiry(el)
    holder = text(el, "cardHolderName")
    return Card(pan, month, year, holder if holder else None, address(el))


def amount(el) -> Amount:
    a = el.find("amount")
    value = a.get("value", "")
    try:
        return Amount(whole(value), a.get("currencyCode"), whole(a.get("exponent")))
    except ValueError:
        raise Invalid(2, f"Attribute value '{value}' of amount must be a whole number of minor units "
                         "with a whole-number exponent") from None


def token_expiry(create_token) -> float | None:
    """createToken/paymentTokenExpiry/date as epoch seconds (UTC), or None."""
    date = create_token.find("paymentTokenExpiry/date") if create_token is not None else None
    if date is None:
        return None
    try:
        return datetime(whole(date.get("year")), whole(date.get("month")), whole(date.get("dayOfMonth") or "1"),
                        whole(date.get("hour") or "0"), whole(date.get("minute") or "0"),
                        whole(date.get("second") or "0"), tzinfo=UTC).timestamp()
    except (TypeError, ValueError):
        raise Invalid(2, "paymentTokenExpiry/date is not a valid date") from None


def create_token(el, shopper: str | None, strict_reference: bool) -> tuple[CreateToken, str | None]:
    """createToken and the shopper it belongs to (checked: required for shopper tokens). A
    paymentTokenCreate without createToken (optional in the vendor DTD) makes a shopper token."""
    scope = el.get("tokenScope", "shopper") if el is not None else "shopper"
    shopper = shopper_id(shopper, True, "create token request") if scope == "shopper" else None
    reason = text(el, "tokenReason") or None
    return CreateToken(scope, event_reference(text(el, "tokenEventReference"), strict_reference),
                       reason[:REASON_MAX] if reason else None, token_expiry(el)), shopper


def token_card(op) -> tuple[Card, object]:
    """The card of paymentTokenCreate: paymentInstrument/cardDetails or CSE-DATA; and its element."""
    details = op.find("paymentInstrument/cardDetails")
    if details is not None:
        return card(details, pan_required=True), details
    cse_el = op.find("CSE-DATA")
    if cse_el is not None:
        return checked(cse.card(text(cse_el, "encryptedData") or "", address(cse_el), whole)), cse_el
    raise NotEmulatedShape("a paymentTokenCreate without cardDetails or CSE-DATA")


def update_card(op) -> Card:
    """paymentTokenUpdate's paymentInstrument/cardDetails (other instruments are not emulated)."""
    details = op.find("paymentInstrument/cardDetails")
    if details is None:
        raise NotEmulatedShape("a paymentTokenUpdate without cardDetails")
    if details.find("cvc") is not None:
        raise Invalid(2, "cvc data cannot be stored")  # DOC-TOKERR (wpg.md §4.6)
    return card(details, pan_required=False)


def rsa_public_key(op) -> tuple[str, str] | None:
    """paymentTokenInquiry/rsaPublicKey (modulus, exponent): base64 or hex, as sent."""
    key = op.find("rsaPublicKey")
    if key is None:
        return None
    return text(key, "modulus") or "", text(key, "exponent") or ""


def scope_and_shopper(op, what: str) -> tuple[str, str | None]:
    scope = op.get("tokenScope", "shopper")
    if scope == "merchant":
        return scope, None  # "don't send for merchant tokens" (seed 003): ignored when sent
    return scope, shopper_id(text(op, "authenticatedShopperID"), True, what)


# -- whole requests ----------------------------------------------------------------------------
MODIFICATIONS = ("capture", "cancel", "refund", "cancelOrRefund", "voidSale")


def authentication_result(op, code: str) -> AuthenticationResult | None:
    """The second leg of a 3-D Secure order: `order/info3DSecure` (short form) or
    `paymentDetails/info3DSecure` with paResponse/completedAuthentication (long form)."""
    info = op.find("info3DSecure")
    session = op.find("session")
    if info is None:
        info = op.find("paymentDetails/info3DSecure")
        session = op.find("paymentDetails/session")
        if info is None or (info.find("paResponse") is None and info.find("completedAuthentication") is None):
            return None
    pa = info.find("paResponse")
    return AuthenticationResult(code, session.get("id") if session is not None else None,
                                (pa.text or "") if pa is not None else None,
                                info.find("completedAuthentication") is not None)


def order_request(op, strict_reference: bool = False) -> OrderRequest | AuthenticationResult:
    """submit/order -> OrderRequest (card, TOKEN-SSL or payAsOrder, optional createToken), or the
    second leg of a 3-D Secure order."""
    code = order_code(op)
    leg = authentication_result(op, code)
    if leg is not None:
        return leg
    details = op.find("paymentDetails")
    again = op.find("payAsOrder")
    if again is not None:
        # Pay with the card of an earlier order (ActiveMerchant pay_as_order).
        return OrderRequest(order_code=code, amount=amount(again), card=None, token=None,
                            shopper=text(op, "shopper/authenticatedShopperID") or None,
                            pay_as_order=again.get("orderCode"))
    if details is None:
        raise NotEmulatedShape("an order without paymentDetails")
    method = details.first_element()
    shopper = text(op, "shopper/authenticatedShopperID") or None
    token = card_ = None
    if method.tag == "TOKEN-SSL":
        # tokenScope has no DTD default on TOKEN-SSL; every client sends it, shopper is the safe reading.
        scope = method.get("tokenScope") or "shopper"
        if scope == "shopper":
            shopper_id(shopper, True, "shopper token payment")
        token = TokenUse(scope, text(method, "paymentTokenID") or text(op, "paymentTokenID") or "",
                         card(method.find("paymentInstrument/cardDetails"), pan_required=False))
    elif method.find("cardNumber") is not None:
        card_ = card(method, pan_required=True)
    elif method.tag == "EMVCO_TOKEN-SSL" and method.find("tokenNumber") is not None:
        # A network token or wallet DPAN (Apple Pay, Google Pay): authorised like the card it stands for.
        card_ = checked(Card(text(method, "tokenNumber").replace(" ", ""), *expiry(method),
                             text(method, "cardHolderName") or None, None))
    elif method.tag == "CSE-DATA":
        card_ = checked(cse.card(text(method, "encryptedData") or "", address(method), whole))
    else:
        raise NotEmulatedShape(f"payment method {method.tag}")
    ct = None
    ct_el = op.find("createToken")
    if ct_el is not None and token is None:
        ct, shopper = create_token(ct_el, shopper, strict_reference)
    elif ct_el is not None:
        ct = CreateToken("shopper", None, None, None)  # refused by the core with its own text
    session = details.find("session")
    dynamic = op.find("dynamic3DS")
    return OrderRequest(
        order_code=code, amount=amount(op), card=card_, token=token, shopper=shopper, create_token=ct,
        stored_credentials=details.find("storedCredentials") is not None,
        scheme_id=text(details, "storedCredentials/schemeTransactionIdentifier") or None,
        payout=details.get("action") == "REFUND", description=text(op, "description") or "",
        session_id=session.get("id") if session is not None else None,
        browser_headers=bool(text(op, "shopper/browser/acceptHeader") and text(op, "shopper/browser/userAgentHeader")),
        dynamic3ds=dynamic.get("overrideAdvice") if dynamic is not None else None,
        flex=op.find("additional3DSData") is not None, mpi_authenticated=details.find("info3DSecure") is not None)


def modify_request(op) -> ModifyRequest:
    action = elements(op)[0]
    if action.tag not in MODIFICATIONS:
        raise NotEmulatedShape(f"orderModification/{action.tag}")
    return ModifyRequest(order_code(op), action.tag,
                         amount(action) if action.find("amount") is not None else None,
                         action.get("reference") or None)


class NotEmulatedShape(Invalid):
    """A vendor-valid request the sandbox does not emulate: code 5 naming it, never code 2."""

    def __init__(self, what: str) -> None:
        super().__init__(5, f"{what} is not emulated by the sandbox (see docs/paymentservice.md)")
