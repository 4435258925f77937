"""Account Updater on token inquiries (seed 003 "Account Updater token inquiries", wpg.md §4.10).

The card catalogue (`catalogue.wpg.cards.<PAN>.accountUpdater`) says what the issuer reports for a
card: `newPan`, `newExpiry` ("MM/YYYY"), `closed` (issuer closed the account) or
`cancelledRecurring` (shopper cancelled the recurring agreement at the issuer). A token inquiry
applies it: a new PAN or expiry rewrites the token, and a new PAN gives merchant tokens and
format-preserving tokens (whose id embeds BIN and last four) a new paymentTokenID, as the seed
says. How the real reply signals a closed account is undocumented; the sandbox answers with the
DTD's per-token `<error>` (code 7) and, for a closed account, deletes the token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..catalogue import Catalogue
from ..store import Store
from ..tokens import Token


@dataclass(slots=True)
class Update:
    token: Token  # the token to show (a new object when the id changed)
    old_id: str | None = None  # set when a new paymentTokenID was issued
    refusal: str | None = None  # closed / cancelled recurring: the per-token error text


CLOSED = "Account Updater: the card issuer has closed this account"
CANCELLED = "Account Updater: the shopper has cancelled the recurring payment agreement with the card issuer"


def instruction(catalogue: Catalogue, pan: str) -> dict | None:
    entry = catalogue.magic_for("wpg", "cards", pan)
    au = entry.get("accountUpdater") if entry else None
    return au if isinstance(au, dict) else None


def pending(catalogue: Catalogue, token: Token) -> dict | None:
    """The instruction still to apply to this token, or None (applying twice changes nothing)."""
    au = instruction(catalogue, token.pan)
    if not au:
        return None
    if au.get("closed") or au.get("cancelledRecurring"):
        return au
    new_pan = au.get("newPan")
    expiry = _expiry(au.get("newExpiry"))
    if (new_pan and str(new_pan) != token.pan) or (expiry and expiry != (token.expiry_month, token.expiry_year)):
        return au
    return None


def apply(store: Store, tid: str, token: Token, au: dict, *, new_id: Callable[[str], str],
          fresh_id: bool) -> Update:
    """Apply an instruction from `pending` (the caller checked the request first)."""
    tenant = store.write(tid)
    if au.get("closed"):
        tenant.tokens.remove(token.id)
        return Update(token, refusal=CLOSED)
    if au.get("cancelledRecurring"):
        token.meta["recurringCancelled"] = True
        return Update(token, refusal=CANCELLED)
    expiry = _expiry(au.get("newExpiry"))
    if expiry:
        token.expiry_month, token.expiry_year = expiry
    new_pan = str(au["newPan"]) if au.get("newPan") else None
    if not new_pan or new_pan == token.pan:
        return Update(token)
    old_pan, old_id = token.pan, token.id
    if fresh_id:
        tenant.tokens.remove(old_id)
        token.pan = new_pan
        token.id = new_id(new_pan)
        tenant.tokens.add(token)
        return Update(token, old_id=old_id)
    token.pan = new_pan
    tenant.tokens.reindex(token, old_pan)
    return Update(token)


def _expiry(text) -> tuple[int, int] | None:
    if not text:
        return None
    month, _, year = str(text).partition("/")
    try:
        return int(month), int(year)
    except ValueError:
        return None
