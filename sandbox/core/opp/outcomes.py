"""What an OPP transaction answers: card checks, magic cards, forced codes, 3-D Secure, test mode.

Order (first match wins): card data checks (opp.md §12.8), `customParameters[forceResultCode]`
(§9), the magic-card catalogue `catalogue.opp.cards` (fixtures add their own), the 3-D Secure
test parameters `customParameters[3DS2_enrolled]`/`[3DS2_flow]`, then the mode's success code.

Magic card outcome keys (fixtures/default.yaml `catalogue.opp.cards.<PAN>`):
  code: result code to answer (description from the catalogue unless `description` is given)
  threeDS: challenge | frictionless   (cardholder-initiated payments only)
  eci: ECI echoed in `threeDSecure.eci` for a successful 3-D Secure authentication
  registration: true                  (apply `code` to standalone registrations too)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ..cards import brand_of, luhn_ok
from ..clock import end_of_month
from .results import PENDING_OK, classify, describe, success_code

# OPP brand names -> the core's canonical brand, for the number/brand combination check.
_CANONICAL = {"VISA": "VISA", "MASTER": "MASTERCARD", "AMEX": "AMEX", "DINERS": "DINERS",
              "DISCOVER": "DISCOVER", "JCB": "JCB"}
_CVV_REQUIRED = ("VISA", "MASTER", "AMEX")  # 100.100.600 names only these: CVV optional for MAESTRO
# Issuer ranges for brands the core does not detect (OPP's own BIN tables are not public; these
# are the schemes' published IIN ranges): Visa Electron and Maestro, opp.md §9 test cards included.
_PREFIXES = {
    "VISAELECTRON": ("4026", "417500", "4405", "4508", "4844", "4913", "4917"),
    "MAESTRO": ("50", "56", "57", "58", "6"),
}


@functools.lru_cache(maxsize=1024)  # a few dozen expiry months, checked on every card transaction
def expiry_end(year: int, month: int) -> float:
    """The last second a card of this expiry month is valid (clock.end_of_month, remembered)."""
    return end_of_month(year, month)


def opp_brand(pan: str) -> str | None:
    """The OPP `paymentBrand` for a card number (MASTERCARD is `MASTER` in OPP)."""
    brand = brand_of(pan)
    return {"MASTERCARD": "MASTER"}.get(brand, brand) if brand else None


def card_error(card: dict, brand: str | None, now: float, require_cvv: bool) -> str | None:
    """The card/account validation code (opp.md §8.5) for the first problem, or None.

    `card` holds strings (number, holder, expiryMonth, expiryYear, cvv) already checked for shape.
    """
    number = card.get("number")
    if not number:
        return "100.100.100"
    if not luhn_ok(number):
        return "100.100.101"
    detected = brand_of(number)
    if brand in _CANONICAL and detected in _CANONICAL.values() and _CANONICAL[brand] != detected:
        return "100.100.700"
    if brand in _PREFIXES and not number.startswith(_PREFIXES[brand]):
        return "100.100.700"
    month, year = card.get("expiryMonth"), card.get("expiryYear")
    if not month:
        return "100.100.200"
    if not 1 <= int(month) <= 12:
        return "100.100.201"
    if not year:
        return "100.100.300"
    if len(year) != 4 or not 1900 <= int(year) <= 2099:
        return "100.100.301"
    if expiry_end(int(year), int(month)) < now:
        return "100.100.303"
    holder = card.get("holder")
    if holder is not None and not 2 <= len(holder) <= 128:
        return "100.100.401"
    cvv = card.get("cvv")
    if cvv is None:
        if require_cvv and (brand or opp_brand(number)) in _CVV_REQUIRED:
            return "100.100.600"
    elif not cvv.isdigit() or len(cvv) != (4 if (brand or opp_brand(number)) == "AMEX" else 3):
        return "100.100.601"
    return None


@dataclass(slots=True)
class Outcome:
    code: str
    description: str
    status: str  # success | pending | rejected ("review" codes count as success: money moved)
    three_ds: dict | None = None  # {"flow": "challenge"|"frictionless", "eci": "05"}
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "success"


def _from_code(code: str, description: str | None = None, **kw) -> Outcome:
    status = classify(code)
    return Outcome(code, description or describe(code), "success" if status == "review" else status, **kw)


def decide(*, mode: str, test_mode: str | None, custom: dict, magic: dict | None,
           stage: str, cit: bool) -> Outcome:
    """The outcome of an accepted transaction.

    stage: "registration" (standalone RG) or "payment" (PA/DB, with or without a token).
    cit: whether the cardholder is present (3-D Secure applies only then).
    """
    forced = custom.get("forceResultCode")
    if forced:
        return _from_code(forced)
    ok = success_code(mode, test_mode)
    magic = magic or {}
    if magic.get("code") and (stage == "payment" or magic.get("registration")):
        return _from_code(str(magic["code"]), magic.get("description"))
    if stage != "payment" or not cit:
        return _from_code(ok)
    flow = magic.get("threeDS")
    if flow is None and str(custom.get("3DS2_enrolled", "")).lower() == "true":
        flow = custom.get("3DS2_flow") or "challenge"
    if flow == "challenge":
        return _from_code(PENDING_OK, three_ds={"flow": "challenge", "eci": str(magic.get("eci", "05"))})
    if flow == "frictionless":
        return _from_code(ok, three_ds={"flow": "frictionless", "eci": str(magic.get("eci", "05"))})
    return _from_code(ok)
