"""The card-on-file chain (opp.md §13.4, E2-E3): standing instructions between CIT and MIT.

The cardholder-initiated transaction (CIT) that sets up an agreement (`standingInstruction.mode
=INITIAL`, `source=CIT`) gets a scheme transaction id from the network once it succeeds; real
clients persist it and send it as `standingInstruction.initialTransactionId` on every later
merchant-initiated transaction (MIT). The platform returns it in two places with the same value:
`resultDetails.CardholderInitiatedTransactionID` (on every successful card CIT; a HyperPay
connector test showed it without standing-instruction fields) and, on the INITIAL CIT only,
`standingInstruction.initialTransactionId`. Never on pending (3-D Secure in progress), declines,
MITs, registrations, back-office operations or non-card brands.

Format: connector-defined; test connectors answer a 15-digit number (Visa TID length), so the
sandbox draws 15 digits. A MIT may carry any string (Hyperswitch sends the OPP payment id).
"""

from __future__ import annotations

from ..ids import Ids
from ..tokens import Token
from .errors import OppError
from .scope import Scope

SCHEME_ID_DIGITS = 15
MIT_WITHOUT_INITIAL = "600.200.501"  # Invalid payment data for Recurring transaction ...


def chain_mit(scope: Scope, si: dict | None, cit: bool, token: Token | None) -> dict | None:
    """A MIT references the agreement: the id it sends, else the one its registration keeps; with
    neither, accepted (the platform rarely refuses, opp.md §13.4) unless the
    `opp.mit_requires_initial_transaction` option asks for 600.200.501."""
    if si is None or cit or "initialTransactionId" in si:
        return si
    initial = token.meta.get("initialTransactionId") if token is not None else None
    if initial:
        si["initialTransactionId"] = initial
    elif scope.option("opp.mit_requires_initial_transaction"):
        raise OppError(MIT_WITHOUT_INITIAL, {"id": scope.new_id()})
    return si


def cit_succeeded(ids: Ids, meta: dict) -> str:
    """A successful card CIT: its scheme transaction id, shown where the platform shows it."""
    scheme_id = ids.digits(SCHEME_ID_DIGITS)
    meta["citId"] = scheme_id
    si = meta.get("standingInstruction")
    if si and si.get("mode") == "INITIAL" and si.get("source") == "CIT":
        si["initialTransactionId"] = scheme_id
    return scheme_id
