"""paymentService token life cycle: shopper and merchant tokens (wpg.md §3, §4; seed 003).

Shopper tokens belong to an `authenticatedShopperID` (at most 16 each); merchant tokens belong to
no shopper (`Token.owner` None). Creating compares expiry date, cardholder name and card address
with the stored token for the same owner and PAN: NEW / MATCH / CONFLICT, the existing id and
unchanged data on MATCH and CONFLICT (seed 003 reference table). Every function validates with
a read-only tenant (or None) first and raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import OwnerFull, TokenNotFound
from ..store import Store, Tenant
from ..tokens import Outcome, Token, check_update_allowed, record_update, tokenize
from .cards import expired
from .errors import CardRefused, TokenRuleError

SHOPPER_CAP = 16  # tokens per authenticatedShopperID (wpg.md §3.1)
UPDATE_LIMIT, UPDATE_WINDOW_DAYS = 10, 30  # seed 003 "Update tokens"
REASON_MAX = 255  # longer reasons are truncated, not rejected (wpg.md §3.3)
DAY = 86400.0
LIFETIME = {"try": 7 * DAY, "live": 4 * 365.25 * DAY}  # wpg.md §3.3: 7 days in test, 4 years live
MAX_LIFETIME = 4 * 366 * DAY
COMPARED = ("expiry", "holder", "address")  # seed 003: expiryDate, cardHolderName, cardAddress


@dataclass(slots=True)
class Card:
    pan: str | None
    expiry_month: int | None
    expiry_year: int | None
    holder: str | None
    address: dict | None


@dataclass(slots=True)
class CreateRequest:
    scope: str  # shopper | merchant
    shopper: str | None
    card: Card
    event_reference: str | None  # the current request's ("outer") values
    reason: str | None
    expires_at: float | None  # paymentTokenExpiry override
    order_code: str | None  # None: created without payment


_DAYS: dict[float, str] = {}


def day(ts: float) -> str:
    # Cached per UTC day (every create names the day; strftime was a visible part of one).
    key = ts // 86400
    hit = _DAYS.get(key)
    if hit is None:
        hit = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
        if len(_DAYS) >= 64:
            _DAYS.clear()
        _DAYS[key] = hit
    return hit


def owner_of(scope: str, shopper: str | None) -> str | None:
    return shopper if scope == "shopper" else None


def check_create(tenant: Tenant | None, req: CreateRequest, now: float) -> None:
    """Everything create() refuses, checked read-only (order + createToken checks it before authorising)."""
    if req.expires_at is not None and not (now < req.expires_at <= now + MAX_LIFETIME):
        raise TokenRuleError(2, "paymentTokenExpiry must be in the future and at most four years away")
    owner = owner_of(req.scope, req.shopper)
    existing = tenant.tokens.find(owner, req.card.pan) if tenant else None
    if existing is not None and existing.expired(now):
        existing = None
    if existing is None and owner is not None and tenant is not None:
        live = [t for t in tenant.tokens.of_owner(owner) if not t.expired(now)]
        if len(live) >= SHOPPER_CAP:
            raise OwnerFull(owner, SHOPPER_CAP)


def default_reason(order_code: str | None, now: float) -> str:
    if order_code:
        return f"Created during order: {order_code}"  # "includes the orderCode" (seed 003)
    return f"Created token without payment on {day(now)}"  # AM fixture (wpg.md §3.3)


def build_token(token_id: str, req: CreateRequest, *, now: float, mode: str, seq: int) -> Token:
    """A new token object from a create request: the API (create) and fixtures (scenario/wpg.py)
    both build tokens here, so a seeded token and an API-created one hold the same fields."""
    card = req.card
    return Token(
        id=token_id,
        owner=owner_of(req.scope, req.shopper),
        pan=card.pan,
        expiry_month=card.expiry_month,
        expiry_year=card.expiry_year,
        holder=card.holder,
        address=card.address,
        created_at=now,
        expires_at=req.expires_at or now + LIFETIME.get(mode, LIFETIME["try"]),
        last_used_at=now,
        meta={
            "scope": req.scope,
            "eventReference": req.event_reference,
            "reason": (req.reason or default_reason(req.order_code, now))[:REASON_MAX],
            "seq": seq,
        },
    )


def create(store: Store, tid: str, req: CreateRequest, *, mode: str, new_id: Callable[[str], str]) -> tuple[Outcome, Token]:
    """paymentTokenCreate / order + createToken: NEW, MATCH or CONFLICT. Raises before writing anything."""
    now = store.now(tid)
    check_create(store.peek(tid), req, now)
    tenant = store.write(tid, whole=False)
    card = req.card
    requested = {"expiry": (card.expiry_month, card.expiry_year), "holder": card.holder, "address": card.address}
    if card.expiry_month is None:
        requested["expiry"] = None
    outcome, token, _ = tokenize(
        tenant.tokens, owner=owner_of(req.scope, req.shopper), pan=card.pan, requested=requested, compare=COMPARED,
        now=now, cap=SHOPPER_CAP,
        new_token=lambda: build_token(new_id(card.pan), req, now=now, mode=mode, seq=next_seq(tenant)))
    return outcome, tenant.tokens.touch(token)


def next_seq(tenant: Tenant) -> int:
    """A per-tenant counter that orders "last used" when the virtual clock is frozen."""
    tenant.state.seq += 1
    return tenant.state.seq


def find(tenant: Tenant | None, scope: str, shopper: str | None, token_id: str, now: float) -> Token:
    """The live token with this id in this scope (and for this shopper), else TokenNotFound."""
    token = tenant.tokens.get(token_id) if tenant else None
    if (
        token is None
        or token.expired(now)
        or token.meta.get("scope", "shopper") != scope
        or (scope == "shopper" and token.owner != shopper)
    ):
        raise TokenNotFound(token_id)
    return token


def shopper_tokens(tenant: Tenant | None, shopper: str, now: float) -> list[Token]:
    """Up to 16 live shopper tokens, most recently used first (seed 003 "Shopper token retrieval")."""
    if tenant is None:
        return []
    live = [t for t in tenant.tokens.of_owner(shopper)
            if not t.expired(now) and t.meta.get("scope", "shopper") == "shopper"]
    live.sort(key=lambda t: (t.last_used_at, t.meta.get("seq", 0)), reverse=True)
    return live[:SHOPPER_CAP]


def mark_used(tenant: Tenant, token: Token, now: float) -> None:
    """Call with the tenant `Store.write` returned."""
    tenant.tokens.touch(token)
    token.last_used_at = now
    token.meta["seq"] = next_seq(tenant)


def update(store: Store, tid: str, scope: str, shopper: str | None, token_id: str, card: Card) -> Token:
    """paymentTokenUpdate: expiry and holder kept when absent, cardAddress replaced or removed."""
    now = store.now(tid)
    token = find(store.peek(tid), scope, shopper, token_id, now)
    if card.pan is not None and card.pan != token.pan:
        raise TokenRuleError(2, "The card number of a token cannot be updated: create a new token")
    if card.expiry_month is not None and expired(card.expiry_month, card.expiry_year, now):
        # The same check create and order make (wpg.md §7): a token never takes a past expiry.
        raise CardRefused(7, f"Invalid payment details : Expiry date = {card.expiry_month:02d}/{card.expiry_year}")
    check_update_allowed(token, now, UPDATE_LIMIT, UPDATE_WINDOW_DAYS)
    store.write(tid, whole=False).tokens.touch(token)
    if card.expiry_month is not None:
        token.expiry_month, token.expiry_year = card.expiry_month, card.expiry_year
    if card.holder is not None:
        token.holder = card.holder
    token.address = card.address  # "Anything not included within this will be removed" (seed 003)
    record_update(token, now, UPDATE_WINDOW_DAYS)
    return token


def delete(store: Store, tid: str, scope: str, shopper: str | None, token_id: str) -> Token:
    token = find(store.peek(tid), scope, shopper, token_id, store.now(tid))
    store.write(tid, whole=False).tokens.remove(token.id)
    return token
