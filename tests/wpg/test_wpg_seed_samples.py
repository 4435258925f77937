"""Every request sample in seed 003, sent as written (after creating the tokens it refers to),
gets a reply with the structure of the seed's reply sample (same element paths and attributes).

The seed's detokenisation reply puts encryptedPAN before cardAddress/derived, which breaks the
vendor DTD (wpg.md §2 "Validation note"); the sandbox follows the DTD, so paths are compared as
sets, not in order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import _PARSER, PATH, vendor_dtd
from lxml import etree

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "003_39db35ce8b9e765a.txt"


def samples() -> list[str]:
    if not SEED.exists():
        pytest.skip(f"seed {SEED} is not present (only in the project workspace)")
    return re.findall(r"<\?xml.*?</paymentService>", SEED.read_text(), flags=re.S)


def shape(root) -> set[str]:
    out = set()

    def walk(el, path):
        if not isinstance(el.tag, str):
            return
        p = f"{path}/{el.tag}"
        out.add(p + "[" + ",".join(sorted(el.attrib)) + "]")
        for c in el:
            walk(c, p)
    walk(root, "")
    return out


def token_from_reply(reply, shopper: str, token_id: str, pan: str = "4444333322221111") -> dict:
    """A stored token matching a seed reply sample (same card fields), for PUT /_sandbox/state."""
    t = reply.find("reply/token")
    address = None
    if t is not None and t.find(".//cardAddress/address") is not None:
        address = {c.tag: c.text for c in t.find(".//cardAddress/address") if isinstance(c.tag, str)}
    return {
        "id": token_id, "owner": shopper, "pan": pan, "expiryMonth": 6, "expiryYear": 2019,
        "holder": (t.findtext(".//cardHolderName") or "").strip() if t is not None else "J.Shopper",
        "address": address, "createdAt": 0, "expiresAt": 4102444800, "lastUsedAt": 0,
        "meta": {"scope": "shopper", "eventReference": t.findtext(".//tokenDetails/tokenEventReference")
                 if t is not None else "ref", "reason": "ClothesDepartment", "seq": 1},
    }


def send(http, xml: str):
    r = http.post(PATH, data=xml.encode(), auth=("MYMERCHANT", "pw"), headers={"Content-Type": "text/xml"})
    assert r.status_code == 200
    root = etree.fromstring(r.content, _PARSER)
    if vendor_dtd() is not None:
        assert vendor_dtd().validate(root), vendor_dtd().error_log
    return root


SEED_ERA = 1546300800  # 2019-01-01: the samples' card expiry (06/2022) was then in the future


def load(http, *tokens: dict) -> None:
    # The tenant's clock is set to the seed's era: an update to a past expiry is refused (wpg.md §7).
    tenant = {"tokens": list(tokens), "clock": {"now": SEED_ERA, "frozen": True}}
    r = http.put("/_sandbox/state", json={"version": 1, "tenants": {"wpg:MYMERCHANT": tenant}})
    assert r.status_code == 200, r.text


def test_all_ten_seed_examples(http):
    """seed 003: inquiry, retrieval (blank), update, delete, detokenisation request/reply pairs."""
    xs = samples()
    assert len(xs) == 10
    parsed = [etree.fromstring(x.strip().encode(), _PARSER) for x in xs]
    pairs = list(zip(xs[0::2], parsed[1::2], strict=True))
    names = [etree.fromstring(req.strip().encode(), _PARSER)[0][0].tag for req, _ in pairs]
    assert names == ["paymentTokenInquiry", "shopperTokenRetrieval", "paymentTokenUpdate",
                     "paymentTokenDelete", "paymentTokenInquiry"]
    for req, expected in pairs:
        r = etree.fromstring(req.strip().encode(), _PARSER)
        op = r[0][0]
        shopper = op.findtext("authenticatedShopperID")
        tid = op.findtext("paymentTokenID")
        if tid:
            load(http, token_from_reply(expected, shopper, tid))
        else:
            load(http)  # retrieval sample: a shopper with no tokens gets a blank reply
        if op.get("detokenisation") == "true":
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
            assert http.put("/_sandbox/tenants/wpg:MYMERCHANT/keys", json={"public_key": pem}).status_code == 200
        got = send(http, req.strip())
        assert shape(got) == shape(expected), (op.tag, shape(got) ^ shape(expected))
