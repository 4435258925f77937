"""3-D Secure over HTTP (wpg.md §11.1-§11.3): the magic holder names, both legs, the sandbox's
ACS and challenge pages posted as a browser would, tokens only on the final authorisation."""

from __future__ import annotations

import base64
import json
import re
import zlib

from conftest import doc, token_id

SESSION = '<session id="sess-1" shopperIPAddress="127.0.0.1"/>'
BROWSER = ("<shopper><authenticatedShopperID>shopper1</authenticatedShopperID><browser>"
           "<acceptHeader>text/html</acceptHeader><userAgentHeader>Mozilla/5.0</userAgentHeader></browser></shopper>")
CREATE = "<createToken><tokenEventReference>ref3ds</tokenEventReference></createToken>"


def first_leg(wpg, code, holder, create=CREATE, extra="", browser=BROWSER, after=""):
    card = (f"<CARD-SSL><cardNumber>4444333322221111</cardNumber><expiryDate><date month=\"06\" year=\"2031\"/>"
            f"</expiryDate><cardHolderName>{holder}</cardHolderName></CARD-SSL>")
    return wpg.op(f'<submit><order orderCode="{code}"><description>3DS</description>'
                  f'<amount value="1500" currencyCode="GBP" exponent="2"/><paymentDetails>{card}{SESSION}'
                  f"</paymentDetails>{browser}{extra}{create}{after}</order></submit>")


def second_leg(wpg, code, info):
    return wpg.op(f'<submit><order orderCode="{code}"><info3DSecure>{info}</info3DSecure>'
                  f'<session id="sess-1"/></order></submit>')


def hidden(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_3ds1_round_trip_creates_the_token_only_on_the_final_reply(wpg, http):
    """wpg.md §11.1: holder 3D -> request3DSecure (paRequest, issuerURL, echoData); the ACS page
    posts PaRes to TermUrl; the short second leg authorises and carries the token (GOV.UK PR 4307)."""
    r = first_leg(wpg, "tds1", "3D")
    status = r.find("reply/orderStatus")
    assert status.find("payment") is None and status.find("token") is None
    pa_req = status.findtext("requestInfo/request3DSecure/paRequest")
    issuer = status.findtext("requestInfo/request3DSecure/issuerURL")
    assert status.findtext("echoData").isdigit() and issuer.endswith("/jsp/test/shopper/ThreeDResponseSimulator.jsp")
    pareq_xml = zlib.decompress(base64.b64decode(pa_req)).decode()
    assert "<version>1.0.2</version>" in pareq_xml and "4444333322221111" not in pareq_xml  # PAN masked
    assert not http.get("/_sandbox/state?tenant=wpg:MYMERCHANT").json()["tenants"]["wpg:MYMERCHANT"]["tokens"]
    page = http.post(issuer.replace(http.base, ""), data={"PaReq": pa_req, "TermUrl": "https://shop.example/3ds",
                                                         "MD": "tds1"})
    assert page.status_code == 200 and 'name="paResMagicValues"' in page.text
    back = http.post("/jsp/test/shopper/GenerateThreeDSPares.jsp",
                     data={**hidden(page.text), "paResMagicValues": "IDENTIFIED"})
    assert 'action="https://shop.example/3ds"' in back.text
    fields = hidden(back.text)
    assert fields["MD"] == "tds1"
    final = second_leg(wpg, "tds1", f"<paResponse>{fields['PaRes']}</paResponse>")
    payment = final.find("reply/orderStatus/payment")
    assert payment.findtext("lastEvent") == "AUTHORISED"
    assert payment.find("ThreeDSecureResult").get("description") == "Cardholder authenticated"
    assert final.find("reply/orderStatus/token/tokenDetails").get("tokenEvent") == "NEW" and token_id(final)
    again = second_leg(wpg, "tds1", f"<paResponse>{fields['PaRes']}</paResponse>")
    assert again.find(".//error").get("code") == "5"  # nothing pending any more


def test_3ds1_bad_pares_failed_choice_and_missing_browser_info(wpg, http):
    """wpg.md §11.1: an unverifiable PaRes is code 7; a failed simulator choice refuses without a
    token; holder 3D without browser headers is "Missing info for 3D-secure transaction"."""
    first_leg(wpg, "tds1b", "3D")
    bad = second_leg(wpg, "tds1b", "<paResponse>bm90IGEgcGFyZXM=</paResponse>")
    assert bad.find(".//error").get("code") == "7"
    refused = second_leg(wpg, "tds1b", "<paResponse>3DERROR</paResponse>")
    assert refused.findtext(".//payment/lastEvent") == "REFUSED" and refused.find(".//token") is None
    missing = first_leg(wpg, "tds1c", "3D", browser="", create="")
    assert "Missing info for 3D-secure transaction" in missing.findtext(".//error")
    plain = first_leg(wpg, "tds1d", "3D", extra='<dynamic3DS overrideAdvice="no3DS"/>')
    assert plain.findtext(".//payment/lastEvent") == "AUTHORISED"  # no3DS suppresses the challenge


def test_3ds2_challenge_page_then_completed_authentication(wpg, http):
    """wpg.md §11.2: 3DS_V2_CHALLENGE_IDENTIFIED -> challengeRequired/threeDSChallengeDetails; the
    challenge page (Cardinal Step-Up form: JWT with ReturnUrl and Payload.TransactionId) records the
    result and posts back; completedAuthentication authorises with the token."""
    r = first_leg(wpg, "tds2", "3DS_V2_CHALLENGE_IDENTIFIED",
                  after='<additional3DSData dfReferenceId="df-1" challengeWindowSize="390x400"/>')
    details = r.find("reply/orderStatus/challengeRequired/threeDSChallengeDetails")
    assert details.findtext("threeDSVersion") == "2.1.0" and r.find(".//token") is None
    tx = details.findtext("transactionId3DS")
    assert len(tx) == 20 and tx.isalnum()

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    jwt = ".".join([b64({"alg": "HS256", "typ": "JWT"}), b64({
        "jti": "j1", "ReturnUrl": "https://shop.example/challenge-done", "ObjectifyPayload": True,
        "Payload": {"ACSUrl": details.findtext("acsURL"), "Payload": details.findtext("payload"),
                    "TransactionId": tx}}), "c2ln"])
    page = http.post("/shopper/3ds/challenge.html", data={"JWT": jwt, "MD": "md-2"})
    assert page.status_code == 200 and 'name="result"' in page.text
    back = http.post("/shopper/3ds/challenge-complete.html", data={**hidden(page.text), "result": "IDENTIFIED"})
    assert hidden(back.text)["TransactionId"] == tx and 'action="https://shop.example/challenge-done"' in back.text
    final = second_leg(wpg, "tds2", "<completedAuthentication/>")
    assert final.findtext(".//payment/lastEvent") == "AUTHORISED" and token_id(final)


def test_3ds2_failed_challenge_and_frictionless_names(wpg, http):
    """wpg.md §11.2 table: UNKNOWN_IDENTITY fails after the challenge; FRICTIONLESS_IDENTIFIED
    authorises at once; FRICTIONLESS_REJECTED refuses; external MPI data never challenges."""
    first_leg(wpg, "tds2f", "3DS_V2_CHALLENGE_UNKNOWN_IDENTITY")
    failed = second_leg(wpg, "tds2f", "<completedAuthentication/>")
    assert failed.findtext(".//payment/lastEvent") == "REFUSED" and failed.find(".//token") is None
    ok = first_leg(wpg, "tds2g", "3DS_V2_FRICTIONLESS_IDENTIFIED")
    assert ok.findtext(".//payment/lastEvent") == "AUTHORISED" and token_id(ok)
    rejected = first_leg(wpg, "tds2h", "3DS_V2_FRICTIONLESS_REJECTED", create="")
    assert rejected.findtext(".//payment/lastEvent") == "REFUSED"
    inquiry = wpg.op('<inquiry><orderInquiry orderCode="tds2f"/></inquiry>')
    assert inquiry.findtext(".//lastEvent") == "REFUSED"


def test_pending_order_inquiry_and_threeds1_switch(wpg, start_sandbox):
    """wpg.md §11.1: a challenged order is SENT_FOR_AUTHORISATION until the second leg; with
    wpg.threeds1=false the 3D name authorises at once, as secure-test does since 2023."""
    first_leg(wpg, "tds-p", "3D")
    pending = wpg.op('<inquiry><orderInquiry orderCode="tds-p"/></inquiry>')
    assert pending.findtext(".//lastEvent") == "SENT_FOR_AUTHORISATION"
    proc = start_sandbox("--option", "wpg.threeds1=false")
    import requests

    r = requests.post(proc.url + "/jsp/merchant/xml/paymentService.jsp", auth=("MYMERCHANT", "x"), data=doc(
        '<submit><order orderCode="o3d"><description>d</description><amount value="1" currencyCode="GBP" '
        'exponent="2"/><paymentDetails><CARD-SSL><cardNumber>4444333322221111</cardNumber><expiryDate>'
        '<date month="06" year="2031"/></expiryDate><cardHolderName>3D</cardHolderName></CARD-SSL>'
        f"{SESSION}</paymentDetails>{BROWSER}</order></submit>").encode())
    assert "<lastEvent>AUTHORISED</lastEvent>" in r.text
