"""Access Tokens v3 life cycle: create (NEW/MATCH/CONFLICT), conflicts, updates, expiry, delete.

Facts from ../shared/reference/access.md: matching key is (tenant, PAN, namespace) (§4.2); the
conflict fields are cardHolderName, cardExpiryDate, billingAddress and schemeTransactionReference
(§4.3); a namespace holds 16 cards (§4.5); 50 updates in a rolling 30 days (§6); expiry defaults
and the half-life extension (§8, seed 002). Everything else here is HTTP-free: the adapter in
sandbox/apis/access parses, calls these functions and renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..clock import add_months
from ..errors import TokenNotFound
from ..tokens import DAY, Outcome, Token, TokenBook, check_update_allowed, record_update, tokenize

# Token fields that may differ between a create request and the stored token (access.md §4.3),
# in our Token vocabulary: holder/expiry/address are Token attributes, the STR lives in meta.
STR = "schemeTransactionReference"
CONFLICT_FIELDS = ("holder", "expiry", "address", STR)
# Seed 002 says "a default description is created for you" without the text; the seed's own
# GET sample reads "Token Description", so that is the default here.
DEFAULT_DESCRIPTION = "Token Description"


@dataclass(frozen=True, slots=True)
class Policy:
    """The switches that differ between the vendor's documents (README "Access Tokens v3")."""

    mode: str = "try"
    try_lifetime_days: int = 7  # seed 002 and the older docs; the 2025 docs say 90
    live_lifetime_months: int = 48  # 4 years
    extend_on_use: bool = True  # seed 002: "We extend the expiry ... after any use of the token"
    namespace_cap: int = 16
    max_updates: int = 50
    update_window_days: int = 30
    conflicts_minutes: int = 30  # the OpenAPI example's conflictsExpiryDateTime is 30 min on

    @classmethod
    def of(cls, options: Any, mode: str) -> Policy:
        """The policy the `access.*` options in force describe (core/options.py)."""
        return cls(
            mode=mode,
            try_lifetime_days=options["access.try_lifetime_days"],
            extend_on_use=options["access.extend_on_use"],
            namespace_cap=options["access.namespace_cap"],
            max_updates=options["access.max_updates"],
            update_window_days=options["access.update_window_days"],
            conflicts_minutes=options["access.conflicts_minutes"],
        )

    def lifetime(self, now: float) -> float:
        """Seconds from `now` to the default expiry of a new token in this mode."""
        if self.mode == "live":
            return add_months(now, self.live_lifetime_months) - now
        return self.try_lifetime_days * DAY

    def max_expiry(self, now: float) -> float:
        """Latest client-supplied tokenExpiryDateTime accepted. Undocumented maximum: we use the
        Live default (4 years), which every document calls the longest lifetime."""
        return add_months(now, self.live_lifetime_months)


@dataclass(slots=True)
class CardDetails:
    pan: str
    holder: str
    month: int
    year: int
    address: dict | None  # only the keys the client sent


@dataclass(slots=True)
class CreateRequest:
    card: CardDetails
    namespace: str | None = None
    description: str | None = None
    expires_at: float | None = None
    scheme_reference: str | None = None
    entity: str | None = None


def create(
    book: TokenBook, req: CreateRequest, now: float, policy: Policy, new_id: Callable[[], str]
) -> tuple[Outcome, Token, dict[str, Any]]:
    """Tokenise a card. MATCH and CONFLICT keep the stored data; CONFLICT remembers the differing
    request values for `policy.conflicts_minutes` so the `tokens:conflicts` link can apply them.
    Raises OwnerFull (the 17th card of a namespace) before anything is stored."""
    card = req.card
    requested = {
        "holder": card.holder,
        "expiry": (card.month, card.year),
        "address": card.address,
        STR: req.scheme_reference,
    }

    outcome, token, conflicts = tokenize(
        book, owner=req.namespace, pan=card.pan, requested=requested, compare=CONFLICT_FIELDS,
        now=now, cap=policy.namespace_cap, new_token=lambda: new_token(new_id(), req, now, policy),
    )
    if outcome is Outcome.CONFLICT:
        stored = {k: (list(v) if isinstance(v, tuple) else v) for k, v in conflicts.items()}
        stored["expiresAt"] = now + policy.conflicts_minutes * 60
        token.meta["conflicts"] = stored
    if outcome is not Outcome.NEW:
        use(token, now, policy)
    return outcome, token, conflicts


def new_token(token_id: str, req: CreateRequest, now: float, policy: Policy) -> Token:
    """A token from validated create values: the one constructor POST /tokens, Verified Tokens
    and the fixture builder (sandbox/scenario/access.py) share, so a seeded token and an
    API-created one hold the same fields under every option."""
    card = req.card
    expires = req.expires_at if req.expires_at is not None else now + policy.lifetime(now)
    meta = {"description": req.description or DEFAULT_DESCRIPTION}
    if req.scheme_reference:
        meta[STR] = req.scheme_reference
    if req.entity:
        meta["entity"] = req.entity
    return Token(
        id=token_id, owner=req.namespace, pan=card.pan, expiry_month=card.month,
        expiry_year=card.year, holder=card.holder, address=card.address, created_at=now,
        expires_at=expires, last_used_at=now, meta=meta,
    )


def find(book: TokenBook | None, token_id: str, now: float) -> Token:
    """A live token, or TokenNotFound: unknown, deleted and expired look the same (access.md §5)."""
    token = book.get(token_id) if book is not None else None
    if token is None or token.expired(now):
        raise TokenNotFound(token_id)
    return token


def use(token: Token, now: float, policy: Policy) -> bool:
    """An inquiry, update or use: extend by one default lifetime when under half of it remains
    (seed 002; older docs name inquiry, update and use). Returns whether the expiry moved."""
    token.last_used_at = now
    if not policy.extend_on_use or token.expires_at is None:
        return False
    lifetime = policy.lifetime(now)
    if token.expires_at - now < lifetime / 2:
        token.expires_at += lifetime
        return True
    return False


def needs_extension(token: Token, now: float, policy: Policy) -> bool:
    """Whether `use` would change the token (so a read can skip marking the tenant changed)."""
    return (
        policy.extend_on_use
        and token.expires_at is not None
        and token.expires_at - now < policy.lifetime(now) / 2
    )


def pending_conflicts(token: Token, now: float) -> dict | None:
    """The conflicting values still held for this token, or None once they expired."""
    held = token.meta.get("conflicts")
    if not held or now >= held.get("expiresAt", 0):
        return None
    return held


def check_update(token: Token, now: float, policy: Policy) -> None:
    """Raise UpdateLimitExceeded when the rolling window is used up (50 in 30 days, §6)."""
    check_update_allowed(token, now, policy.max_updates, policy.update_window_days)


def update(token: Token, field: str, value: Any, now: float, policy: Policy) -> None:
    """Replace one attribute (one per call, access.md §6); raises UpdateLimitExceeded first."""
    check_update_allowed(token, now, policy.max_updates, policy.update_window_days)
    _apply(token, field, value)
    record_update(token, now, policy.update_window_days)
    use(token, now, policy)


def resolve_conflicts(token: Token, now: float, policy: Policy) -> None:
    """PUT on the conflicts link: apply every held conflicting value (counts as one update)."""
    held = pending_conflicts(token, now)
    if held is None:
        raise TokenNotFound(token.id)
    check_update_allowed(token, now, policy.max_updates, policy.update_window_days)
    for name in CONFLICT_FIELDS:
        if name in held:
            _apply(token, name, tuple(held[name]) if name == "expiry" else held[name])
    token.meta.pop("conflicts", None)
    record_update(token, now, policy.update_window_days)
    use(token, now, policy)


def _apply(token: Token, field: str, value: Any) -> None:
    if field == "description":
        token.meta["description"] = value
    else:
        token.set(field, value)


def delete(book: TokenBook, token: Token) -> None:
    """Frees the namespace slot; the card can be tokenised again (access.md §7)."""
    book.remove(token.id)


def of_namespace(book: TokenBook | None, namespace: str, now: float) -> list[Token]:
    if book is None:
        return []
    return sorted((t for t in book.of_owner(namespace) if not t.expired(now)), key=lambda t: t.created_at)
