"""Request parsing and validation for Access Tokens v3 (access.md §3.1, §3.3, §9, §10.3).

Every violation is collected (not just the first) with the vendor's `errorName`, a message in the
vendor's wording where one is documented, and a `jsonPath`; the caller raises one 400
`bodyDoesNotMatchSchema` with all of them. Nothing here touches the store.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...core.access.tokens import CardDetails, CreateRequest
from ...core.cards import luhn_ok
from ...core.clock import parse_iso
from .errors import AccessError, invalid

_DESCRIPTION = re.compile(r"^[^&<]*\Z")
_NAMESPACE = re.compile(r"^[^_][^ &<]*\Z")  # Payments API writes the documented rule this way
_STR = re.compile(r"^[a-zA-Z0-9 ]*\Z")
_COUNTRY = re.compile(r"^[A-Z]*\Z")
_DIGITS = re.compile(r"^[0-9]*\Z")
# A run of 12-19 digits, possibly split by spaces or dashes, inside an address line.
_PAN_RUN = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){11,18}(?![0-9])")

ADDRESS = {  # field: (required, min, max) per the OpenAPI `billingAddress`
    "address1": (True, 1, 80),
    "address2": (False, 0, 80),
    "address3": (False, 0, 80),
    "postalCode": (True, 1, 15),
    "city": (True, 1, 50),
    "state": (False, 1, 30),
    "countryCode": (True, 2, 2),
}


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)  # built in C; only a body that repeats a key takes the loop below
    if len(out) != len(pairs):
        seen: set = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes) -> Any:
    """The decoded body, or 400 bodyIsEmpty / bodyIsNotJson. Ambiguous JSON (a key given twice,
    NaN, invalid UTF-8) is rejected rather than guessed (DESIGN §6); deep nesting is not JSON we
    could ever accept, so it gets bodyIsNotJson too rather than a RecursionError."""
    if not body.strip():
        raise AccessError(400, "bodyIsEmpty", "The body within the request is empty")
    try:
        return json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _DuplicateKey as e:
        raise AccessError(400, "bodyIsNotJson", f"The body within the request is not valid json: duplicate key {e}") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise AccessError(400, "bodyIsNotJson", "The body within the request is not valid json") from None


class Checker:
    """Collects violations while reading a JSON document."""

    def __init__(self) -> None:
        self.errors: list[dict] = []

    def add(self, name: str, message: str, path: str) -> None:
        self.errors.append({"errorName": name, "message": message, "jsonPath": path})

    def done(self) -> None:
        if self.errors:
            raise invalid(ordered(self.errors))

    def obj(self, parent: dict, key: str, path: str, label: str, required: bool, allowed: set[str]) -> dict | None:
        if key not in parent:
            if required:
                self.add("fieldIsMissing", f"{label} must be supplied", f"{path}.{key}")
            return None
        value = parent[key]
        return self.object_at(value, f"{path}.{key}", label, allowed)

    def object_at(self, value: Any, path: str, label: str, allowed: set[str]) -> dict | None:
        if value is None:
            self.add("fieldIsNull", f"{label} must not be null", path)
            return None
        if not isinstance(value, dict):
            self.add("fieldMustBeObject", f"{label} must be an object", path)
            return None
        for extra in value.keys() - allowed:
            self.add("fieldIsNotAllowed", "Field at path is not allowed.", f"{path}.{extra}")
        return value

    def string(self, parent: dict, key: str, path: str, label: str, *, required: bool = False,
               lo: int = 1, hi: int = 255, pattern: re.Pattern | None = None) -> str | None:
        if key not in parent:
            if required:
                self.add("fieldIsMissing", f"{label} must be supplied", f"{path}.{key}")
            return None
        return self.string_at(parent[key], f"{path}.{key}", label, lo=lo, hi=hi, pattern=pattern)

    def string_at(self, value: Any, path: str, label: str, *, lo: int = 1, hi: int = 255,
                  pattern: re.Pattern | None = None) -> str | None:
        if value is None:
            self.add("fieldIsNull", f"{label} must not be null", path)
        elif not isinstance(value, str):
            self.add("fieldMustBeString", f"{label} must be a string", path)
        elif len(value) < lo:
            self.add("stringIsTooShort", f"{label} too short - must be between {lo} & {hi} characters", path)
        elif len(value) > hi:
            self.add("stringIsTooLong", f"{label} too long - must be between {lo} & {hi} characters", path)
        elif pattern is not None and not pattern.match(value):
            self.add("stringFailedRegexCheck", f"{label} does not match the pattern {pattern.pattern}", path)
        else:
            return value
        return None

    def integer(self, parent: dict, key: str, path: str, label: str, lo: int, hi: int) -> int | None:
        p = f"{path}.{key}"
        if key not in parent:
            self.add("fieldIsMissing", f"{label} must be supplied", p)
            return None
        value = parent[key]
        if value is None:
            self.add("fieldIsNull", f"{label} must not be null", p)
        elif isinstance(value, bool) or not isinstance(value, int):
            self.add("fieldMustBeInteger", f"{label} must be an integer", p)
        elif value < lo:
            self.add("integerIsTooSmall", f"{label} too small - must be between {lo} & {hi}", p)
        elif value > hi:
            self.add("integerIsTooLarge", f"{label} is too large - must be between {lo} & {hi}", p)
        else:
            return value
        return None

    # -- shared pieces -------------------------------------------------------------------------
    def token_expiry(self, root: dict, now: float) -> float | None:
        """`tokenExpiryDateTime`: an ISO 8601 date-time in the future (Tokens and Verified Tokens)."""
        raw = self.string(root, "tokenExpiryDateTime", "$", "Token expiry date time", hi=64)
        if raw is None:
            return None
        try:
            expires_at = parse_iso(raw)
        except ValueError:
            self.add("dateHasInvalidFormat", "Token expiry date time must be an ISO 8601 date-time",
                     "$.tokenExpiryDateTime")
            return None
        if expires_at <= now:
            self.add("fieldHasInvalidValue", "Token expiry date time must be in the future", "$.tokenExpiryDateTime")
            return None
        return expires_at

    def expiry_at(self, value: Any, path: str) -> tuple[int, int] | None:
        d = self.object_at(value, path, "Card expiry date", {"month", "year"})
        if d is None:
            return None
        month = self.integer(d, "month", path, "Card expiry month", 1, 12)
        year = self.integer(d, "year", path, "Card expiry year", 1, 9999)
        # The vendor's own wording (Tokens OpenAPI 400 example; Access Checkout pact tests, S24/S25):
        # month 0 is fieldHasInvalidValue while 13 is integerIsTooLarge. The asymmetry is theirs.
        for e in self.errors[-2:]:
            if e["jsonPath"] == f"{path}.month" and e["errorName"] == "integerIsTooSmall":
                e.update(errorName="fieldHasInvalidValue", message="Card expiry month too small - must be between 1 & 12")
            elif e["jsonPath"] == f"{path}.month" and e["errorName"] == "integerIsTooLarge":
                e["message"] = "Card expiry month is too large - must be between 1 & 12"
            elif e["jsonPath"] == f"{path}.year" and e["errorName"] == "integerIsTooLarge":
                e["message"] = "Card expiry year must be less than 9999"
        return (month, year) if month is not None and year is not None else None

    def address_at(self, value: Any, path: str) -> dict | None:
        d = self.object_at(value, path, "Billing address", set(ADDRESS))
        if d is None:
            return None
        out: dict[str, str] = {}
        for key, (required, lo, hi) in ADDRESS.items():
            pattern = _COUNTRY if key == "countryCode" else None
            v = self.string(d, key, path, _LABELS[key], required=required, lo=lo, hi=hi, pattern=pattern)
            if v is None:
                continue
            if key != "countryCode" and _might_be_pan(v):
                self.add("billingAddressMightContainCardNumber", "Address might contain a card number", f"{path}.{key}")
            out[key] = v
        return out

    def card_number(self, d: dict, path: str) -> str | None:
        pan = self.string(d, "cardNumber", path, "Card number", required=True, lo=0, hi=10_000)
        if pan is None:
            return None
        p = f"{path}.cardNumber"
        if not _DIGITS.match(pan):
            self.add("fieldHasInvalidValue", "Card number must be numeric", p)
        elif not 10 <= len(pan) <= 19:
            name = "stringIsTooShort" if len(pan) < 10 else "stringIsTooLong"
            self.add(name, "Card number is too short - must be between 10 & 19 digits" if len(pan) < 10
                     else "Card number is too long - must be between 10 & 19 digits", p)
        elif not luhn_ok(pan):
            self.add("panFailedLuhnCheck", "Card number is not valid", p)
        else:
            return pan
        return None


_LABELS = {
    "address1": "Address line 1", "address2": "Address line 2", "address3": "Address line 3",
    "postalCode": "Postal code", "city": "City", "state": "State", "countryCode": "Country code",
}


# Checks on content rather than form come last, as in the vendor's three-error example (Tokens
# OpenAPI 400: description, then the expiry month, then the address that might hold a PAN).
_CONTENT_CHECKS = ("billingAddressMightContainCardNumber", "panFailedLuhnCheck")


def ordered(errors: list[dict]) -> list[dict]:
    """Form errors sorted by JSON path, then content heuristics in the order found. The vendor's
    general rule is not documented; this reproduces its one example exactly (docs/access.md)."""
    form = sorted((e for e in errors if e["errorName"] not in _CONTENT_CHECKS), key=lambda e: e.get("jsonPath", ""))
    return form + [e for e in errors if e["errorName"] in _CONTENT_CHECKS]


def _might_be_pan(text: str) -> bool:
    for m in _PAN_RUN.finditer(text):
        digits = m.group(0).replace(" ", "").replace("-", "")
        if 12 <= len(digits) <= 19 and luhn_ok(digits):
            return True
    return False


def check_max_expiry(expires_at: float | None, max_expiry: float) -> None:
    """Beyond the maximum is a named error of its own (access.md §8, S23), not a schema violation."""
    if expires_at is not None and expires_at > max_expiry:
        raise AccessError(400, "tokenExpiryDateExceededMaximum", "Token expiry exceeds maximum time range",
                          jsonPath="$.tokenExpiryDateTime")


ENTITY_MAX = 1_000_000  # no documented limit; the body limit bounds it anyway


_CREATE_KEYS = {"description", "tokenExpiryDateTime", "namespace", "schemeTransactionReference",
                "paymentInstrument", "merchant"}
_CARD_FRONT_KEYS = {"type", "cardNumber", "cardHolderName", "cardExpiryDate", "billingAddress"}


def create_request(doc: Any, version: int, now: float, max_expiry: float) -> CreateRequest:
    """POST /tokens body -> CreateRequest, or one 400 with every violation (access.md §3.1).

    `merchant.entity` became mandatory in v3 (access.md §1): v1/v2 media types may omit it."""
    c = Checker()
    root = c.object_at(doc, "$", "Request body", _CREATE_KEYS)
    if root is None:
        c.done()
    pi = c.obj(root, "paymentInstrument", "$", "Payment instrument", True, _CARD_FRONT_KEYS)
    pan = holder = expiry = address = None
    if pi is not None:
        kind = c.string(pi, "type", "$.paymentInstrument", "Payment instrument type", required=True)
        if kind is not None and kind != "card/front":
            c.add("fieldHasInvalidValue", "Couldn't determine type of paymentInstrument", "$.paymentInstrument.type")
        holder = c.string(pi, "cardHolderName", "$.paymentInstrument", "Card holder name", required=True)
        pan = c.card_number(pi, "$.paymentInstrument")
        if "cardExpiryDate" in pi:
            expiry = c.expiry_at(pi["cardExpiryDate"], "$.paymentInstrument.cardExpiryDate")
        else:
            c.add("fieldIsMissing", "Card expiry date must be supplied", "$.paymentInstrument.cardExpiryDate")
        if "billingAddress" in pi:
            address = c.address_at(pi["billingAddress"], "$.paymentInstrument.billingAddress")
    merchant = c.obj(root, "merchant", "$", "Merchant", version >= 3, {"entity"})
    entity = None
    if merchant is not None:
        # The Tokens OpenAPI gives merchant.entity no length (the Payments API's 32 is its own).
        entity = c.string(merchant, "entity", "$.merchant", "Merchant entity", required=True, hi=ENTITY_MAX)
    description = c.string(root, "description", "$", "Token description", pattern=_DESCRIPTION)
    namespace = c.string(root, "namespace", "$", "Namespace", hi=64, pattern=_NAMESPACE)
    scheme = c.string(root, "schemeTransactionReference", "$", "Scheme transaction reference", hi=56, pattern=_STR)
    expires_at = c.token_expiry(root, now)
    c.done()
    check_max_expiry(expires_at, max_expiry)
    return CreateRequest(
        card=CardDetails(pan=pan, holder=holder, month=expiry[0], year=expiry[1], address=address),
        namespace=namespace, description=description, expires_at=expires_at,
        scheme_reference=scheme, entity=entity,
    )


# PUT per-field link bodies (access.md §3.3): a bare JSON string for the string attributes, an
# object for expiry and address. The OpenAPI's PUT schema also lists the string attributes as
# object properties, so `{"cardHolderName": "x"}` is accepted too (docs silent; lenient).
_STRING_FIELDS = {
    "description": ("Token description", 255, _DESCRIPTION),
    "cardHolderName": ("Card holder name", 255, None),
    "schemeTransactionReference": ("Scheme transaction reference", 56, _STR),
}


def update_value(field: str, doc: Any) -> Any:
    """The new value of one attribute, in Token vocabulary, or one 400 with every violation."""
    c = Checker()
    if field in _STRING_FIELDS:
        label, hi, pattern = _STRING_FIELDS[field]
        path = "$"
        if isinstance(doc, dict) and set(doc) == {field}:
            doc, path = doc[field], f"$.{field}"
        value = c.string_at(doc, path, label, hi=hi, pattern=pattern)
    elif field == "cardExpiryDate":
        value = c.expiry_at(doc, "$")
    else:
        value = c.address_at(doc, "$")
    c.done()
    return value


def network_request(doc: Any, now_year_month: tuple[int, int]) -> dict:
    """POST /tokens/network: card/front with card details, or card/tokenized with an href (§9)."""
    c = Checker()
    root = c.object_at(doc, "$", "Request body", {"paymentInstrument", "merchant"})
    if root is None:
        c.done()
    keys = _CARD_FRONT_KEYS - {"billingAddress"} | {"href"}
    pi = c.obj(root, "paymentInstrument", "$", "Payment instrument", True, keys)
    out: dict[str, Any] = {}
    if pi is not None:
        kind = c.string(pi, "type", "$.paymentInstrument", "Payment instrument type", required=True)
        out["type"] = kind
        if kind == "card/front":
            for k in pi.keys() & {"href"}:
                c.add("fieldIsNotAllowed", "Field at path is not allowed.", f"$.paymentInstrument.{k}")
            out["holder"] = c.string(pi, "cardHolderName", "$.paymentInstrument", "Card holder name", required=True)
            out["pan"] = c.card_number(pi, "$.paymentInstrument")
            if "cardExpiryDate" in pi:
                exp = c.expiry_at(pi["cardExpiryDate"], "$.paymentInstrument.cardExpiryDate")
                if exp is not None and (exp[1], exp[0]) < now_year_month:
                    c.add("fieldHasInvalidValue", "Card expiry date must not be in the past",
                          "$.paymentInstrument.cardExpiryDate")
                out["expiry"] = exp
            else:
                c.add("fieldIsMissing", "Card expiry date must be supplied", "$.paymentInstrument.cardExpiryDate")
        elif kind == "card/tokenized":
            for k in pi.keys() - {"type", "href"}:
                c.add("fieldIsNotAllowed", "Field at path is not allowed.", f"$.paymentInstrument.{k}")
            out["href"] = c.string(pi, "href", "$.paymentInstrument", "Token href", required=True, hi=2048)
        elif kind is not None:
            c.add("fieldHasInvalidValue", "Couldn't determine type of paymentInstrument", "$.paymentInstrument")
    merchant = c.obj(root, "merchant", "$", "Merchant", True, {"entity"})
    if merchant is not None:
        c.string(merchant, "entity", "$.merchant", "Merchant entity", required=True, hi=ENTITY_MAX)
    c.done()
    return out


def cryptogram_request(doc: Any) -> str:
    c = Checker()
    root = c.object_at(doc, "$", "Request body", {"tokenNumber"})
    if root is None:
        c.done()
    number = c.string(root, "tokenNumber", "$", "Token number", required=True, hi=19, pattern=_DIGITS)
    c.done()
    return number
