"""OPP parameter validation (apis/opp/parse.py): the optional families (customParameters,
customer/billing/shipping, standingInstruction) are checked only when sent, and that changes
neither the values nor the errors nor their order."""

from __future__ import annotations

from sandbox.apis.opp import parse
from sandbox.apis.opp.form import decode
from sandbox.core.opp.transactions import TxRequest


def common(raw: bytes) -> tuple[TxRequest, list[dict]]:
    p = parse.Params(decode(raw, []))
    req = TxRequest()
    parse._common(p, req)
    return req, p.errors


def test_every_family_reports_in_the_usual_order():
    long_e, long_m = "e" * 256, "m" * 256
    req, errors = common(
        f"customer.email={long_e}&customParameters[x]=1&customParameters[forceResultCode]=1.2"
        f"&merchantTransactionId={long_m}&billing.city=Berlin&shipping.bad-key=1&standingInstruction.mode=INITIAL"
        "&standingInstruction.source=MIT&shopperResultUrl=ftp://x&recurringType=ONCE&descriptor=shop"
        "&customer.givenName=Jo".encode())
    assert errors == [
        {"name": "customParameters[x]", "value": "1", "message": "customParameters key must match [A-Za-z0-9._]{3,64}"},
        {"name": "customParameters[forceResultCode]", "value": "1.2",
         "message": "must match ^[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}$"},
        {"name": "merchantTransactionId", "value": long_m, "message": "size must be between 0 and 255"},
        {"name": "customer.email", "value": long_e, "message": "size must be between 0 and 255"},
        {"name": "shopperResultUrl", "value": "ftp://x", "message": "must match ^https?://[^\\s]{1,2040}$"},
        {"name": "standingInstruction.type", "value": None, "message": "may not be empty"},
        {"name": "standingInstruction.mode", "value": "INITIAL",
         "message": "must be REPEATED for a merchant-initiated (MIT) transaction"},
        {"name": "recurringType", "value": "ONCE", "message": "must be one of [INITIAL, REPEATED]"},
    ]
    assert req.custom == {}
    assert list(req.echo.items()) == [("descriptor", "shop"), ("billing", {"city": "Berlin"}),
                                      ("customer", {"givenName": "Jo"})]
    assert req.si == {"mode": "INITIAL", "type": None, "source": "MIT"}
    assert req.cit is False


def test_a_request_without_the_families_gets_the_defaults():
    req, errors = common(b"entityId=8a8294174b7ecb28014b9699220015cc&amount=10.00&currency=EUR&paymentType=DB")
    assert errors == []
    assert (req.custom, req.echo, req.si, req.cit, req.shopper_result_url) == ({}, {}, None, True, None)


def test_standing_instruction_echo_fields_alone_are_no_instruction():
    req, errors = common(b"standingInstruction.recurringType=SUBSCRIPTION&customParameters[forceResultCode]=000.100.110")
    assert errors == []
    assert req.si is None and req.custom == {"forceResultCode": "000.100.110"}


def card_of(raw: bytes, required: bool = True) -> tuple[dict | None, list[dict]]:
    p = parse.Params(decode(raw, []))
    return parse.card(p, required), p.errors


def test_card_without_any_card_field_asks_for_card_properties():
    assert card_of(b"paymentBrand=VISA") == (None, [
        {"name": "paymentBrand", "value": "VISA", "message": "card properties must be set"}])
    assert card_of(b"paymentBrand=VISA", required=False) == (None, [])


def test_an_unknown_card_field_counts_as_a_card_sent():
    card, errors = card_of(b"card.colour=blue")
    assert card == {"number": None, "holder": None, "expiryMonth": None, "expiryYear": None, "cvv": None}
    assert errors == [{"name": "card.number", "value": None, "message": "may not be empty"}]


def test_card_shape_errors_in_order():
    card, errors = card_of(b"card.number=42&card.expiryMonth=1x&card.expiryYear=20301&card.holder=" + b"h" * 129
                           + b"&card.cvv=12")
    assert card == {"number": "42", "holder": "h" * 129, "expiryMonth": "1x", "expiryYear": "20301", "cvv": "12"}
    assert errors == [
        {"name": "card.number", "value": "42", "message": "must match ^[0-9]{12,19}$"},
        {"name": "card.expiryMonth", "value": "1x", "message": "must match ^[0-9]{1,2}$"},
        {"name": "card.expiryYear", "value": "20301", "message": "must match ^[0-9]{2,4}$"},
        {"name": "card.holder", "value": "h" * 129, "message": "size must be between 0 and 128"},
    ]
