"""Payments API 2024-06-01 request bodies (docs/access.md "Payments"; vendor OpenAPI
`PaymentRequest`, `PaymentsPartialSettleRequest`, `PaymentsPartialRefundRequest`).

Every violation is collected into one 400 `bodyDoesNotMatchSchema` with the Payments API's own
message. Documented fields the sandbox does not act on (fraud, threeDS, customer, shipping, ...)
are accepted and ignored, so a real client's full request passes; undocumented ones are
`fieldIsNotAllowed`, as the vendor's example shows.
"""

from __future__ import annotations

import re
from typing import Any

from ...core.access.payments import Agreement, AuthorizeRequest
from ...core.access.tokens import CardDetails
from .errors import AccessError
from .parse import Checker, ordered

SCHEMA = "A JSON body matching the expected schema must be provided."
_TX_REF = re.compile(r"^[-A-Za-z0-9_!@#$%()*=.:;?\[\]{}~`/+]*\Z")
_ENTITY = re.compile(r"^([A-Za-z0-9]+[A-Za-z0-9 ]*)?\Z")
_MCC = re.compile(r"^\d{4}\Z")
_NARRATIVE = re.compile(r"^[a-zA-Z0-9 ,./-]*\Z")
_CURRENCY = re.compile(r"^[A-Z]{3}\Z")
_TOKEN_ID = re.compile(r"^[0-9A-HJ-NP-Z]*\Z")
_NAMESPACE = re.compile(r"^[^_][^ &<]*\Z")
_CVC = re.compile(r"^[0-9]*\Z")
_SCHEME_REF = re.compile(r"^[A-Za-z0-9]*\Z")
_INT32 = 2**31 - 1

_ROOT = {"transactionReference", "orderReference", "merchant", "instruction", "channel"}
_MERCHANT = {"entity", "mcc", "paymentFacilitator"}
_INSTRUCTION = {"method", "paymentInstrument", "narrative", "tokenCreation", "value", "debtRepayment", "fraud",
                "threeDS", "exemption", "settlement", "customer", "shipping", "customerAgreement", "recipient",
                "consumerBillPayment", "fundsTransfer", "requestAccountUpdater"}
_TOKEN = {"type", "tokenId", "href", "namespace", "cvc", "cvcSessionHref", "routing"}
_PLAIN = {"type", "cardNumber", "cardHolderName", "expiryDate", "cvc", "billingAddress", "routing"}
_AGREEMENTS = {  # type -> allowed keys, required keys (vendor schemas Payments*CustomerAgreement)
    "cardOnFile": ({"type", "storedCardUsage"}, ("storedCardUsage",)),
    "subscription": ({"type", "storedCardUsage", "schemeReference"}, ("storedCardUsage",)),
    "installment": ({"type", "storedCardUsage", "installmentType", "installmentPlan", "schemeReference"},
                    ("installmentType",)),
    "unscheduled": ({"type", "schemeReference"}, ()),
}


class PaymentsChecker(Checker):
    message = SCHEMA  # the Payments API's wording; Card Payments v7 uses the Tokens one

    def done(self) -> None:
        if self.errors:
            raise AccessError(400, "bodyDoesNotMatchSchema", self.message, validationErrors=ordered(self.errors))

    def enum(self, parent: dict, key: str, path: str, label: str, allowed: tuple[str, ...],
             required: bool = False) -> str | None:
        value = self.string(parent, key, path, label, required=required)
        if value is not None and value not in allowed:
            self.add("fieldHasInvalidValue", f"{label} must be one of {', '.join(allowed)}", f"{path}.{key}")
            return None
        return value

    def narrative_and_value(self, ins: dict, req: dict, pattern: re.Pattern) -> None:
        """`instruction.narrative` (line1 required, 1-24 each) and `instruction.value` into `req`."""
        p = "$.instruction"
        narrative = self.obj(ins, "narrative", p, "Narrative", True, {"line1", "line2"})
        if narrative is not None:
            req["narrative"] = self.string(narrative, "line1", f"{p}.narrative", "Narrative line 1", required=True,
                                           hi=24, pattern=pattern)
            self.string(narrative, "line2", f"{p}.narrative", "Narrative line 2", hi=24, pattern=pattern)
        value = self.value(ins, p)
        if value is not None:
            req["amount"], req["currency"] = value

    def value(self, parent: dict, path: str) -> tuple[int, str] | None:
        v = self.obj(parent, "value", path, "Value", True, {"currency", "amount", "acceptPartialAmount"})
        if v is None:
            return None
        p = f"{path}.value"
        currency = self.string(v, "currency", p, "Currency", required=True, hi=3, pattern=_CURRENCY)
        amount = self.integer(v, "amount", p, "Amount", 0, _INT32)
        return (amount, currency) if amount is not None and currency is not None else None


def envelope(c: PaymentsChecker, root: dict, merchant_keys: set[str]) -> tuple[str | None, str | None, str | None]:
    """(transactionReference, orderReference, merchant.entity): the same rules on both payment APIs."""
    tx = c.string(root, "transactionReference", "$", "Transaction reference", required=True, hi=64, pattern=_TX_REF)
    order = c.string(root, "orderReference", "$", "Order reference", hi=64)
    merchant = c.obj(root, "merchant", "$", "Merchant", True, merchant_keys)
    entity = None
    if merchant is not None:
        entity = c.string(merchant, "entity", "$.merchant", "Merchant entity", required=True, hi=32, pattern=_ENTITY)
        c.string(merchant, "mcc", "$.merchant", "Merchant category code", hi=4, pattern=_MCC)
    return tx, order, entity


def authorize_request(doc: Any) -> AuthorizeRequest:
    """POST /api/payments with a `token` payment instrument -> AuthorizeRequest, or one 400."""
    c = PaymentsChecker()
    root = c.object_at(doc, "$", "Request body", _ROOT)
    if root is None:
        c.done()
    tx, order, entity = envelope(c, root, _MERCHANT)
    channel = c.enum(root, "channel", "$", "Channel", ("ecom", "moto"))
    ins = c.obj(root, "instruction", "$", "Instruction", True, _INSTRUCTION)
    req: dict[str, Any] = {}
    if ins is not None:
        p = "$.instruction"
        c.enum(ins, "method", p, "Payment method", ("card",), required=True)
        c.narrative_and_value(ins, req, _NARRATIVE)
        _instrument(c, ins, req)
        req["agreement"] = _agreement(c, ins)
        settlement = c.obj(ins, "settlement", p, "Settlement", False, {"auto", "cancelOn"})
        if settlement is not None:
            auto = settlement.get("auto")
            if not isinstance(auto, bool):
                c.add("fieldIsMissing" if auto is None else "fieldMustBeBoolean", "Settlement auto must be a boolean",
                      f"{p}.settlement.auto")
            req["auto_settle"] = auto is True
    c.done()
    return AuthorizeRequest(transaction_reference=tx, entity=entity, order_reference=order, channel=channel, **req)


def _instrument(c: PaymentsChecker, ins: dict, req: dict) -> None:
    """`token` (href xor tokenId [+ namespace]) or `plain` (card details, which `tokenCreation`
    may store); checkout, network-token and wallet instruments are not emulated."""
    p = "$.instruction.paymentInstrument"
    raw = ins.get("paymentInstrument")
    kind = raw.get("type") if isinstance(raw, dict) else None
    pi = c.obj(ins, "paymentInstrument", "$.instruction", "Payment instrument", True,
               _PLAIN if kind == "plain" else _TOKEN)
    if "tokenCreation" in ins:
        if kind != "plain":  # the vendor: tokenCreation goes with plain/checkout instruments only
            c.add("fieldIsNotAllowed", "Field at path is not allowed.", "$.instruction.tokenCreation")
        else:
            tc = c.obj(ins, "tokenCreation", "$.instruction", "Token creation", False,
                       {"type", "namespace", "description"})
            if tc is not None:
                c.enum(tc, "type", "$.instruction.tokenCreation", "Token creation type", ("worldpay",), required=True)
                req["token_creation"] = {
                    "namespace": c.string(tc, "namespace", "$.instruction.tokenCreation", "Namespace", hi=64,
                                          pattern=_NAMESPACE),
                    "description": c.string(tc, "description", "$.instruction.tokenCreation", "Token description"),
                }
    if pi is None:
        return
    kind = c.string(pi, "type", p, "Payment instrument type", required=True)
    req["cvc"] = c.string(pi, "cvc", p, "CVC", lo=3, hi=4, pattern=_CVC)
    if kind == "plain":
        pan = c.card_number(pi, p)
        expiry = c.expiry_at(pi["expiryDate"], f"{p}.expiryDate") if "expiryDate" in pi else None
        if "expiryDate" not in pi:
            c.add("fieldIsMissing", "Expiry date must be supplied", f"{p}.expiryDate")
        holder = c.string(pi, "cardHolderName", p, "Card holder name")
        address = c.address_at(pi["billingAddress"], f"{p}.billingAddress") if "billingAddress" in pi else None
        if pan is not None and expiry is not None:
            req["card"] = CardDetails(pan=pan, holder=holder, month=expiry[0], year=expiry[1], address=address)
        return
    if kind is not None and kind != "token":
        # checkout/networkToken/delegate are the vendor's too; the sandbox pays with tokens or cards.
        c.add("fieldHasInvalidValue", "Payment instrument type must be token or plain (the types this sandbox "
              "emulates)", f"{p}.type")
        return
    href = c.string(pi, "href", p, "Token href", hi=2048)
    token_id = c.string(pi, "tokenId", p, "Token id", lo=15, hi=21, pattern=_TOKEN_ID)
    namespace = c.string(pi, "namespace", p, "Namespace", hi=64, pattern=_NAMESPACE)
    if ("href" in pi) == ("tokenId" in pi):  # "Provide a value in href or tokenId, never both."
        c.add("fieldHasInvalidValue" if "href" in pi else "fieldIsMissing",
              "Provide a value in href or tokenId, never both", f"{p}.href")
    elif "namespace" in pi and "href" in pi:
        c.add("fieldIsNotAllowed", "Field at path is not allowed.", f"{p}.namespace")
    if "cvc" in pi and "cvcSessionHref" in pi:
        c.add("fieldIsNotAllowed", "Provide cvc or cvcSessionHref, never both", f"{p}.cvcSessionHref")
    req.update(token_href=href, token_id=token_id, namespace=namespace)


def _agreement(c: PaymentsChecker, ins: dict, table: dict = _AGREEMENTS,
               scheme_rule: tuple[int, re.Pattern | None] = (56, _SCHEME_REF)) -> Agreement | None:
    """`instruction.customerAgreement` by its `type` (`table`: type -> allowed, required keys)."""
    p = "$.instruction.customerAgreement"
    if "customerAgreement" not in ins:
        return None
    raw = ins["customerAgreement"]
    kind = raw.get("type") if isinstance(raw, dict) else None
    allowed = table[kind][0] if kind in table else set(raw) if isinstance(raw, dict) else set()
    d = c.object_at(raw, p, "Customer agreement", allowed)  # an unknown type is reported once, below
    if d is None:
        return None
    c.enum(d, "type", p, "Customer agreement type", tuple(table), required=True)
    if kind not in table:
        return None
    for key in table[kind][1]:
        if key not in d:
            c.add("fieldIsMissing", f"{key} must be supplied", f"{p}.{key}")
    usage = c.enum(d, "storedCardUsage", p, "Stored card usage", ("first", "subsequent"))
    installment = c.enum(d, "installmentType", p, "Installment type", ("merchant", "latinAmerica"))
    scheme = c.string(d, "schemeReference", p, "Scheme reference", hi=scheme_rule[0], pattern=scheme_rule[1])
    return Agreement(type=kind, stored_card_usage=usage, scheme_reference=scheme, installment_type=installment)


def partial_request(doc: Any, with_sequence: bool, checker: type[PaymentsChecker] = PaymentsChecker,
                    ) -> tuple[int, str, str]:
    """partialSettlements / partialRefunds body -> (amount, currency, reference), or one 400.
    Documented extras (v7: merchant, customer, shipping, order, industryData) are accepted."""
    c = checker()
    allowed = {"reference", "value"} | ({"sequence"} if with_sequence else set())
    if checker is not PaymentsChecker:
        allowed |= {"merchant", "customer", "shipping", "order", "industryData"}
    root = c.object_at(doc, "$", "Request body", allowed)
    if root is None:
        c.done()
    reference = c.string(root, "reference", "$", "Reference", required=True, hi=128)
    value = c.value(root, "$")
    if with_sequence and "sequence" in root:
        seq = c.obj(root, "sequence", "$", "Sequence", False, {"number", "total"})
        if seq is not None:
            c.integer(seq, "number", "$.sequence", "Sequence number", 1, _INT32)
            c.integer(seq, "total", "$.sequence", "Sequence total", 1, _INT32)
    c.done()
    return value[0], value[1], reference
