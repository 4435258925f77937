"""Card Payments v7 request bodies (vendor OpenAPI `customerInitiatedTransaction`,
`merchantInitiatedTransaction`, `payments_partialSettle`, `payments_partialRefund`): the token
instrument is `{"type": "card/token", "href", "cvc"?}` (no cvc on a merchant-initiated one)."""

from __future__ import annotations

import re
from typing import Any

from ...core.access.payments import CARD_PAYMENTS, AuthorizeRequest
from .errors import SCHEMA
from .parse_payments import PaymentsChecker, _agreement, envelope

_NARRATIVE = re.compile(r"^[a-zA-Z0-9 _!@#$%()*=.:;?\[\]{}~/+\-,`^&]*\Z")
_CVC = re.compile(r"^[0-9]*\Z")
_ROOT = {"transactionReference", "orderReference", "merchant", "instruction", "channel"}
_MERCHANT = {"entity", "mcc", "paymentFacilitator", "taxReference"}
_INSTRUCTION = {"requestAutoSettlement", "value", "narrative", "paymentInstrument", "customerAgreement",
                "consumerBillPayment", "debtRepayment", "requestAccountUpdater", "fundsTransfer", "routing"}
_CIT = {"cardOnFile": ({"type", "storedCardUsage"}, ("storedCardUsage",)),
        "subscription": ({"type", "storedCardUsage"}, ()),
        "installment": ({"type", "installmentType", "storedCardUsage", "installmentPlan"}, ("installmentType",))}
_MIT = {kind: ({"type", "schemeReference"}, ()) for kind in (
    "subscription", "unscheduled", "reauthorization", "resubmission", "noShow", "delayedCharge")}
_MIT["installment"] = ({"type", "schemeReference", "installmentType", "installmentPlan"}, ())


class V7Checker(PaymentsChecker):
    message = SCHEMA


def transaction_request(doc: Any, merchant_initiated: bool) -> AuthorizeRequest:
    """A CIT or MIT with a `card/token` instrument -> AuthorizeRequest, or one 400."""
    c = V7Checker()
    root = c.object_at(doc, "$", "Request body", _ROOT - ({"channel"} if merchant_initiated else set()))
    if root is None:
        c.done()
    tx, order, entity = envelope(c, root, _MERCHANT)
    channel = None if merchant_initiated else c.enum(root, "channel", "$", "Channel", ("ecom", "moto"), required=True)
    ins = c.obj(root, "instruction", "$", "Instruction", True, _INSTRUCTION)
    req: dict[str, Any] = {}
    if ins is not None:
        p = "$.instruction"
        auto = c.obj(ins, "requestAutoSettlement", p, "Request auto settlement", True, {"enabled"})
        if auto is not None:
            enabled = auto.get("enabled", False)
            if not isinstance(enabled, bool):
                c.add("fieldMustBeBoolean", "Enabled must be a boolean", f"{p}.requestAutoSettlement.enabled")
            req["auto_settle"] = enabled is True
        c.narrative_and_value(ins, req, _NARRATIVE)
        keys = {"type", "href"} | (set() if merchant_initiated else {"cvc"})
        pi = c.obj(ins, "paymentInstrument", p, "Payment instrument", True, keys)
        if pi is not None:
            kind = c.string(pi, "type", f"{p}.paymentInstrument", "Payment instrument type", required=True)
            if kind is not None and kind != "card/token":
                c.add("fieldHasInvalidValue", "Payment instrument type must be card/token (the sandbox pays "
                      "with Access tokens)", f"{p}.paymentInstrument.type")
            req["token_href"] = c.string(pi, "href", f"{p}.paymentInstrument", "Token href", required=True, hi=2048)
            req["cvc"] = c.string(pi, "cvc", f"{p}.paymentInstrument", "CVC", lo=3, hi=4, pattern=_CVC)
        if merchant_initiated and "customerAgreement" not in ins:
            c.add("fieldIsMissing", "Customer agreement must be supplied", f"{p}.customerAgreement")
        # v7's MIT scheme reference is 1-255 characters with no pattern (the vendor's own example
        # carries trailing spaces).
        req["agreement"] = _agreement(c, ins, _MIT if merchant_initiated else _CIT, (255, None))
    c.done()
    return AuthorizeRequest(transaction_reference=tx, entity=entity, order_reference=order, channel=channel,
                            wire=CARD_PAYMENTS, **req)
