"""Verified Tokens request bodies (vendor OpenAPI `verifiedTokens_cardOnFile_request`; the oneTime
request is the same schema). Every violation in one 400 `bodyDoesNotMatchSchema`, as /tokens."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ...core.access.tokens import CardDetails, CreateRequest
from ...core.access.verified import VerifyRequest
from .parse import _DESCRIPTION, _NAMESPACE, Checker, check_max_expiry

_CURRENCY = re.compile(r"^[A-Z]{3}\Z")
_CVC = re.compile(r"^[0-9]*\Z")
_ROOT = {"paymentInstrument", "merchant", "verificationCurrency", "tokenExpiryDateTime", "namespace", "narrative",
         "description"}
_PLAIN = {"type", "cardNumber", "cardExpiryDate", "cvc", "cardHolderName", "billingAddress"}
_CHECKOUT = {"type", "sessionHref", "cardHolderName", "billingAddress"}
# Access Checkout sessions are not emulated: any session href stands for this test card (the
# vendor's own Verified Tokens example card), so SDK-driven flows still get a token.
SESSION_CARD = ("4444333322221111", 5, 2035)


def verify_request(doc: Any, kind: str, now: float, max_expiry: float) -> VerifyRequest:
    c = Checker()
    root = c.object_at(doc, "$", "Request body", _ROOT)
    if root is None:
        c.done()
    p = "$.paymentInstrument"
    pi = c.obj(root, "paymentInstrument", "$", "Payment instrument", True, _PLAIN | _CHECKOUT)
    pan = holder = expiry = address = cvc = None
    if pi is not None:
        kind_ = c.string(pi, "type", p, "Payment instrument type", required=True)
        holder = c.string(pi, "cardHolderName", p, "Card holder name", required=True)
        if "billingAddress" in pi:
            address = c.address_at(pi["billingAddress"], f"{p}.billingAddress")
        if kind_ == "card/plain":
            for extra in pi.keys() - _PLAIN:
                c.add("fieldIsNotAllowed", "Field at path is not allowed.", f"{p}.{extra}")
            pan = c.card_number(pi, p)
            if "cardExpiryDate" in pi:
                expiry = c.expiry_at(pi["cardExpiryDate"], f"{p}.cardExpiryDate")
            else:
                c.add("fieldIsMissing", "Card expiry date must be supplied", f"{p}.cardExpiryDate")
            cvc = c.string(pi, "cvc", p, "CVC", lo=3, hi=4, pattern=_CVC)
        elif kind_ == "card/checkout":
            for extra in pi.keys() - _CHECKOUT:
                c.add("fieldIsNotAllowed", "Field at path is not allowed.", f"{p}.{extra}")
            href = c.string(pi, "sessionHref", p, "Session href", required=True, hi=2048)
            if href is not None and not urlsplit(href).path.startswith("/verifiedTokens/sessions/"):
                c.add("fieldHasInvalidValue", "Session href must be a verified tokens session", f"{p}.sessionHref")
            pan, month, year = SESSION_CARD
            expiry = (month, year)
        elif kind_ is not None:
            c.add("fieldHasInvalidValue", "Couldn't determine type of paymentInstrument", f"{p}.type")
    merchant = c.obj(root, "merchant", "$", "Merchant", True, {"entity"})
    entity = c.string(merchant, "entity", "$.merchant", "Merchant entity", required=True) if merchant else None
    currency = c.string(root, "verificationCurrency", "$", "Verification currency", required=True, lo=3, hi=3,
                        pattern=_CURRENCY)
    namespace = c.string(root, "namespace", "$", "Namespace", hi=64, pattern=_NAMESPACE)
    description = c.string(root, "description", "$", "Token description", pattern=_DESCRIPTION)
    narrative = c.obj(root, "narrative", "$", "Narrative", False, {"line1", "line2"})
    if narrative is not None:
        c.string(narrative, "line1", "$.narrative", "Narrative line 1", required=True, hi=24)
        c.string(narrative, "line2", "$.narrative", "Narrative line 2", hi=24)
    expires_at = c.token_expiry(root, now)
    c.done()
    check_max_expiry(expires_at, max_expiry)
    create = CreateRequest(card=CardDetails(pan=pan, holder=holder, month=expiry[0], year=expiry[1], address=address),
                           namespace=namespace, description=description, expires_at=expires_at, entity=entity)
    return VerifyRequest(create=create, cvc=cvc, currency=currency, kind=kind)
