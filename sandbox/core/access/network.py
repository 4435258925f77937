"""Access network tokens (NPT): provisioning, lookup, cryptograms, delete (access.md §9).

Records live in the tenant's `AccessState.network` keyed by token reference (a
UUID). Outcomes come from the card catalogue (`catalogue.access.network.<PAN>: {outcome: ...}`):
`active` (default, synchronous), `pending` (asynchronous: no token until `pendingSeconds` of
virtual time have passed) or `providerError` (the documented provider failure variant); a brand
the vendor does not support gets the failure variant too. Fixtures seed records with
`seed_record` (sandbox/scenario/access.py), so the seed's lookup and cryptogram samples answer.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..cards import luhn_ok
from ..ids import Ids
from . import tokens
from .errors import NetworkCardExpired, NetworkTokensDisabled, NetworkTokenUnknown
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


# "Visa, Mastercard, American Express and Discover are currently supported" (create-a-network-
# token, 23 Apr 2025). Another brand gets the provider-error variant with this error (our wording:
# the vendor documents no error for it).
SUPPORTED_BRANDS = ("VISA", "MASTERCARD", "AMEX", "DISCOVER")
UNSUPPORTED_BRAND = {
    "errorCode": "301",
    "providerErrorCode": "400",
    "source": "NPT Token Provider Service",
    "context": "Provision Token",
    "message": "Card brand is not supported for network tokens",
}


def records(state: AccessState | None) -> dict[str, dict]:
    return state.network if state is not None else {}


def provision(state: AccessState, ids: Ids, pan: str, expiry: tuple[int, int], now: float, magic: dict | None,
              source_token: str | None = None, brand: str | None = None) -> dict:
    outcome = (magic or {}).get("outcome", "active")
    if brand not in SUPPORTED_BRANDS:
        outcome = "unsupportedBrand"
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
    if outcome not in PROVIDER_FAILURES:
        record["tokenNumber"] = _token_number(ids, pan, brand)
        # A network token usually outlives the card expiry by up to three years; docs are silent.
        record["tokenExpiry"] = [expiry[0], expiry[1] + 3]
    state.network[record["ref"]] = record
    return record


PROVIDER_FAILURES = {"providerError": PROVIDER_ERROR, "unsupportedBrand": UNSUPPORTED_BRAND}


def provisioning_error(record: dict) -> dict | None:
    """The `provisioningErrors` entry of a failed provisioning, else None."""
    error = PROVIDER_FAILURES.get(record["outcome"])
    return dict(error) if error else None


def status(record: dict, now: float) -> str:
    if record["outcome"] in PROVIDER_FAILURES:
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


# The part of the PAN a network token keeps so it stays in its scheme's number space (Visa 4,
# Mastercard 51-55 / 2221-2720, Amex 34/37, Discover 6011/644-659): token BIN ranges are the
# scheme's own, as the vendor's example shows (PAN 4444333322221111 -> token 4111111111111111).
_KEEP = {"VISA": 1, "MASTERCARD": 2, "AMEX": 2, "DISCOVER": 4}


def _token_number(ids: Ids, pan: str, brand: str | None = None) -> str:
    """Same scheme prefix and length as the PAN, Luhn-valid, never the PAN itself."""
    from ..cards import brand_of

    keep = pan[:_KEEP.get(brand or "", 1)]
    if brand == "MASTERCARD" and pan[0] == "2":
        keep = pan[:4]
    while True:
        body = keep + ids.digits(len(pan) - len(keep) - 1)
        number = next(body + check for check in "0123456789" if luhn_ok(body + check))
        if number != pan and (brand is None or brand_of(number) == brand):
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
        today = scope.core.store.clock_for(scope.tid).now_dt()
        if (token.expiry_year or 0, token.expiry_month or 0) < (today.year, today.month):
            raise NetworkCardExpired(token.id)
    else:
        pan, expiry = req["pan"], req["expiry"]
    magic = scope.core.catalogue.magic_for("access", "network", pan)
    brand = scope.core.catalogue.profile(pan).brand
    tenant = store.write(scope.tid, whole=False)  # network tokens live in the tenant's head
    if source is not None:
        tenant.tokens.touch(source)
        tokens.use(source, now, scope.policy)
    return provision(tenant.state, store.ids, pan, expiry, now, magic, source.id if source else None, brand)


def _record(scope: Scope, ref: str, operation: str) -> dict | None:
    """The tenant's network token record for a reference or token number (NPT must be enabled)."""
    _check_enabled(scope, operation)
    tenant = scope.core.store.peek(scope.tid)
    return find(tenant.state if tenant else None, ref)


def lookup(scope: Scope, ref: str) -> dict:
    """GET /tokens/network/{tokenReference}: the record as at provisioning."""
    rec = _record(scope, ref, "lookup")
    if rec is None:
        raise NetworkTokenUnknown("lookup")
    return rec


def cryptogram(scope: Scope, token_number: str) -> str:
    """POST /tokens/network/cryptograms: a one-off cryptogram for an active network token."""
    rec = _record(scope, token_number, "cryptogram")
    if rec is None or status(rec, scope.now()) != "Active":
        raise NetworkTokenUnknown("cryptogram")
    if rec.get("cryptogram"):  # a seeded token's fixed cryptogram (the seed's sample answers as written)
        return rec["cryptogram"]
    return base64.b64encode(scope.core.store.ids.bytes(20)).decode()


def delete_token(scope: Scope, ref: str) -> None:
    """DELETE /tokens/network/{reference or number}."""
    rec = _record(scope, ref, "delete")
    if rec is None:
        raise NetworkTokenUnknown("delete")
    delete(scope.core.store.write(scope.tid, whole=False).state, rec)


def seed_record(ref: str, pan_first_six: str, last_four: str, card_expiry: tuple[int, int],
                token_number: str | None, token_expiry: tuple[int, int] | None, par: str | None, now: float,
                status_: str = "Active", cryptogram_: str | None = None) -> dict:
    """A network-token record as provisioning would store it, from a fixture's given values."""
    outcome = {"Active": "active", "Pending": "pending", "Provision Processor Error": "providerError"}[status_]
    record: dict[str, Any] = {
        "ref": ref, "firstSix": pan_first_six, "lastFour": last_four, "cardExpiry": list(card_expiry),
        "par": par or str(int(hashlib.sha256(ref.encode()).hexdigest(), 16))[:29], "createdAt": now,
        "outcome": outcome, "readyAt": float("inf") if outcome == "pending" else now,
    }
    if outcome != "providerError" and token_number:
        record["tokenNumber"] = token_number
        record["tokenExpiry"] = list(token_expiry or (card_expiry[0], card_expiry[1] + 3))
    if cryptogram_:
        record["cryptogram"] = cryptogram_
    return record
