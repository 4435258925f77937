"""`wpg.reply_format=vendor` (issue 15 item 7; the seed 003 samples' layout): indented replies,
CDATA text on padded lines, encryptedPAN base64 wrapped over lines, still valid against the vendor
DTD; the default stays compact."""

from __future__ import annotations

import base64
import binascii

import pytest
from conftest import token_id


@pytest.fixture
def vendor_layout(http):
    r = http.post("/_sandbox/fixtures?baseline=false", json={"version": 1, "options": {"wpg.reply_format": "vendor"}})
    assert r.status_code == 200, r.text


def test_vendor_layout_pads_cdata_and_indents(wpg, http, vendor_layout):
    """seed 003 samples: two spaces per level; cardHolderName's text is the padded CDATA line."""
    r = wpg.raw(open_create())
    text = r.text
    assert '"http://dtd.worldpay.com/paymentService_v1.dtd">\n<paymentService' in text
    assert "\n  <reply>\n    <token>\n" in text
    reply = wpg.send(open_create(shopper="shopper2"))  # validated against the vendor DTD
    holder = reply.find(".//cardHolderName").text
    assert holder.strip() == "J.Shopper" and holder != "J.Shopper" and holder.startswith("\n")
    empty = wpg.raw(wpg_retrieval("nobody")).text
    assert "  <reply>\n  </reply>" in empty


def test_vendor_layout_wraps_encrypted_pan(wpg, http, vendor_layout):
    """seed 003 detokenisation sample: 344 base64 characters over three lines; a strict decoder
    fails on the raw text, a whitespace-tolerant one recovers the 256-byte block."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    assert http.put("/_sandbox/tenants/wpg:MYMERCHANT/keys", json={"public_key": pem}).status_code == 200
    tid = token_id(wpg.send(open_create()))
    raw = wpg.inquire(tid, extra=' detokenisation="true"').find(".//encryptedPAN").text
    lines = raw.strip().split("\n")
    assert len(lines) == 3 and len(lines[0]) == 130
    with pytest.raises(binascii.Error):
        base64.b64decode(raw, validate=True)
    assert len(base64.b64decode("".join(raw.split()), validate=True)) == 256


def test_default_layout_is_compact(wpg):
    """The default (wpg.reply_format=compact): one line, no padding."""
    reply = wpg.send(open_create())
    assert reply.find(".//cardHolderName").text == "J.Shopper"


def open_create(shopper="shopper1") -> str:
    from conftest import doc

    return doc(f"<submit><paymentTokenCreate><authenticatedShopperID>{shopper}</authenticatedShopperID><createToken/>"
               "<paymentInstrument><cardDetails><cardNumber>4444333322221111</cardNumber><expiryDate>"
               '<date month="06" year="2031"/></expiryDate><cardHolderName>J.Shopper</cardHolderName></cardDetails>'
               "</paymentInstrument></paymentTokenCreate></submit>")


def wpg_retrieval(shopper: str) -> str:
    from conftest import doc

    return doc(f"<inquiry><shopperTokenRetrieval><authenticatedShopperID>{shopper}</authenticatedShopperID>"
               "</shopperTokenRetrieval></inquiry>")
