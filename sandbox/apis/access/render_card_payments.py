"""Card Payments v7 replies (vendor OpenAPI examples): HAL `_links` with `cardPayments:*` rels and a
`cardPayments` curie; `application/vnd.worldpay.payments-v7+json`."""

from __future__ import annotations

from ...core.access import payments as pay
from ...core.access.payments import Authorization
from ...core.payments import Payment
from .render_payments import instrument

V7_MEDIA = "application/vnd.worldpay.payments-v7+json"
# Engine action -> (rel, path before the link id). The settle link uses `/full/` as the vendor's
# links and docs do (its OpenAPI path lacks it; both are served).
RELS = {
    pay.CANCEL: ("cardPayments:cancel", "/payments/authorizations/cancellations/"),
    pay.SETTLE: ("cardPayments:settle", "/payments/settlements/full/"),
    pay.PARTIAL_SETTLE: ("cardPayments:partialSettle", "/payments/settlements/partials/"),
    pay.REFUND: ("cardPayments:refund", "/payments/settlements/refunds/full/"),
    pay.PARTIAL_REFUND: ("cardPayments:partialRefund", "/payments/settlements/refunds/partials/"),
    pay.REVERSE: ("cardPayments:reverse", "/payments/sales/reversals/"),
}
EVENTS = "/payments/events/"


def links(base: str, p: Payment) -> dict:
    out = {RELS[a][0]: {"href": base + RELS[a][1] + p.id} for a in pay.actions(p)}
    out["cardPayments:events"] = {"href": base + EVENTS + p.id}
    out["curies"] = [{"name": "cardPayments", "href": f"{base}/rels/cardPayments/{{rel}}", "templated": True}]
    return out


def authorization(base: str, auth: Authorization) -> dict:
    """201 `authorized`, `Sent for Settlement` (requestAutoSettlement) or `refused` (no links)."""
    p, meta = auth.payment, auth.payment.meta
    outcome = {"sentForSettlement": "Sent for Settlement"}.get(meta["outcome"], meta["outcome"])
    body: dict = {"outcome": outcome, "paymentId": p.id, "commandId": meta["commandId"]}
    if outcome == "refused":
        body.update(refusalCode=meta["refusalCode"], refusalDescription=meta["refusalDescription"],
                    riskFactors=meta["riskFactors"], advice={"code": "01"},
                    paymentInstrument=instrument(p, auth.profile))
        return body
    body.update(riskFactors=meta["riskFactors"], issuer={"authorizationCode": meta["authorizationCode"]},
                scheme={"reference": meta["schemeReference"]}, paymentInstrument=instrument(p, auth.profile),
                _links=links(base, p))
    return body


def action(base: str, p: Payment, name: str) -> dict:
    """202 reply of an action; cancel and reversal carry links only (vendor examples)."""
    body: dict = {} if name in (pay.CANCEL, pay.REVERSE) else {"paymentId": p.id, "commandId": p.events[-1]["id"]}
    body["_links"] = links(base, p)
    return body


def events(base: str, p: Payment) -> dict:
    return {"lastEvent": pay.last_event(p), "_links": links(base, p)}
