"""Orders, modifications, detokenisation and Account Updater (wpg.md §4.2-4.3, §4.8-4.10, §7)."""

from __future__ import annotations

import base64

import pytest
from conftest import card_ssl, error_of, token_id

CREATE = ('<createToken tokenScope="shopper"><tokenEventReference>EV1</tokenEventReference>'
          "</createToken>")


@pytest.mark.parametrize("holder,event,iso", [
    ("AUTHORISED", "AUTHORISED", None), ("REFUSED", "REFUSED", ("5", "REFUSED")),
    ("REFUSED51", "REFUSED", ("51", "LIMIT EXCEEDED")), ("ACQERROR", "REFUSED", ("20", "ACQUIRER ERROR")),
    ("ERROR", "ERROR", None), ("Jane Doe", "AUTHORISED", None)])
def test_magic_cardholder_names(wpg, holder, event, iso):
    """wpg.md §7: outcome by cardHolderName; lastEvent, ISO8583ReturnCode, masked card, orderCode echo."""
    root = wpg.order("ord-1", card_ssl(holder=holder))
    status = root.find("reply/orderStatus")
    assert status.get("orderCode") == "ord-1"
    assert status.findtext("payment/lastEvent") == event
    rc = status.find("payment/ISO8583ReturnCode")
    assert (None if rc is None else (rc.get("code"), rc.get("description"))) == iso
    assert status.findtext("payment/cardNumber") == "4444********1111"


def test_order_creating_a_token_and_order_inquiry(wpg):
    """wpg.md §4.2 reply = payment + token (tokenEvent); §4.9 order inquiry returns the token block."""
    root = wpg.order("ord-tok", card_ssl(), shopper="shopperA", create=CREATE)
    token = root.find("reply/orderStatus/token")
    assert token.find("tokenDetails").get("tokenEvent") == "NEW"
    assert token.findtext("tokenDetails/tokenReason") == "Created during order: ord-tok"
    tid = token_id(root)
    inq = wpg.op('<inquiry><orderInquiry orderCode="ord-tok"/></inquiry>')
    assert token_id(inq) == tid
    assert inq.findtext(".//payment/lastEvent") == "AUTHORISED"
    missing = wpg.op('<inquiry><orderInquiry orderCode="nope"/></inquiry>')
    assert error_of(missing.find("reply/orderStatus")) == ("5", "Could not find payment for order")


def test_order_create_token_needs_shopper(wpg, http):
    """wpg.md §4.2 (DOC-TOKERR): shopper scope without order/shopper -> code 2 inside orderStatus."""
    root = wpg.order("ord-x", card_ssl(), create=CREATE)
    assert error_of(root.find("reply/orderStatus")) == (
        "2", "authenticatedShopperID is required for a create token request")
    assert http.get("/_sandbox/state?tenant=wpg:MYMERCHANT").json()["tenants"] == {}


def test_unrecognised_card_and_past_expiry(wpg):
    """wpg.md §7: unknown BIN -> code 5 "Card number not recognised"; past expiry -> code 7."""
    code, text = error_of(wpg.order("o-bin", card_ssl(pan="9060704495764400")))
    assert code == "5" and "Card number not recognised: 906070******4400" in text
    code, text = error_of(wpg.order("o-exp", card_ssl(year="2001")))
    assert (code, text) == ("7", "Invalid payment details : Expiry date = 06/2001")


def test_capture_refund_cancel(wpg):
    """wpg.md §5.3 / DTD ok: captureReceived, refundReceived, cancelReceived; lastEvent follows."""
    wpg.order("m1", card_ssl())
    mod = '<modify><orderModification orderCode="{}">{}</orderModification></modify>'
    amt = '<amount value="{}" currencyCode="GBP" exponent="2"/>'
    too_much = wpg.op(mod.format("m1", f"<capture>{amt.format(2000)}</capture>"))
    assert error_of(too_much) == ("5", "Requested capture amount (GBP 20.00) exceeds the authorised balance "
                                       "for this payment (GBP 10.00)")
    ok = wpg.op(mod.format("m1", f"<capture>{amt.format(1000)}</capture>"))
    assert ok.find("reply/ok/captureReceived").get("orderCode") == "m1"
    inquiry = '<inquiry><orderInquiry orderCode="m1"/></inquiry>'
    assert wpg.op(inquiry).findtext(".//lastEvent") == "CAPTURED"
    assert error_of(wpg.op(mod.format("m1", f"<refund>{amt.format(5000)}</refund>"))) == ("5", "Refund amount too high")
    assert wpg.op(mod.format("m1", f"<refund>{amt.format(400)}</refund>")).find("reply/ok/refundReceived") is not None
    assert wpg.op(inquiry).findtext(".//lastEvent") == "SENT_FOR_REFUND"
    assert error_of(wpg.op(mod.format("m1", "<cancel/>"))) == ("5", "Order not ready")
    wpg.order("m2", card_ssl())
    assert wpg.op(mod.format("m2", "<cancel/>")).find("reply/ok/cancelReceived") is not None
    assert error_of(wpg.op(mod.format("zz", "<cancel/>"))) == ("5", "Could not find payment for order")


def _keypair():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return key, pem


@pytest.mark.parametrize("padding", ["pkcs1v15", "oaep-sha256"])
def test_detokenisation_encrypts_the_pan_with_the_registered_key(wpg, http, padding):
    """Seed 003 "Detokenise": encryptedPAN decrypts with the merchant's private key (RSA-2048)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding as pad

    tid = token_id(wpg.create())
    no_key = wpg.inquire(tid, extra=' detokenisation="true"')
    assert error_of(no_key)[0] == "4" and "no RSA public key" in error_of(no_key)[1]
    key, pem = _keypair()
    r = http.put("/_sandbox/tenants/wpg:MYMERCHANT/keys", json={"public_key": pem, "padding": padding})
    assert r.status_code == 200, r.text
    root = wpg.inquire(tid, extra=' detokenisation="true"')
    blob = base64.b64decode(root.findtext(".//encryptedPAN"))
    assert len(blob) == 256
    scheme = pad.PKCS1v15() if padding == "pkcs1v15" else pad.OAEP(
        mgf=pad.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert key.decrypt(blob, scheme) == b"4444333322221111"
    assert http.put("/_sandbox/tenants/wpg:MYMERCHANT/keys", json={"public_key": "nope"}).status_code == 400


def test_account_updater_on_token_inquiry(wpg):
    """Seed 003 "Account Updater token inquiries" with the sandbox's own catalogue.wpg.cards entries
    (fixtures/default.yaml; issue 15: never the vendor's general test cards)."""
    expiry = token_id(wpg.create(pan="4999990000000015"))
    assert wpg.inquire(expiry).find(".//expiryDate/date").attrib == {"month": "12", "year": "2031"}
    merchant = token_id(wpg.create(shopper=None, scope="merchant", pan="4999990000000023"))
    updated = wpg.inquire(merchant, shopper=None, scope="merchant")
    new_id = token_id(updated)
    assert new_id != merchant and new_id.startswith("99555555") and new_id.endswith("4444")
    assert updated.findtext(".//obfuscatedPAN") == "5555********4444"
    assert error_of(wpg.inquire(merchant, shopper=None, scope="merchant")) == ("5", "Token does not exist")
    closed = token_id(wpg.create(pan="4999990000000031"))
    reply = wpg.inquire(closed)
    assert reply.find("reply/token/error").get("code") == "7"
    assert error_of(wpg.inquire(closed)) == ("5", "Token does not exist")
    cancelled = token_id(wpg.create(pan="4999990000000049"))
    assert "recurring" in error_of(wpg.inquire(cancelled))[1]


def test_order_with_the_ancillary_elements_real_clients_send(wpg):
    """wpg.md §8 (open-source clients) and the vendor DTD's order content model: ActiveMerchant-style
    orders carry orderChannel, session, a full shopper/browser block, billingAddress,
    statementNarrative, dynamicInteractionType, additional3DSData and exemption. They are accepted
    (and ignored) rather than refused with code 2, and the order still creates its token."""
    address = ("<address><address1>1 Main St</address1><postalCode>CB4 0WE</postalCode>"
               "<city>Cambridge</city><countryCode>GB</countryCode><telephoneNumber>0123</telephoneNumber></address>")
    root = wpg.op(
        '<submit><order orderCode="am-1" installationId="1234"><description>Purchase</description>'
        '<amount value="1000" currencyCode="GBP" exponent="2"/><orderContent>Two books</orderContent>'
        '<orderChannel value="WEB"/>'
        f'<paymentDetails>{card_ssl(holder="AUTHORISED")}'
        '<storedCredentials usage="FIRST"/><session shopperIPAddress="127.0.0.1" id="sess-1"/></paymentDetails>'
        "<shopper><shopperEmailAddress>jane@example.com</shopperEmailAddress>"
        "<authenticatedShopperID>am-shopper</authenticatedShopperID>"
        "<browser><acceptHeader>text/html</acceptHeader><userAgentHeader>Mozilla/5.0</userAgentHeader>"
        "<httpAcceptLanguage>en-GB</httpAcceptLanguage><browserColourDepth>24</browserColourDepth></browser>"
        "</shopper>"
        f"<billingAddress>{address}</billingAddress><statementNarrative>BOOKS LTD</statementNarrative>"
        f"{CREATE}"
        '<dynamicInteractionType type="ECOMMERCE"/>'
        '<additional3DSData dfReferenceId="df-1" challengeWindowSize="390x400" challengePreference="noPreference"/>'
        '<exemption type="LV" placement="AUTHORISATION"/>'
        "</order></submit>")
    assert error_of(root) is None
    status = root.find("reply/orderStatus")
    assert status.findtext("payment/lastEvent") == "AUTHORISED"
    assert token_id(root)
    # Outside the vendor's content model is still a DTD violation (code 2), e.g. elements out of order.
    bad = wpg.op(
        '<submit><order orderCode="am-2"><description>Purchase</description>'
        '<amount value="1000" currencyCode="GBP" exponent="2"/>'
        f'<statementNarrative>X</statementNarrative><paymentDetails>{card_ssl()}</paymentDetails>'
        "</order></submit>")
    assert error_of(bad)[0] == "2"
