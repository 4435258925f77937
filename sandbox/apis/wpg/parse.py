"""Reading a paymentService request: safe XML parsing, our DTD, then typed values (wpg.md §1.3).

lxml parses with entity resolution, network access and DTD loading off: requests name the
vendor DTD by URL and it is never fetched. A DOCTYPE with an internal subset (entity or element
declarations: XXE, billion laughs) is refused outright. The document is then validated against
the sandbox's own DTD (dtd/paymentService_sandbox.dtd), loaded once on first use. Field rules the
DTD cannot express (shopper id, card number, dates) raise `Invalid` with the vendor's code.
lxml itself is imported on first request, to keep it off the start-up path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...core.cards import looks_like_pan, luhn_ok
from ...core.wpg.tokens import Card
from ...web.xml_bounds import raw_problem, tree_problem

DTD_PATH = Path(__file__).resolve().parents[3] / "dtd" / "paymentService_sandbox.dtd"
_state: dict = {}
_SHOPPER_BAD = re.compile(r"\s")
_EVENT_REF = re.compile(r"^[A-Za-z0-9_]{1,64}$")


class Invalid(Exception):
    """A request the vendor would refuse with `<error code=...>` (code 2 for parse/DTD)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def _tools():
    if not _state:
        from lxml import etree

        _state["etree"] = etree
        _state["parser"] = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                           huge_tree=False, dtd_validation=False)
        _state["dtd"] = etree.DTD(str(DTD_PATH))
    return _state["etree"], _state["parser"], _state["dtd"]


def parse_document(body: bytes):
    """The validated `paymentService` root element, or Invalid(2, parser-style message)."""
    etree, parser, dtd = _tools()
    if not body.strip():
        raise Invalid(2, "Premature end of file: the request body is empty")
    if problem := raw_problem(body):  # bounded work: refused before parsing (web/xml_bounds.py)
        raise Invalid(2, problem)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:
        raise Invalid(2, f"The XML could not be parsed: {e.msg}") from None
    except ValueError as e:  # e.g. a str with an encoding declaration; never reached with bytes
        raise Invalid(2, f"The XML could not be parsed: {e}") from None
    internal = root.getroottree().docinfo.internalDTD
    if internal is not None and (any(True for _ in internal.iterentities())
                                 or any(True for _ in internal.iterelements())):
        raise Invalid(2, "The DOCTYPE must not declare entities or elements (internal DTD subset refused)")
    if not isinstance(root.tag, str) or root.tag != "paymentService":
        raise Invalid(2, f'Document root element "{root.tag}", must match DOCTYPE root "paymentService".')
    if problem := tree_problem(root):  # bounded work before the super-linear DTD validation
        raise Invalid(2, problem)
    if not dtd.validate(root):
        errors = dtd.error_log.filter_from_errors() or dtd.error_log
        first = errors[0]
        raise Invalid(2, f"{first.message} (line {first.line})")
    return root


# -- typed values ------------------------------------------------------------------------------
def text(el, name: str) -> str | None:
    child = el.find(name) if el is not None else None
    if child is None:
        return None
    return (child.text or "").strip()


def operation(root) -> tuple[str, object]:
    """('paymentTokenCreate', element) and so on: the one operation element of the request."""
    wrapper = next(c for c in root if isinstance(c.tag, str))  # the DTD guarantees one of each
    op = next(c for c in wrapper if isinstance(c.tag, str))
    return op.tag, op


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


def event_reference(value: str | None) -> str | None:
    if value is None:
        return None
    if not _EVENT_REF.match(value):
        raise Invalid(2, "tokenEventReference must be 1 to 64 letters, digits or underscores")
    return value


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
    addr = el.find("cardAddress/address") if el is not None else None
    if addr is None:
        return None
    return {f: text(addr, f) for f in ADDRESS_FIELDS if addr.find(f) is not None}


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


def check_card(pan: str, brand: str | None, month: int | None, year: int | None, now_month: tuple[int, int]) -> None:
    """Card checks the real service makes on a PAN and expiry (wpg.md §7)."""
    if brand is None:
        raise Invalid(5, "XML failed validation: Invalid payment details : Card number not recognised: "
                         f"{pan[:6]}{'*' * (len(pan) - 10)}{pan[-4:]}")
    if not luhn_ok(pan):
        raise Invalid(7, f"Invalid payment details : Card number : {pan[:4]}{'*' * (len(pan) - 8)}{pan[-4:]}")
    if month is not None and (year, month) < (now_month[0], now_month[1]):
        raise Invalid(7, f"Invalid payment details : Expiry date = {month:02d}/{year}")


@dataclass(slots=True)
class Amount:
    value: int
    currency: str
    exponent: int


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
    from datetime import UTC, datetime

    try:
        return datetime(whole(date.get("year")), whole(date.get("month")), whole(date.get("dayOfMonth") or "1"),
                        whole(date.get("hour") or "0"), whole(date.get("minute") or "0"),
                        whole(date.get("second") or "0"), tzinfo=UTC).timestamp()
    except (TypeError, ValueError):
        raise Invalid(2, "paymentTokenExpiry/date is not a valid date") from None
