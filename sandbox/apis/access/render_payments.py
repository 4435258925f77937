"""Payments API 2024-06-01 replies (vendor OpenAPI examples; docs/access.md "Payments"):
`application/json` with `_links.self` and `_actions` {href, method}."""

from __future__ import annotations

from ...core.access import payments as pay
from ...core.access.operations import TokenView
from ...core.access.payments import Authorization
from ...core.cards import CardProfile, mask
from ...core.clock import iso
from ...core.payments import Payment
from .render import conflicts_body, token_href

# `_actions` key -> the path after the payment's self href (vendor OpenAPI paths).
ACTION_PATHS = {
    pay.SETTLE: "settlements", pay.PARTIAL_SETTLE: "partialSettlements", pay.CANCEL: "cancellations",
    pay.REFUND: "refunds", pay.PARTIAL_REFUND: "partialRefunds", pay.REVERSE: "reversals",
}
# What each action answers (`outcome` of the 202 reply).
ACTION_OUTCOMES = {
    pay.SETTLE: "sentForSettlement", pay.PARTIAL_SETTLE: "sentForSettlement", pay.CANCEL: "sentForCancellation",
    pay.REFUND: "sentForRefund", pay.PARTIAL_REFUND: "sentForPartialRefund", pay.REVERSE: "sentForReversal",
}
# Catalogue brand -> the Payments API `cardBrand` enum.
_BRANDS = {"VISA": "visa", "MASTERCARD": "mastercard", "AMEX": "amex", "DISCOVER": "discover", "DINERS": "diners",
           "JCB": "jcb", "MAESTRO": "maestro", "CHINAUNIONPAY": "unionPay", "ELO": "elo",
           "CARTEBANCAIRE": "cartesBancaires"}
_FUNDING = {"credit": "credit", "debit": "debit", "prepaid": "prepaid", "charge": "chargeCard",
            "deferredDebit": "deferredDebit"}


def self_href(base: str, p: Payment) -> str:
    return f"{base}/api/payments/{p.id}"


def _links_and_actions(base: str, p: Payment) -> dict:
    href = self_href(base, p)
    out: dict = {"_links": {"self": {"href": href}}}
    offered = pay.actions(p)
    if offered:
        out["_actions"] = {a: {"href": f"{href}/{ACTION_PATHS[a]}", "method": "POST"} for a in offered}
    return out


def instrument(p: Payment, profile: CardProfile) -> dict:
    card = p.meta["card"]
    out = {"type": "card/plain+masked", "cardBin": card["bin"], "lastFour": card["lastFour"]}
    if profile.country:
        out["countryCode"] = profile.country
    if card.get("month") and card.get("year"):
        out["expiryDate"] = {"year": card["year"], "month": card["month"]}
    if profile.brand in _BRANDS:
        out["cardBrand"] = _BRANDS[profile.brand]
    out["fundingType"] = _FUNDING.get(profile.funding, "unknown")
    out["category"] = "consumer"
    out["paymentAccountReference"] = card["par"]
    return out


def authorization(base: str, auth: Authorization) -> tuple[int, dict]:
    """(status, body) of POST /api/payments: 201 authorized / refused, 202 sentForSettlement."""
    p, meta = auth.payment, auth.payment.meta
    body: dict = {"outcome": meta["outcome"], "paymentId": p.id, "transactionReference": meta["transactionReference"]}
    if meta["outcome"] == "refused":
        body.update(refusalDescription=meta["refusalDescription"], refusalCode=meta["refusalCode"],
                    advice={"code": "01"}, riskFactors=meta["riskFactors"],
                    paymentInstrument=instrument(p, auth.profile))
        return 201, body
    body.update(schemeReference=meta["schemeReference"], issuer={"authorizationCode": meta["authorizationCode"]},
                riskFactors=meta["riskFactors"], paymentInstrument=instrument(p, auth.profile))
    if auth.created is not None:
        body["token"] = stored_token(base, auth.created, meta["schemeReference"])
    body.update(_links_and_actions(base, p))
    return (202 if meta["outcome"] == "sentForSettlement" else 201), body


def action(base: str, p: Payment, name: str) -> dict:
    """The 202 reply of one action: its outcome, the payment's self link and what it offers now."""
    body: dict = {"outcome": ACTION_OUTCOMES[name]}
    if name not in (pay.CANCEL, pay.REVERSE):
        body["paymentId"] = p.id
    body.update(_links_and_actions(base, p))
    return body


def query(base: str, p: Payment) -> dict:
    """GET the payment's self href: `lastEvent` and the actions it offers now."""
    return {"lastEvent": pay.last_event(p), **_links_and_actions(base, p)}


def stored_token(base: str, view: TokenView, scheme: str) -> dict:
    """The `token` a payment with `tokenCreation` answers (vendor example "full" reply): the
    token the card is now stored as, with any conflicts as POST /tokens would report them."""
    token, profile = view.token, view.profile
    out = {
        "href": token_href(base, view.secret, token), "tokenId": token.id,
        "tokenExpiryDateTime": iso(token.expires_at), "cardNumber": mask(token.pan),
        "cardHolderName": token.holder, "cardExpiry": {"year": token.expiry_year, "month": token.expiry_month},
        "bin": profile.bin, "fundingType": _FUNDING.get(profile.funding, "unknown"),
    }
    if profile.country:
        out["countryCode"] = profile.country
    out["schemeReference"] = token.meta.get("schemeTransactionReference") or scheme
    if view.conflicts is not None:
        out["conflicts"] = conflicts_body(view.conflicts)
    return out
