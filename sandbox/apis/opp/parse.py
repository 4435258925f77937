"""Validate OPP parameters (opp.md §5) into plain dicts, collecting every bad parameter.

Every check appends `{name, value, message}` to one list; the handler answers HTTP 400
`200.300.404` with all of them (opp.md §6 "Validation error") before anything is stored.
Card *content* problems (Luhn, expiry, CVV) are not parameter errors: core/opp_outcomes.py
answers them with their 100.100.xxx codes, as the vendor does.
Unknown parameters are ignored, as the vendor's gateway does for parameters it does not use.
"""

from __future__ import annotations

import re

AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{2})?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
ENTITY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
CUSTOM_KEY = re.compile(r"^customParameters\[([A-Za-z0-9._]{3,64})\]$")
GROUP_KEY = re.compile(r"^(customer|billing|shipping)\.([A-Za-z0-9]{1,64})$")
REGISTRATION_KEY = re.compile(r"^registrations\[([0-9]{1,2})\]\.id$")
RESULT_CODE = re.compile(r"^[0-9]{3}\.[0-9]{3}\.[0-9]{3}$")
URL = re.compile(r"^https?://[^\s]{1,2040}$")

BRANDS = ("VISA", "MASTER", "AMEX", "DINERS", "DISCOVER", "JCB", "MAESTRO", "VISAELECTRON", "VPAY",
          "UNIONPAY", "CHINAUNIONPAY", "MADA", "DANKORT", "CARTEBLEUE", "CARTEBANCAIRE", "ELO")
PAYMENT_TYPES = ("PA", "DB", "CD", "PA.CP")
TOKEN_PAYMENT_TYPES = ("PA", "DB", "PA.CP")
REFERENCE_TYPES = ("CP", "RF", "RV")
SI_MODES = ("INITIAL", "REPEATED")
SI_TYPES = ("UNSCHEDULED", "RECURRING", "INSTALLMENT")
SI_SOURCES = ("CIT", "MIT")
ECHOED = (("merchantTransactionId", 255), ("merchantInvoiceId", 255), ("descriptor", 127))


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
            self.bad(name, f"must match {pattern.pattern}")
            return None
        return value


def entity(p: Params) -> str | None:
    """`entityId`, or the legacy `authentication.entityId` (opp.md §3)."""
    name = "entityId" if "entityId" in p.values else "authentication.entityId"
    value = p.get(name)
    if value is None:
        p.errors.append({"name": "entityId", "value": None, "message": "may not be empty"})
    elif not ENTITY.fullmatch(value):
        p.bad(name, f"must match {ENTITY.pattern}")
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
    fields = {k[5:]: v for k, v in p.values.items() if k.startswith("card.")}
    if not fields:
        if required:
            p.errors.append({"name": "paymentBrand", "value": p.get("paymentBrand"),
                             "message": "card properties must be set"})
        return None
    number = fields.get("number")
    if number is None:
        p.bad("card.number", "may not be empty")
    elif not re.match(r"^[0-9]{12,19}$", number):
        p.bad("card.number", "must match ^[0-9]{12,19}$")
    for name, shape in (("expiryMonth", r"^[0-9]{1,2}$"), ("expiryYear", r"^[0-9]{2,4}$")):
        value = fields.get(name)
        if value is not None and not re.match(shape, value):
            p.bad(f"card.{name}", f"must match {shape}")
    holder = fields.get("holder")
    if holder is not None and len(holder) > 128:
        p.bad("card.holder", "size must be between 0 and 128")
    return {k: fields.get(k) for k in ("number", "holder", "expiryMonth", "expiryYear", "cvv")}


def brand(p: Params) -> str | None:
    return p.one_of("paymentBrand", BRANDS)


def custom_parameters(p: Params) -> dict[str, str]:
    custom = {}
    for key, value in p.values.items():
        if key.startswith("customParameters"):
            m = CUSTOM_KEY.fullmatch(key)
            if not m:
                p.bad(key, "customParameters key must match [A-Za-z0-9._]{3,64}")
            elif len(value) > 2048:
                p.bad(key, "size must be between 0 and 2048")
            else:
                custom[m.group(1)] = value
    forced = custom.get("forceResultCode")
    if forced is not None and not RESULT_CODE.fullmatch(forced):
        p.bad("customParameters[forceResultCode]", f"must match {RESULT_CODE.pattern}")
        custom.pop("forceResultCode")
    return custom


def groups(p: Params) -> dict[str, dict]:
    """`customer.*`, `billing.*`, `shipping.*`, echoed back as nested objects."""
    out: dict[str, dict] = {}
    for key, value in p.values.items():
        m = GROUP_KEY.fullmatch(key)
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
    if initial is not None:
        out["initialTransactionId"] = initial
    return out


def flag(p: Params, name: str) -> bool:
    return p.one_of(name, ("true", "false")) == "true"


def registrations(p: Params) -> list[str]:
    """`registrations[n].id` of a checkout, in index order."""
    found = []
    for key, value in p.values.items():
        m = REGISTRATION_KEY.fullmatch(key)
        if m:
            if not re.match(r"^[0-9a-fA-F]{32}$", value):
                p.bad(key, "must match ^[0-9a-fA-F]{32}$")
            else:
                found.append((int(m.group(1)), value.lower()))
    return [rid for _, rid in sorted(found)]
