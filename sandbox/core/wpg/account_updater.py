"""Account Updater on token inquiries (seed 003 "Account Updater token inquiries", wpg.md §4.10, §11.6).

What the issuer reports for a token, first found of: an instruction scheduled for that token
(`token.meta.accountUpdater`, from a fixture or `PUT /_sandbox/tenants/{T}/tokens/{id}/account-updater`),
the vendor's test trigger on the cardholder name (`catalogue.wpg.holders["ACCOUNTUPDATER.VI"]`
...), or the sandbox's own cards (`catalogue.wpg.cards.<PAN>.accountUpdater`; never the vendor's
general test cards). An instruction holds `newPan`, `newExpiry` ("MM/YYYY"), `closed` (issuer
closed the account) or `cancelledRecurring` (shopper cancelled the recurring agreement). A token inquiry
applies it: a new PAN or expiry rewrites the token, and a new PAN gives merchant tokens and
format-preserving tokens (whose id embeds BIN and last four) a new paymentTokenID, as the seed
says. How the real reply signals a closed account is undocumented; the sandbox answers with the
DTD's per-token `<error>` (code 7) and, for a closed account, deletes the token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..catalogue import Catalogue
from ..errors import TokenNotFound
from ..store import Store
from ..tokens import Token


@dataclass(slots=True)
class Update:
    token: Token  # the token to show (a new object when the id changed)
    old_id: str | None = None  # set when a new paymentTokenID was issued
    refusal: str | None = None  # closed / cancelled recurring: the per-token error text


CLOSED = "Account Updater: the card issuer has closed this account"
CANCELLED = "Account Updater: the shopper has cancelled the recurring payment agreement with the card issuer"


def instruction(catalogue: Catalogue, token: Token) -> dict | None:
    scheduled = token.meta.get("accountUpdater")
    if isinstance(scheduled, dict):
        return scheduled
    for kind, key in (("holders", (token.holder or "").strip().upper()), ("cards", token.pan)):
        entry = catalogue.magic_for("wpg", kind, key)
        au = entry.get("accountUpdater") if entry else None
        if isinstance(au, dict):
            return au
    return None


KEYS = {"newPan", "newExpiry", "closed", "cancelledRecurring"}


def check_instruction(au: dict) -> dict:
    """An instruction as a fixture or the control plane sends it, checked (ValueError names the key)."""
    from ..cards import looks_like_pan, luhn_ok

    if not isinstance(au, dict) or not au or set(au) - KEYS:
        raise ValueError(f"accountUpdater: an object with any of {', '.join(sorted(KEYS))}")
    if "newPan" in au and not (isinstance(au["newPan"], str) and looks_like_pan(au["newPan"]) and luhn_ok(au["newPan"])):
        raise ValueError("accountUpdater.newPan: a card number of 12 to 19 digits passing the Luhn check")
    if "newExpiry" in au and _expiry(au["newExpiry"]) is None:
        raise ValueError("accountUpdater.newExpiry: MM/YYYY")
    for flag in ("closed", "cancelledRecurring"):
        if flag in au and not isinstance(au[flag], bool):
            raise ValueError(f"accountUpdater.{flag}: true or false")
    return dict(au)


def schedule(store: Store, tid: str, token_id: str, au: dict | None) -> Token:
    """What the next inquiry of this token reports (None: back to the name and card triggers)."""
    tenant = store.peek(tid)
    token = tenant.tokens.get(token_id) if tenant else None
    if token is None:
        raise TokenNotFound(token_id)
    checked = check_instruction(au) if au is not None else None
    store.write(tid)
    if checked is None:
        token.meta.pop("accountUpdater", None)
    else:
        token.meta["accountUpdater"] = checked
    return token


def pending(catalogue: Catalogue, token: Token) -> dict | None:
    """The instruction still to apply to this token, or None (applying twice changes nothing)."""
    au = instruction(catalogue, token)
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
        month_n, year_n = int(month), int(year)
    except ValueError:
        return None
    return (month_n, year_n) if 1 <= month_n <= 12 and 1000 <= year_n <= 9999 else None
