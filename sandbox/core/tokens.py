"""Stored cards and their life cycle, shared by the three APIs.

Access and paymentService both tokenise with NEW / MATCH / CONFLICT against an owner (Access
namespace, paymentService shopper, or none), compare only the fields the request supplied, keep
stored data on a conflict, and cap the cards per owner. OPP registrations never match: each
request creates one. Time comes from the caller (the tenant's virtual clock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import OwnerFull, UpdateLimitExceeded

DAY = 86400.0


class Outcome(StrEnum):
    NEW = "NEW"
    MATCH = "MATCH"
    CONFLICT = "CONFLICT"


@dataclass(slots=True)
class Token:
    id: str
    owner: str | None  # namespace / authenticatedShopperID; None for merchant scope or no namespace
    pan: str
    expiry_month: int | None
    expiry_year: int | None
    holder: str | None
    address: dict | None
    created_at: float
    expires_at: float | None  # None: no token expiry (OPP registrations use retention instead)
    last_used_at: float
    updates: list[float] = field(default_factory=list)  # times of updates, for rolling limits
    meta: dict = field(default_factory=dict)  # per-API attributes (description, reasons, ...)

    def get(self, name: str) -> Any:
        """A comparable field: an attribute, `expiry` as (month, year), or a meta key."""
        if name == "expiry":
            return (self.expiry_month, self.expiry_year)
        if name in _ATTRS:
            return getattr(self, name)
        return self.meta.get(name)

    def set(self, name: str, value: Any) -> None:
        if name == "expiry":
            self.expiry_month, self.expiry_year = value
        elif name in _ATTRS:
            setattr(self, name, value)
        elif value is None:
            self.meta.pop(name, None)
        else:
            self.meta[name] = value

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "owner": self.owner,
            "pan": self.pan,
            "expiryMonth": self.expiry_month,
            "expiryYear": self.expiry_year,
            "holder": self.holder,
            "address": self.address,
            "createdAt": self.created_at,
            "expiresAt": self.expires_at,
            "lastUsedAt": self.last_used_at,
            "updates": list(self.updates),
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Token:
        return cls(
            id=str(d["id"]),
            owner=d.get("owner"),
            pan=str(d["pan"]),
            expiry_month=d.get("expiryMonth"),
            expiry_year=d.get("expiryYear"),
            holder=d.get("holder"),
            address=d.get("address"),
            created_at=float(d["createdAt"]),
            expires_at=None if d.get("expiresAt") is None else float(d["expiresAt"]),
            last_used_at=float(d.get("lastUsedAt", d["createdAt"])),
            updates=[float(t) for t in d.get("updates", [])],
            meta=dict(d.get("meta") or {}),
        )


_ATTRS = frozenset({"id", "owner", "pan", "expiry_month", "expiry_year", "holder", "address"})


class TokenBook:
    """One tenant's tokens, indexed by id and by (owner, PAN) for matching.

    Owner operations (list a shopper's cards, count a namespace) cost O(cards of that owner).
    With `--state`, `changed` collects the ids of tokens added, removed or `touch`ed since the
    last commit, so a commit writes those rows only (persistence.py); None: nobody is saving. A
    dict used as an ordered set: new rows are written in the order the tokens were added, the
    order listings show after a restart.
    """

    __slots__ = ("by_id", "_owners", "changed")

    def __init__(self) -> None:
        self.by_id: dict[str, Token] = {}
        self._owners: dict[str | None, dict[str, str]] = {}
        self.changed: dict[str, None] | None = None

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, token_id: str) -> Token | None:
        return self.by_id.get(token_id)

    def add(self, token: Token, indexed: bool = True) -> None:
        self.by_id[token.id] = token
        if self.changed is not None:
            self.changed[token.id] = None
        if indexed:
            self._owners.setdefault(token.owner, {})[token.pan] = token.id

    def remove(self, token_id: str) -> Token | None:
        token = self.by_id.pop(token_id, None)
        if token is not None:
            if self.changed is not None:
                self.changed[token_id] = None
            index = self._owners.get(token.owner)
            if index is not None and index.get(token.pan) == token_id:
                del index[token.pan]
                if not index:
                    del self._owners[token.owner]
        return token

    def touch(self, token: Token) -> Token:
        """Record that `token` was changed in place (last use, update, new PAN): saved next commit."""
        if self.changed is not None:
            self.changed[token.id] = None
        return token

    def find(self, owner: str | None, pan: str) -> Token | None:
        token_id = self._owners.get(owner, {}).get(pan)
        return self.by_id.get(token_id) if token_id else None

    def of_owner(self, owner: str | None) -> list[Token]:
        return [self.by_id[t] for t in self._owners.get(owner, {}).values()]

    def reindex(self, token: Token, old_pan: str) -> None:
        """After an Account Updater PAN change, move the index entry."""
        index = self._owners.setdefault(token.owner, {})
        if index.get(old_pan) == token.id:
            del index[old_pan]
        index[token.pan] = token.id


def tokenize(
    book: TokenBook,
    *,
    owner: str | None,
    pan: str,
    requested: dict[str, Any],
    compare: Iterable[str],
    now: float,
    cap: int | None,
    new_token: Callable[[], Token],
) -> tuple[Outcome, Token, dict[str, Any]]:
    """Create or find the token for `pan` under `owner`.

    Only supplied fields (not None in `requested`) are compared: an omitted billing address keeps
    the stored one and still matches. On CONFLICT the stored token is unchanged and the differing
    requested values are returned. An expired token no longer holds its slot.
    """
    existing = book.find(owner, pan)
    if existing is not None and existing.expired(now):
        book.remove(existing.id)
        existing = None
    if existing is not None:
        conflicts = {}
        for name in compare:
            value = requested.get(name)
            if value is not None and value != existing.get(name):
                conflicts[name] = value
        return (Outcome.CONFLICT if conflicts else Outcome.MATCH), existing, conflicts
    if cap is not None and owner is not None:
        live = [t for t in book.of_owner(owner) if not t.expired(now)]
        if len(live) >= cap:
            raise OwnerFull(owner, cap)
    token = new_token()
    book.add(token)
    return Outcome.NEW, token, {}


def check_update_allowed(token: Token, now: float, limit: int, window_days: int) -> None:
    """Raise before changing anything when the rolling-window update limit is used up."""
    since = now - window_days * DAY
    if sum(1 for t in token.updates if t > since) >= limit:
        raise UpdateLimitExceeded(limit, window_days)


def record_update(token: Token, now: float, window_days: int) -> None:
    since = now - window_days * DAY
    token.updates = [t for t in token.updates if t > since]
    token.updates.append(now)
