"""paymentService card vocabulary and card checks: brand names (wpg.md §4.1), the card checks the
service makes before authorising or tokenising (wpg.md §7), and the issuer country it shows."""

from __future__ import annotations

from datetime import UTC, datetime

from ..cards import CardProfile, luhn_ok
from .errors import CardRefused

# Canonical brand -> paymentService cardBrand / paymentMethod prefix (wpg.md §4.1).
BRANDS = {"MASTERCARD": "ECMC", "CARTEBANCAIRE": "CB"}


def wpg_brand(brand: str | None) -> str:
    return BRANDS.get(brand or "", brand or "CARD")


def sub_brand(profile: CardProfile) -> str:
    sub = profile.sub_brand or wpg_brand(profile.brand)
    return "ECMC" + sub[len("MASTERCARD"):] if sub.startswith("MASTERCARD") else sub


def payment_method(profile: CardProfile) -> str:
    """`payment/paymentMethod`, e.g. VISA-SSL, ECMC-SSL."""
    return wpg_brand(profile.brand) + "-SSL"


def country(profile: CardProfile, mode: str) -> str:
    # The test service answers "N/A" (seed 003 examples); live mode shows the BIN table's country.
    return (profile.country or "N/A") if mode == "live" else "N/A"


_MONTHS: dict[float, tuple[int, int]] = {}


def year_month(ts: float) -> tuple[int, int]:
    key = ts // 86400  # cached per UTC day: every card check asks for the current month
    hit = _MONTHS.get(key)
    if hit is None:
        d = datetime.fromtimestamp(ts, UTC)
        hit = (d.year, d.month)
        if len(_MONTHS) >= 64:
            _MONTHS.clear()
        _MONTHS[key] = hit
    return hit


def check(profile: CardProfile, pan: str, month: int | None, year: int | None, now: float) -> None:
    """Card checks the real service makes on a PAN and expiry (wpg.md §7)."""
    if profile.brand is None:
        raise CardRefused(5, "XML failed validation: Invalid payment details : Card number not recognised: "
                             f"{pan[:6]}{'*' * (len(pan) - 10)}{pan[-4:]}")
    if not luhn_ok(pan):
        raise CardRefused(7, f"Invalid payment details : Card number : {pan[:4]}{'*' * (len(pan) - 8)}{pan[-4:]}")
    if month is not None and expired(month, year, now):
        raise CardRefused(7, f"Invalid payment details : Expiry date = {month:02d}/{year}")


def expired(month: int, year: int, now: float) -> bool:
    return (year, month) < year_month(now)
