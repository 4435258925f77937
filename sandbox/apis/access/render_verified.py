"""Verified Tokens replies (vendor OpenAPI `verifiedTokens_*_response`): `_embedded.verification`
and `_embedded.token` (the Tokens resource, render.token_resource)."""

from __future__ import annotations

from ...core.access.verified import Verified
from ...core.tokens import Outcome
from .render import curies, token_href, token_resource

_STATUS = {Outcome.NEW: 201, Outcome.MATCH: 200, Outcome.CONFLICT: 409}
# Verified Tokens shows the brand in lower case ("visa", vendor examples).
_FUNDING = {"debit": "debit", "credit": "credit"}


def root(base: str) -> dict:
    """GET /verifiedTokens: the service's links (old API reference; v3 adds oneTime)."""
    return {"_links": {
        "verifiedTokens:cardOnFile": {"href": f"{base}/verifiedTokens/cardOnFile"},
        "verifiedTokens:oneTime": {"href": f"{base}/verifiedTokens/oneTime"},
        "curies": [{"href": f"{base}/rels/verifiedTokens/{{rel}}.json", "name": "verifiedTokens", "templated": True}],
    }}


def verified(base: str, result: Verified, verification_id: str, version: int = 3) -> tuple[int, dict]:
    """(status, body): 201/200/409 when verified (token NEW/MATCH/CONFLICT), 206 when not. v1/v2
    clients (the Magento 2 AW plugin speaks v2) get the flat body of those versions (access.md
    §12.1): `outcome` and `_links` to the verification, the token and any conflicts."""
    view, v = result.view, result.verification
    status = _STATUS[view.outcome] if result.verified else 206
    if version in (1, 2):
        href = token_href(base, view.secret, view.token)
        links = {"verifications:verification": {"href": f"{base}/verifications/accounts/{verification_id}"},
                 "tokens:token": {"href": href}}
        if view.conflicts is not None:
            links["tokens:conflicts"] = {"href": token_href(base, view.secret, view.token, "conflicts")}
        links["curies"] = curies(base)
        return status, {"outcome": v["outcome"], "_links": links}
    token = view.token
    profile = view.profile
    card: dict = {
        "number": {"bin": token.pan[:6], "last4Digits": token.pan[-4:]},
        "expiryDate": {"month": token.expiry_month, "year": token.expiry_year},
    }
    if profile.country:
        card["countryCode"] = profile.country
    if profile.brand:
        card["brand"] = profile.brand.lower()
    card["fundingType"] = _FUNDING.get(profile.funding, "unknown")
    verification = {"outcome": v["outcome"]}
    for key in ("code", "description", "schemeTransactionReference"):
        if key in v:
            verification[key] = v[key]
    verification.update(
        checkedAt=v["checkedAt"], riskFactors=v["riskFactors"],
        paymentInstrument={"type": "card/plain", "card": card},
        _links={
            # Not served: the vendor's verification resource is outside this sandbox (docs/access.md).
            "verifications:verification": {"href": f"{base}/verifications/accounts/{verification_id}"},
            "curies": [{"href": f"{base}/rels/verifications/accounts/{{rel}}", "name": "verifications",
                        "templated": True}],
        },
    )
    return status, {"_embedded": {"verification": verification, "token": token_resource(base, view)}}
