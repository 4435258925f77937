"""Verified Tokens (`/verifiedTokens/cardOnFile`, `/verifiedTokens/oneTime`): verify a card with
the issuer simulator, then tokenise it with the same store and matching rules as POST /tokens (a
verified token is a token: create_token decides NEW / MATCH / CONFLICT).

Facts from the vendor OpenAPI (../shared/reference/access-verified-tokens.openapi.yaml): 201 new,
200 match, 409 conflict when verified; 206 when the card could not be verified, with the token
created or matched all the same. The vendor lists no verification test values; ours follow the
Payments API's Try issuer (docs/access.md "Verified Tokens"): cardHolderName `REFUSED`/`REFUSED<n>`
is not verified, `ERROR` fails (500), an expired card is not verified (code 33).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import iso
from ..tokens import Outcome
from . import tokens
from .operations import TokenView, create_token
from .payments import AVS_NOT_MATCHED, CVC_NOT_MATCHED, issuer_decision
from .scope import Scope

# The vendor's own 206 example pairs plain REFUSED with code 106 INVALIDACCOUNT.
NOT_VERIFIED_DEFAULT = ("106", "INVALIDACCOUNT")


@dataclass(slots=True)
class VerifyRequest:
    create: tokens.CreateRequest  # card, namespace, description, expiry, entity
    cvc: str | None
    currency: str
    kind: str  # cardOnFile | oneTime


@dataclass(slots=True)
class Verified:
    view: TokenView
    verification: dict  # outcome, checkedAt, code/description, riskFactors, scheme reference

    @property
    def verified(self) -> bool:
        return self.verification["outcome"] == "verified"


def _risk_factors(req: VerifyRequest) -> list[dict]:
    """Verified Tokens' own vocabulary: `matched` / `not_matched` (vendor examples)."""
    out = []
    if req.cvc is not None:
        out.append({"risk": "not_matched" if req.cvc in CVC_NOT_MATCHED else "matched", "type": "cvc"})
    address = req.create.card.address
    if address:
        avs = AVS_NOT_MATCHED.get((address.get("postalCode") or "").upper(), ())
        for detail in ("postcode", "address"):
            out.append({"risk": "not_matched" if detail in avs else "matched", "type": "avs", "detail": detail})
    return out


def verify(scope: Scope, req: VerifyRequest) -> Verified:
    """Verify, then tokenise. IssuerError (ERROR magic) and UnrecognizedCardBrand are raised before
    anything is stored; OwnerFull as for POST /tokens."""
    now = scope.now()
    card = req.create.card
    refusal = issuer_decision(card.holder, (card.month, card.year), now)
    view = create_token(scope, req.create)
    verification: dict = {"checkedAt": iso(now), "riskFactors": _risk_factors(req)}
    if refusal is None:
        verification["outcome"] = "verified"
        if req.kind == "cardOnFile":
            # "If you are using the Verified Tokens API to create tokens, it is automatically
            # included where applicable" (Tokens docs): a new token carries the scheme reference.
            scheme = view.token.meta.get(tokens.STR)
            if scheme is None and view.outcome is Outcome.NEW:
                scheme = scope.core.store.ids.digits(33)
                view.token.meta[tokens.STR] = scheme
            if scheme is not None:
                verification["schemeTransactionReference"] = scheme
    else:
        code, text = refusal
        if (code, text) == (5, "REFUSED"):
            code, text = NOT_VERIFIED_DEFAULT
        verification.update(outcome="not verified", code=str(code), description=text)
    return Verified(view, verification)
