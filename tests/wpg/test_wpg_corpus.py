"""Issue 15 item 1: the request shapes real clients send (tests/wpg/corpus/, our own documents
reproducing ActiveMerchant, the Magento 2 and SAP Commerce plugins and GOV.UK Pay's templates;
corpus/INDEX.md names the client source each follows) are accepted and succeed. What each needs
first (a stored token, an earlier order, a 3-D Secure first leg) is set up through the API and
the fixtures endpoint; a 3DS1 second leg carries a PaRes from the sandbox's ACS page in place of
the corpus's invented one. The vendor-invalid shapes in corpus/vendor_invalid/ get code 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import _PARSER, doc
from lxml import etree

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(p.name for p in CORPUS.glob("*.xml"))
INVALID = sorted(p.name for p in (CORPUS / "vendor_invalid").glob("*.xml"))
PAN = "4444333322221111"


def seed_token(http, token_id: str, scope: str, shopper: str | None) -> None:
    tok = {"paymentTokenID": token_id, "tokenScope": scope,
           "cardDetails": {"cardNumber": PAN, "expiryDate": {"month": 6, "year": 2031}, "cardHolderName": "Jane"}}
    if scope == "shopper":
        tok["authenticatedShopperID"] = shopper
    r = http.post("/_sandbox/fixtures?baseline=false",
                  json={"version": 1, "tenants": {"wpg:MYMERCHANT": {"tokens": [tok]}}})
    assert r.status_code == 200, r.text


def authorise(wpg, code: str, currency: str = "GBP", holder: str = "Jane Shopper", extra: str = "",
              shopper: str = ""):
    card = (f"<CARD-SSL><cardNumber>{PAN}</cardNumber><expiryDate><date month=\"06\" year=\"2031\"/></expiryDate>"
            f"<cardHolderName>{holder}</cardHolderName></CARD-SSL>")
    return wpg.op(f'<submit><order orderCode="{code}"><description>setup</description>'
                  f'<amount value="100000" currencyCode="{currency}" exponent="2"/><paymentDetails>{card}{extra}'
                  f"</paymentDetails>{shopper}</order></submit>")


def prepare(wpg, http, op, body: bytes) -> bytes:
    """Create what the document refers to; returns the body to send."""
    name = op.tag
    if name in ("paymentTokenUpdate", "paymentTokenDelete", "paymentTokenInquiry"):
        seed_token(http, op.findtext("paymentTokenID"), op.get("tokenScope", "shopper"),
                   op.findtext("authenticatedShopperID"))
    if name == "order" and op.find("paymentDetails/TOKEN-SSL") is not None:
        t = op.find("paymentDetails/TOKEN-SSL")
        seed_token(http, t.findtext("paymentTokenID"), t.get("tokenScope", "shopper"),
                   op.findtext("shopper/authenticatedShopperID"))
    if name == "order" and op.find("payAsOrder") is not None:
        authorise(wpg, op.find("payAsOrder").get("orderCode"))
    if name == "orderModification":
        action = next(c for c in op if isinstance(c.tag, str))
        currency = action.find("amount").get("currencyCode") if action.find("amount") is not None else "GBP"
        authorise(wpg, op.get("orderCode"), currency)
        if action.tag == "refund":
            captured = wpg.op(f'<modify><orderModification orderCode="{op.get("orderCode")}"><capture><amount '
                              f'value="100000" currencyCode="{currency}" exponent="2"/></capture></orderModification></modify>')
            assert captured.find("reply/ok/captureReceived") is not None
    if name == "order" and op.find("info3DSecure") is not None:
        session = f'<session id="{op.find("session").get("id")}" shopperIPAddress="127.0.0.1"/>'
        browser = ("<shopper><browser><acceptHeader>text/html</acceptHeader><userAgentHeader>Mozilla/5.0"
                   "</userAgentHeader></browser></shopper>")
        if op.find("info3DSecure/paResponse") is not None:
            first = authorise(wpg, op.get("orderCode"), holder="3D", extra=session, shopper=browser)
            pa_req = first.findtext(".//paRequest")
            page = http.post("/jsp/test/shopper/ThreeDResponseSimulator.jsp",
                             data={"PaReq": pa_req, "TermUrl": "https://shop.example/3ds"})
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
            back = http.post("/jsp/test/shopper/GenerateThreeDSPares.jsp", data={**fields, "paResMagicValues": "IDENTIFIED"})
            pa_res = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', back.text))["PaRes"]
            body = re.sub(rb"<paResponse>.*?</paResponse>", f"<paResponse>{pa_res}</paResponse>".encode(), body,
                          flags=re.S)
        else:
            first = authorise(wpg, op.get("orderCode"), holder="3DS_V2_CHALLENGE_IDENTIFIED", extra=session,
                              shopper=browser)
            assert first.find(".//challengeRequired") is not None
    if name == "paymentTokenInquiry" and op.get("detokenisation") == "true" and op.find("rsaPublicKey") is None:
        pytest.fail("detokenisation corpus documents carry rsaPublicKey")
    return body


@pytest.mark.parametrize("name", FILES)
def test_corpus_document_is_accepted_and_succeeds(wpg, http, name):
    """corpus/INDEX.md: each real client's request shape gets the success reply its client reads."""
    body = (CORPUS / name).read_bytes()
    root = etree.fromstring(body, _PARSER)
    op = next(c for c in next(c for c in root if isinstance(c.tag, str)) if isinstance(c.tag, str))
    body = prepare(wpg, http, op, body)
    reply = wpg.send(body, user=root.get("merchantCode"))
    error = reply.find(".//error")
    assert error is None, (name, error.get("code"), error.text)
    if op.tag == "order" and op.find("paymentDetails") is not None and \
            op.find("paymentDetails").get("action") == "REFUND":
        assert reply.find("reply/ok/refundReceived") is not None
    elif op.tag == "order" and op.findtext(".//cardHolderName") == "3DS_V2_CHALLENGE_IDENTIFIED":
        assert reply.find(".//challengeRequired/threeDSChallengeDetails/transactionId3DS") is not None
    elif op.tag == "order" and op.find("dynamic3DS[@overrideAdvice='do3DS']") is not None \
            and op.find("additional3DSData") is None:
        # do3DS forces 3-D Secure; without 3DS2 data that is the 3DS1 round trip (wpg.md §11.1)
        assert reply.find(".//requestInfo/request3DSecure/paRequest") is not None, name
    elif op.tag == "order":
        assert reply.findtext("reply/orderStatus/payment/lastEvent") == "AUTHORISED", name
        if op.find("createToken") is not None:
            assert reply.findtext("reply/orderStatus/token/tokenDetails/paymentTokenID"), name
    elif op.tag == "paymentTokenCreate":
        assert reply.find("reply/token/tokenDetails").get("tokenEvent") == "NEW"
    elif op.tag == "paymentTokenInquiry":
        assert reply.findtext("reply/token/tokenDetails/paymentTokenID") == op.findtext("paymentTokenID")
        if op.get("detokenisation") == "true":
            assert len("".join(reply.findtext(".//encryptedPAN").split())) == 344  # one RSA-2048 block
    else:
        assert reply.find("reply/ok") is not None, name


@pytest.mark.parametrize("name", INVALID)
def test_vendor_invalid_client_shapes_get_code_2(wpg, name):
    """corpus/INDEX.md vendor_invalid: ActiveMerchant option combinations the vendor DTD refuses."""
    body = (CORPUS / "vendor_invalid" / name).read_bytes()
    reply = wpg.send(body)
    assert reply.find("reply/error").get("code") == "2"
    assert "does not follow the DTD" in reply.findtext("reply/error")


def test_cse_test_value_picks_the_card_and_real_blobs_use_the_sandbox_card(wpg):
    """docs/paymentservice.md "Client-side encryption": an alg-none test value carries the card
    (and so the magic holder name); a real JWE stands for the sandbox's CSE card."""
    import base64
    import json

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    test_value = b64({"alg": "none"}) + "." + b64({"cardNumber": "5555555555554444", "cvc": "123",
                                                   "cardHolderName": "REFUSED", "expiryMonth": 3,
                                                   "expiryYear": 2032}) + "."
    for code, blob, event, masked in (("cse1", test_value, "REFUSED", "5555********4444"),
                                      ("cse2", "eyJhbGciOiJSU0ExXzUifQ.a.b.c.d", "AUTHORISED", "4444********1111")):
        r = wpg.op(f'<submit><order orderCode="{code}"><description>d</description>'
                   f'<amount value="100" currencyCode="GBP" exponent="2"/><paymentDetails><CSE-DATA>'
                   f"<encryptedData>{blob}</encryptedData></CSE-DATA></paymentDetails></order></submit>")
        assert r.findtext(".//lastEvent") == event and r.findtext(".//cardNumber") == masked
    assert doc("")  # the helper module is shared with the other paymentService tests
