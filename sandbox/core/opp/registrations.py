"""OPP registration tokens: life cycle and the data-retention clock.

Retention (seed "Token extension", opp.md §10): a card token is deleted 14 months after card
expiry, counted from the first day after the expiry month (expiry 01/Y1 -> 1 Feb Y1 -> deleted
1 Apr Y2, the seed's own example); a token without a card expiry 14 months after its last
transaction. `extendlife` lengthens that period to 24 months (the seed: "can get extended for up
to 24-months"); we read it as "24 months instead of 14" from the same starting point, since the
docs give no other anchor. A lapsed token behaves exactly as a deregistered one.

Deregistered tokens stay in the book, marked, so a later use answers "already deregistered"
(100.150.202) rather than "does not exist" (100.150.200), as the vendor does.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime

from ..clock import add_months
from ..tokens import Token, TokenBook
from .errors import OppError

RETENTION_MONTHS = 14
EXTENDED_RETENTION_MONTHS = 24
REGISTRATION_ID = re.compile(r"^[0-9a-fA-F]{32}\Z")

VALID = "VALID"
DEREGISTERED = "DEREGISTERED"
LAPSED = "LAPSED"
MISSING = "MISSING"


class RegistrationError(OppError):
    """A registration that cannot be used for the operation; carries the OPP result code."""


# Which code each operation answers for each unusable state (opp.md §8.3, §12.7).
_CODES = {
    "use": {MISSING: "100.150.200", DEREGISTERED: "100.150.202", LAPSED: "100.150.202"},
    "deregister": {MISSING: "100.150.200", DEREGISTERED: "100.350.303", LAPSED: "100.350.303"},
    "extend": {MISSING: "100.350.316", DEREGISTERED: "100.350.316", LAPSED: "100.350.316"},
}


def retention_anchor(token: Token) -> float:
    """Where the retention period starts: the end of the card's expiry month, else the last use."""
    if token.expiry_month and token.expiry_year:
        return _card_anchor(token.expiry_year, token.expiry_month)
    return token.last_used_at


@functools.lru_cache(maxsize=1024)  # a handful of expiry months; read twice on every use of a card
def _card_anchor(year: int, month: int) -> float:
    return add_months(datetime(year, month, 1, tzinfo=UTC).timestamp(), 1)


def lapse_at(token: Token) -> float:
    months = EXTENDED_RETENTION_MONTHS if token.meta.get("extended") else RETENTION_MONTHS
    return add_months(retention_anchor(token), months)


def state_of(token: Token | None, now: float) -> str:
    if token is None:
        return MISSING
    if token.meta.get("deregisteredAt") is not None:
        return DEREGISTERED
    if now >= lapse_at(token):
        return LAPSED
    return VALID


def find(book: TokenBook | None, registration_id: str, now: float, operation: str = "use") -> Token:
    """The usable registration, or RegistrationError with the code the vendor answers.

    `operation` is "use" (GET, payments), "deregister" or "extend". A malformed id is 100.150.101.
    """
    if not REGISTRATION_ID.match(registration_id):
        raise RegistrationError("100.150.101")
    token = book.get(registration_id.lower()) if book is not None else None
    state = state_of(token, now)
    if state != VALID:
        raise RegistrationError(_CODES[operation][state])
    return token


def new_registration(token_id: str, card: dict, now: float, meta: dict) -> Token:
    """A card registration; `card` has number, expiryMonth, expiryYear, holder (never the CVV)."""
    token = Token(
        id=token_id,
        owner=None,
        pan=card["number"],
        expiry_month=int(card["expiryMonth"]),
        expiry_year=int(card["expiryYear"]),
        holder=card.get("holder"),
        address=meta.get("billing"),
        created_at=now,
        expires_at=None,
        last_used_at=now,
        meta=meta,
    )
    token.expires_at = lapse_at(token)
    return token


def new_account_registration(token_id: str, account: dict, now: float, meta: dict) -> Token:
    """A non-card registration (opp.md §13.1): `account` is {"bankAccount": {...}} (SEPA, with the
    mandate) or {"virtualAccount": {...}} (PayPal). No card expiry, so retention runs 14 months
    from the last transaction (seed "Token extension": card and non-card data)."""
    holder = (account.get("bankAccount") or {}).get("holder")
    token = Token(id=token_id, owner=None, pan="", expiry_month=None, expiry_year=None, holder=holder,
                  address=meta.get("billing"), created_at=now, expires_at=None, last_used_at=now,
                  meta={**meta, **account})
    token.expires_at = lapse_at(token)
    return token


def is_card(token: Token) -> bool:
    return bool(token.pan)


def registration_meta(brand: str | None, test_mode: str | None, customer: dict | None, billing: dict | None,
                      custom: dict | None, initial: str | None = None) -> dict:
    """The facts a registration keeps beside the card: one builder for the API and fixtures."""
    meta: dict = {}
    if brand:
        meta["paymentBrand"] = brand
    if test_mode:
        meta["testMode"] = test_mode
    if customer:
        meta["customer"] = dict(customer)
    if billing:
        meta["billing"] = dict(billing)
    if custom:
        meta["customParameters"] = dict(custom)
    if initial:
        meta["initialTransactionId"] = initial
    return meta


def add(book: TokenBook, token: Token) -> None:
    # Registrations never match each other, so they are not indexed by PAN (see store.py).
    book.add(token, indexed=False)


def record_use(token: Token, now: float) -> None:
    token.last_used_at = now
    token.expires_at = lapse_at(token)


def deregister(token: Token, now: float) -> None:
    token.meta["deregisteredAt"] = now
    token.expires_at = now


def extend(token: Token, now: float) -> float:
    """Extend retention to the longer period; returns the new deletion time."""
    token.meta["extended"] = True
    token.meta["extendedAt"] = now
    token.expires_at = lapse_at(token)
    return token.expires_at
