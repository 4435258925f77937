"""Wire -> typed request (opp.md §2, §5): the form decoded by hand (form.py), every parameter validated.

Validation: every check appends `{name, value, message}` to one list; the handler answers HTTP
400 `200.300.404` with all of them (opp.md §6 "Validation error") before anything is stored.
Card *content* problems (Luhn, expiry, CVV) are not parameter errors: core/opp/outcomes.py
answers them with their 100.100.xxx codes, as the vendor does. Unknown parameters are ignored,
as the vendor's gateway does for parameters it does not use.
"""

from __future__ import annotations

import re

from ...core.opp.backoffice import REFERENCE_TYPES
from ...core.opp.errors import Invalid, OppError
from ...core.opp.results import DESCRIPTIONS
from ...core.opp.transactions import TxRequest
from .parse_accounts import DATE, bank_account, virtual_account

AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{2})?\Z")
CURRENCY = re.compile(r"^[A-Z]{3}\Z")
ENTITY = re.compile(r"^[A-Za-z0-9]{1,32}\Z")  # AN32 (opp.md §3; 32 lowercase hex in practice)
CUSTOM_KEY = re.compile(r"^customParameters\[([A-Za-z0-9._]{3,64})\]\Z")
GROUP_KEY = re.compile(r"^(customer|billing|shipping)\.([A-Za-z0-9]{1,64})\Z")
REGISTRATION_KEY = re.compile(r"^registrations\[([0-9]{1,2})\]\.id\Z")
RESULT_CODE = re.compile(r"^[0-9]{3}\.[0-9]{3}\.[0-9]{3}\Z")
URL = re.compile(r"^https?://[^\s]{1,2040}\Z")
CARD_NUMBER = re.compile(r"[0-9]{12,19}")  # fullmatch; the message shows ^...$
EXPIRY_MONTH = re.compile(r"^[0-9]{1,2}\Z")
EXPIRY_YEAR = re.compile(r"^[0-9]{2,4}\Z")
# The optional parameter families _common() reads; a request without one skips its checks.
GROUP_PREFIXES = ("customer.", "billing.", "shipping.")

CARD_BRANDS = ("VISA", "MASTER", "AMEX", "DINERS", "DISCOVER", "JCB", "MAESTRO", "VISAELECTRON", "VPAY",
               "UNIONPAY", "CHINAUNIONPAY", "MADA", "DANKORT", "CARTEBLEUE", "CARTEBANCAIRE", "ELO")
ACCOUNT_BRANDS = {"DIRECTDEBIT_SEPA": "bankAccount", "PAYPAL": "virtualAccount"}  # opp.md §13.1
BRANDS = CARD_BRANDS + tuple(ACCOUNT_BRANDS)
PAYMENT_TYPES = ("PA", "DB", "CD", "PA.CP")
TOKEN_PAYMENT_TYPES = ("PA", "DB", "PA.CP")
SI_MODES = ("INITIAL", "REPEATED")
SI_TYPES = ("UNSCHEDULED", "RECURRING", "INSTALLMENT")
SI_SOURCES = ("CIT", "MIT")
SI_ECHOED = (
    ("recurringType", ("SUBSCRIPTION", "STANDING_ORDER")),
    ("expiry", re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")),
    ("frequency", re.compile(r"^[0-9]{4}\Z")),
    ("numberOfInstallments", re.compile(r"^[0-9]{1,3}\Z")),
    ("industryPractice", ("INCREMENTAL_AUTH", "RESUBMISSION", "REAUTHORIZATION", "DELAYED_CHARGES", "NO_SHOW")),
)
ECHOED = (("merchantTransactionId", 255), ("merchantInvoiceId", 255), ("descriptor", 127))


def shown(pattern: str) -> str:
    """A pattern as the platform's messages write it (`$`); we anchor with `\\Z`, since `$` also
    matches before a trailing newline and would let "EUR\\n" pass as a currency."""
    return pattern.replace("\\Z", "$")


class Params:
    """The decoded parameters plus the list of problems found so far."""

    def __init__(self, values: dict[str, str], errors: list[dict] | None = None) -> None:
        self.values = values
        self.errors = errors if errors is not None else []

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def bad(self, name: str, message: str) -> None:
        self.errors.append({"name": name, "value": self.values.get(name), "message": message})

    def required(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            self.bad(name, "may not be empty")
        return value

    def one_of(self, name: str, allowed: tuple[str, ...], required: bool = False) -> str | None:
        value = self.required(name) if required else self.values.get(name)
        if value is not None and value not in allowed:
            self.bad(name, f"must be one of [{', '.join(allowed)}]")
            return None
        return value

    def matching(self, name: str, pattern: re.Pattern, required: bool = False) -> str | None:
        value = self.required(name) if required else self.values.get(name)
        if value is not None and not pattern.fullmatch(value):
            self.bad(name, f"must match {shown(pattern.pattern)}")
            return None
        return value


def entity(p: Params) -> str | None:
    """`entityId`, or the legacy `authentication.entityId` (opp.md §3)."""
    name = "entityId" if "entityId" in p.values else "authentication.entityId"
    value = p.get(name)
    if value is None:
        p.errors.append({"name": "entityId", "value": None, "message": "may not be empty"})
    elif not ENTITY.match(value):
        p.bad(name, f"must match {shown(ENTITY.pattern)}")
        return None
    return value


def amount(p: Params, required: bool = True) -> tuple[str | None, int | None]:
    """`92.00` / `92` -> ("92.00", 9200); the echo always has two decimals."""
    value = p.matching("amount", AMOUNT, required)
    if value is None:
        return None, None
    whole, _, cents = value.partition(".")
    minor = int(whole) * 100 + int(cents or 0)
    return f"{minor // 100}.{minor % 100:02d}", minor


def currency(p: Params, required: bool = True) -> str | None:
    return p.matching("currency", CURRENCY, required)


def card(p: Params, required: bool) -> dict | None:
    """The card block with its shape checked, or None when no card field was sent."""
    values = p.values
    number, holder = values.get("card.number"), values.get("card.holder")
    month, year, cvv = values.get("card.expiryMonth"), values.get("card.expiryYear"), values.get("card.cvv")
    if number is None and holder is None and month is None and year is None and cvv is None \
            and not any(k.startswith("card.") for k in values):  # another card.* field counts as sent
        if required:
            p.errors.append({"name": "paymentBrand", "value": values.get("paymentBrand"),
                             "message": "card properties must be set"})
        return None
    if number is None:
        p.bad("card.number", "may not be empty")
    elif not CARD_NUMBER.fullmatch(number):
        p.bad("card.number", "must match ^[0-9]{12,19}$")
    for name, value, shape in (("card.expiryMonth", month, EXPIRY_MONTH), ("card.expiryYear", year, EXPIRY_YEAR)):
        if value is not None and not shape.match(value):
            p.bad(name, f"must match {shown(shape.pattern)}")
    if holder is not None and len(holder) > 128:
        p.bad("card.holder", "size must be between 0 and 128")
    return {"number": number, "holder": holder, "expiryMonth": month, "expiryYear": year, "cvv": cvv}


def instrument(p: Params, req: TxRequest, required: bool) -> None:
    """The card, bank account or virtual account the brand calls for."""
    kind = ACCOUNT_BRANDS.get(req.brand or "")
    if kind == "bankAccount":
        req.account = {"bankAccount": bank_account(p)}
    elif kind == "virtualAccount":
        req.account = {"virtualAccount": virtual_account(p)}
    else:
        req.card = card(p, required=required)
    due = p.matching("transactionDueDate", DATE)
    if due is not None:
        req.echo["transactionDueDate"] = due


def brand(p: Params) -> str | None:
    return p.one_of("paymentBrand", BRANDS)


def custom_parameters(p: Params) -> dict[str, str]:
    custom = {}
    for key, value in p.values.items():
        if key.startswith("customParameters"):
            m = CUSTOM_KEY.match(key)
            if not m:
                p.bad(key, "customParameters key must match [A-Za-z0-9._]{3,64}")
            elif len(value) > 2048:
                p.bad(key, "size must be between 0 and 2048")
            else:
                custom[m.group(1)] = value
    forced = custom.get("forceResultCode")
    if forced is not None and not RESULT_CODE.match(forced):
        p.bad("customParameters[forceResultCode]", f"must match {shown(RESULT_CODE.pattern)}")
        custom.pop("forceResultCode")
    elif forced is not None and forced not in DESCRIPTIONS:
        p.bad("customParameters[forceResultCode]", "must be a code of GET /v1/resultcodes (opp.md §13.5)")
        custom.pop("forceResultCode")
    return custom


def groups(p: Params) -> dict[str, dict]:
    """`customer.*`, `billing.*`, `shipping.*`, echoed back as nested objects."""
    out: dict[str, dict] = {}
    for key, value in p.values.items():
        m = GROUP_KEY.match(key)
        if m:
            if len(value) > 255:
                p.bad(key, "size must be between 0 and 255")
            else:
                out.setdefault(m.group(1), {})[m.group(2)] = value
    return out


def echoed(p: Params) -> dict[str, str]:
    out = {}
    for name, limit in ECHOED:
        value = p.get(name)
        if value is not None:
            if len(value) > limit:
                p.bad(name, f"size must be between 0 and {limit}")
            else:
                out[name] = value
    return out


def standing_instruction(p: Params) -> dict | None:
    """`standingInstruction.mode/type/source[/initialTransactionId]`: all three or none; MIT is
    always REPEATED (an initial card-on-file agreement needs the cardholder present)."""
    si = {k: p.get(f"standingInstruction.{k}") for k in ("mode", "type", "source", "initialTransactionId")}
    if not any(si.values()):
        return None
    mode = p.one_of("standingInstruction.mode", SI_MODES, required=True)
    kind = p.one_of("standingInstruction.type", SI_TYPES, required=True)
    source = p.one_of("standingInstruction.source", SI_SOURCES, required=True)
    if source == "MIT" and mode == "INITIAL":
        p.bad("standingInstruction.mode", "must be REPEATED for a merchant-initiated (MIT) transaction")
    initial = si["initialTransactionId"]
    if initial is not None and len(initial) > 255:
        p.bad("standingInstruction.initialTransactionId", "size must be between 0 and 255")
    out = {"mode": mode, "type": kind, "source": source}
    # Echoed as sent (opp.md §13.4): recurringType, expiry, frequency, numberOfInstallments, industryPractice.
    for name, check in SI_ECHOED:
        value = p.get(f"standingInstruction.{name}")
        if value is None:
            continue
        if (isinstance(check, tuple) and value not in check) or (not isinstance(check, tuple) and not check.match(value)):
            p.bad(f"standingInstruction.{name}", f"must be one of [{', '.join(check)}]" if isinstance(check, tuple)
                  else f"must match {check.pattern}")
        else:
            out[name] = value
    if initial is not None:
        out["initialTransactionId"] = initial
    return out


def flag(p: Params, name: str) -> bool:
    return p.one_of(name, ("true", "false")) == "true"


def registrations(p: Params) -> list[str]:
    """`registrations[n].id` of a checkout, in index order."""
    found = []
    for key, value in p.values.items():
        m = REGISTRATION_KEY.match(key)
        if m:
            if not re.fullmatch(r"[0-9a-fA-F]{32}", value):
                p.bad(key, "must match ^[0-9a-fA-F]{32}$")
            else:
                found.append((int(m.group(1)), value.lower()))
    return [rid for _, rid in sorted(found)]


# -- typed requests -------------------------------------------------------------------------------
def raise_errors(p: Params) -> None:
    if p.errors:
        raise Invalid(p.errors)


def test_mode_of(mode: str, p: Params) -> str | None:
    """`testMode` is INTERNAL or EXTERNAL, and only on the test system (opp.md §9): 100.300.101."""
    value = p.get("testMode")
    if value is not None and (mode == "live" or value not in ("INTERNAL", "EXTERNAL")):
        raise OppError("100.300.101")
    return value


def _common(p: Params, req: TxRequest) -> None:
    # One pass finds which optional families were sent; each check runs only for a family present
    # (an absent one adds nothing and reports nothing, so values and error order are unchanged).
    custom = grouped = instructed = False
    for key in p.values:
        if key.startswith("customParameters"):
            custom = True
        elif key.startswith(GROUP_PREFIXES):
            grouped = True
        elif key.startswith("standingInstruction."):
            instructed = True
    req.custom = custom_parameters(p) if custom else {}
    req.echo = echoed(p)
    if grouped:
        req.echo.update(groups(p))
    req.shopper_result_url = p.matching("shopperResultUrl", URL)
    req.si = standing_instruction(p) if instructed else None
    legacy = p.one_of("recurringType", ("INITIAL", "REPEATED"))
    if legacy is not None:  # the deprecated top-level parameter is echoed as sent (opp.md §13.4)
        req.echo["recurringType"] = legacy
    req.cit = (req.si or {}).get("source", "CIT" if legacy != "REPEATED" else "MIT") == "CIT"


def registration_request(mode: str, p: Params) -> TxRequest:
    """E1: card data, no paymentType (seed: "excluding paymentType"); amount/currency ignored."""
    req = TxRequest(brand=brand(p))
    if p.get("paymentType") is not None:
        p.bad("paymentType", "must be empty for a standalone registration (use /v1/payments with createRegistration=true)")
    _common(p, req)
    instrument(p, req, required=True)
    raise_errors(p)
    req.test_mode = test_mode_of(mode, p)
    return req


def payment_request(mode: str, p: Params, token_payment: bool) -> TxRequest:
    """E2 (`/v1/payments`, card required) and E3 (`/v1/registrations/{id}/payments`, stored card)."""
    types = TOKEN_PAYMENT_TYPES if token_payment else PAYMENT_TYPES
    req = TxRequest(payment_type=p.one_of("paymentType", types, required=True))
    req.amount, req.minor = amount(p)
    req.currency = currency(p)
    req.brand = brand(p)
    if token_payment:
        req.card = {"cvv": p.get("card.cvv")}  # one-click CIT may send the CVV; nothing else is used
        _common(p, req)
    else:
        req.create_registration = flag(p, "createRegistration")
        _common(p, req)
        instrument(p, req, required=True)
    raise_errors(p)
    req.test_mode = test_mode_of(mode, p)
    return req


def reference_request(p: Params) -> tuple[str, int | None, str | None, dict]:
    """E11: (paymentType CP|RF|RV, amount in minor units or None, currency, echoed fields)."""
    kind = p.one_of("paymentType", REFERENCE_TYPES, required=True)
    _, minor = amount(p, required=False)
    cur = currency(p, required=minor is not None)
    echo = echoed(p)
    raise_errors(p)
    return kind, minor, cur, echo


def checkout_request(mode: str, p: Params) -> dict:
    """E7: the stored checkout fields (all JSON-able)."""
    req = TxRequest(payment_type=p.one_of("paymentType", TOKEN_PAYMENT_TYPES))
    req.create_registration = flag(p, "createRegistration")
    if req.payment_type is not None:
        req.amount, req.minor = amount(p)
        req.currency = currency(p)
    elif not req.create_registration:
        p.bad("paymentType", "may not be empty (or send createRegistration=true for a registration-only checkout)")
    stored = registrations(p)
    _common(p, req)
    raise_errors(p)
    req.test_mode = test_mode_of(mode, p)
    integrity = flag(p, "integrity")
    raise_errors(p)
    return {"paymentType": req.payment_type, "amount": req.amount, "minor": req.minor, "integrity": integrity,
            "currency": req.currency, "createRegistration": req.create_registration,
            "registrations": stored, "shopperResultUrl": req.shopper_result_url, "si": req.si,
            "cit": req.cit, "custom": req.custom, "echo": req.echo, "testMode": req.test_mode}


def widget_submission(p: Params) -> tuple[str | None, str | None, dict | None]:
    """The widget's form: (registrationId, paymentBrand, card) -- a stored card or a new one."""
    chosen = p.get("registrationId")
    if chosen is not None:
        result = chosen, None, {"cvv": p.get("card.cvv")}
    else:
        result = None, brand(p), card(p, required=True)
    raise_errors(p)
    return result
