"""Access network tokens (NPT): provisioning, lookup, cryptograms, delete (access.md §9).

Records live in the tenant's `AccessState.network` keyed by token reference (a
UUID). Outcomes come from the card catalogue (`catalogue.access.network.<PAN>: {outcome: ...}`):
`active` (default, synchronous), `pending` (asynchronous: no token until `pendingSeconds` of
virtual time have passed) or `providerError` (the documented provider failure variant).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..cards import luhn_ok
from ..ids import Ids
from . import tokens
from .errors import NetworkTokensDisabled, NetworkTokenUnknown
from .operations import token_from_href
from .scope import Scope
from .state import AccessState

PROVIDER_ERROR = {
    "errorCode": "301",
    "providerErrorCode": "403",
    "source": "A2T Visa NPT Token Provider Service",
    "context": "Provision Token",
    "message": "Provision Token.Processor Error",
}


def records(state: AccessState | None) -> dict[str, dict]:
    return state.network if state is not None else {}


def provision(state: AccessState, ids: Ids, pan: str, expiry: tuple[int, int], now: float, magic: dict | None,
              source_token: str | None = None) -> dict:
    outcome = (magic or {}).get("outcome", "active")
    record: dict[str, Any] = {
        "ref": ids.uuid(),
        "firstSix": pan[:6],
        "lastFour": pan[-4:],
        "cardExpiry": list(expiry),
        "par": payment_account_reference(pan),
        "createdAt": now,
        "outcome": outcome,
        "readyAt": now + float((magic or {}).get("pendingSeconds", 5)) if outcome == "pending" else now,
    }
    if source_token:
        record["sourceToken"] = source_token
    if outcome != "providerError":
        record["tokenNumber"] = _token_number(ids, pan)
        # A network token usually outlives the card expiry by up to three years; docs are silent.
        record["tokenExpiry"] = [expiry[0], expiry[1] + 3]
    state.network[record["ref"]] = record
    return record


def status(record: dict, now: float) -> str:
    if record["outcome"] == "providerError":
        return "Provision Processor Error"
    if now < record["readyAt"]:
        return "Pending"
    return "Active"


def find(state: AccessState | None, ref_or_number: str) -> dict | None:
    recs = records(state)
    if ref_or_number in recs:
        return recs[ref_or_number]
    ref = ref_or_number.lower()
    if ref in recs:
        return recs[ref]
    for rec in recs.values():
        if rec.get("tokenNumber") == ref_or_number:
            return rec
    return None


def delete(state: AccessState, record: dict) -> None:
    state.network.pop(record["ref"], None)


def payment_account_reference(pan: str) -> str:
    """A PAR is per card account, not per token: the same PAN always gives the same 29 characters."""
    return str(int(hashlib.sha256(pan.encode()).hexdigest(), 16))[:29]


def _token_number(ids: Ids, pan: str) -> str:
    """Same first digit (so same scheme) and length as the PAN, Luhn-valid, never the PAN."""
    while True:
        body = pan[0] + ids.digits(len(pan) - 2)
        for check in "0123456789":
            if luhn_ok(body + check):
                number = body + check
                break
        if number != pan:
            return number


# -- operations (one per route; apis/access/routes_network.py) -----------------------------------
def _check_enabled(scope: Scope, operation: str) -> None:
    """NPT is enabled per account; `access.npt_enabled=false` imitates an account without it."""
    if not scope.core.options["access.npt_enabled"]:
        raise NetworkTokensDisabled(operation)


def provision_token(scope: Scope, req: dict) -> dict:
    """POST /tokens/network: from card details or from an Access token href (a use of that
    token, seed 002's extension rule). The outcome comes from the catalogue's magic cards."""
    _check_enabled(scope, "provision")
    store, now = scope.core.store, scope.now()
    source = None
    if req["type"] == "card/tokenized":
        _, token = token_from_href(scope, req["href"])
        pan, expiry, source = token.pan, (token.expiry_month, token.expiry_year), token
    else:
        pan, expiry = req["pan"], req["expiry"]
    magic = scope.core.catalogue.magic_for("access", "network", pan)
    tenant = store.write(scope.tid)
    if source is not None:
        tokens.use(source, now, scope.policy)
    return provision(tenant.state, store.ids, pan, expiry, now, magic, source.id if source else None)


def lookup(scope: Scope, ref: str) -> dict:
    """GET /tokens/network/{tokenReference}: the record as at provisioning."""
    tenant = scope.core.store.peek(scope.tid)
    rec = find(tenant.state if tenant else None, ref)
    if rec is None:
        raise NetworkTokenUnknown("lookup")
    return rec


def cryptogram(scope: Scope, token_number: str) -> str:
    """POST /tokens/network/cryptograms: a one-off cryptogram for an active network token."""
    _check_enabled(scope, "cryptogram")
    tenant = scope.core.store.peek(scope.tid)
    rec = find(tenant.state if tenant else None, token_number)
    if rec is None or status(rec, scope.now()) != "Active":
        raise NetworkTokenUnknown("cryptogram")
    return base64.b64encode(scope.core.store.ids.bytes(20)).decode()


def delete_token(scope: Scope, ref: str) -> None:
    """DELETE /tokens/network/{reference or number}."""
    _check_enabled(scope, "delete")
    tenant = scope.core.store.peek(scope.tid)
    rec = find(tenant.state if tenant else None, ref)
    if rec is None:
        raise NetworkTokenUnknown("delete")
    delete(scope.core.store.write(scope.tid).state, rec)
