"""POST /tokens: auth, validation, outcomes (seed 002 "Create a new token", access.md §3.1, §4, §10)."""

from __future__ import annotations

import re

from access_helpers import MEDIA, card, luhn_pan, path_of, session

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_missing_or_bad_credentials_get_401_access_denied(api, sandbox):
    """access.md §1 / §16.1: Basic auth on every route, 401 accessDenied JSON otherwise."""
    r = api.post("/tokens", json=card(), auth=("", ""))
    assert r.status_code == 401
    assert r.headers["Content-Type"] == MEDIA
    assert r.json()["errorName"] == "accessDenied"
    api.auth = None
    assert api.get("/tokens/abc").status_code == 401
    assert api.get("/", headers={"Authorization": "Basic !!notbase64"}).status_code == 401


def test_create_returns_201_with_the_seed_shape(api):
    """seed 002 "Create a new token" sample response: keys, formats, links, Location header."""
    r = api.post("/tokens", json=card(description="Test Token Description", namespace="cust-1"))
    assert r.status_code == 201 and r.reason == "Created"
    assert r.headers["Content-Type"] == MEDIA
    body = r.json()
    assert list(body) == ["tokenPaymentInstrument", "tokenId", "description", "tokenExpiryDateTime",
                          "namespace", "paymentInstrument", "_links"]
    assert body["tokenPaymentInstrument"]["type"] == "card/tokenized"
    assert r.headers["Location"] == body["tokenPaymentInstrument"]["href"]
    assert re.fullmatch(r"99\d{17}", body["tokenId"])
    assert DATE.match(body["tokenExpiryDateTime"])
    assert body["description"] == "Test Token Description"
    pi = body["paymentInstrument"]
    assert pi == {"type": "card/masked", "cardNumber": "4444********1111", "cardHolderName": "Sherlock Holmes",
                  "cardExpiryDate": {"month": 5, "year": 2035}, "bin": "444433", "brand": "VISA",
                  "fundingType": "credit", "countryCode": "GB"}
    links = body["_links"]
    assert list(links) == ["tokens:token", "tokens:description", "tokens:cardHolderName", "tokens:cardExpiryDate",
                           "tokens:billingAddress", "tokens:schemeTransactionReference", "curies"]
    host = api.base
    assert all(v["href"].startswith(host + "/tokens/") for k, v in links.items() if k != "curies")
    assert links["curies"] == [{"href": f"{host}/rels/tokens/{{rel}}.json", "name": "tokens", "templated": True}]
    hrefs = {v["href"] for k, v in links.items() if k != "curies"}
    assert len(hrefs) == 6  # one distinct link per field


def test_opaque_ids_follow_the_vendor_k1_d_layout(api):
    """access.md §1: base64url (no padding) of {"k":1,"d":"<standard base64>"}."""
    import base64
    import json

    href = api.post("/tokens", json=card()).json()["tokenPaymentInstrument"]["href"]
    opaque = path_of(href).rsplit("/", 1)[1]
    assert "=" not in opaque
    doc = json.loads(base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4)))
    assert doc["k"] == 1 and base64.b64decode(doc["d"], validate=True)


def test_default_description_when_absent(api):
    """seed 002: "If not supplied, a default description is created for you"."""
    assert api.post("/tokens", json=card()).json()["description"]


def test_repeat_is_200_with_same_token_and_omitted_address_keeps_stored(api):
    """seed 002 200 response: match; an omitted billingAddress keeps the stored one (access.md §4.2)."""
    address = {"address1": "221B Baker Street", "postalCode": "NW1 6XE", "city": "London", "countryCode": "GB"}
    body = card()
    body["paymentInstrument"]["billingAddress"] = address
    first = api.post("/tokens", json=body).json()
    r = api.post("/tokens", json=card())
    assert r.status_code == 200 and r.reason == "OK"
    assert r.json()["tokenId"] == first["tokenId"]
    assert r.json()["paymentInstrument"]["billingAddress"] == address
    assert r.headers["Location"] == first["tokenPaymentInstrument"]["href"]


def test_changed_holder_is_409_keeping_stored_data(api):
    """access.md §4.1/§4.3: 409 Conflict, stored data kept, request values in `conflicts`."""
    first = api.post("/tokens", json=card()).json()
    r = api.post("/tokens", json=card(holder="John Watson", month=6))
    assert r.status_code == 409 and r.reason == "Conflict"
    body = r.json()
    assert body["tokenId"] == first["tokenId"]
    assert body["paymentInstrument"]["cardHolderName"] == "Sherlock Holmes"
    assert body["conflicts"]["paymentInstrument"] == {"cardHolderName": "John Watson",
                                                      "cardExpiryDate": {"month": 6, "year": 2035}}
    assert re.match(r"^\d{4}-\d\d-\d\dT", body["conflicts"]["conflictsExpiryDateTime"])
    assert "tokens:conflicts" in body["_links"]
    assert r.headers["Location"] == first["tokenPaymentInstrument"]["href"]
    # case-only difference is a conflict too (access.md §4.2)
    assert api.post("/tokens", json=card(holder="SHERLOCK HOLMES")).status_code == 409


def test_same_card_in_other_namespace_is_a_new_token(api):
    """seed 002: "A card can exist in more than one namespace"."""
    a = api.post("/tokens", json=card(namespace="a"))
    b = api.post("/tokens", json=card(namespace="b"))
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["tokenId"] != b.json()["tokenId"]


def test_seventeenth_card_in_a_namespace_is_403(api, sandbox):
    """seed 002 namespace "up to 16 cards"; access.md §4.5: 403 tooManyTokensForNamespace."""
    from sandbox.core.cards import luhn_ok

    pans = []
    n = 4444333300000000
    while len(pans) < 17:
        n += 1
        if luhn_ok(str(n)):
            pans.append(str(n))
    for pan in pans[:16]:
        assert api.post("/tokens", json=card(pan, namespace="full")).status_code == 201
    before = sandbox.state()["tenants"]
    r = api.post("/tokens", json=card(pans[16], namespace="full"))
    assert r.status_code == 403 and r.json()["errorName"] == "tooManyTokensForNamespace"
    assert sandbox.state()["tenants"] == before  # a rejected request changes nothing
    assert api.post("/tokens", json=card(pans[0], namespace="full")).status_code == 200  # a match still works


def test_validation_lists_every_violation(api, sandbox):
    """access.md §3.1 / §10.3: 400 bodyDoesNotMatchSchema with all validationErrors, nothing stored."""
    body = {
        "paymentInstrument": {"type": "card/front", "cardNumber": "4444333322221112",
                              "cardExpiryDate": {"month": 13, "year": 2035},
                              "billingAddress": {"address1": "4444 3333 2222 1111", "postalCode": "X", "city": "Y",
                                                 "countryCode": "gb"}},
        "merchant": {"entity": "default"},
        "description": "",
        "namespace": "_bad",
        "schemeTransactionReference": "abc!",
        "cvc": "123",
    }
    r = api.post("/tokens", json=body)
    assert r.status_code == 400
    got = {(e["errorName"], e["jsonPath"]) for e in r.json()["validationErrors"]}
    assert got == {
        ("fieldIsMissing", "$.paymentInstrument.cardHolderName"),
        ("panFailedLuhnCheck", "$.paymentInstrument.cardNumber"),
        ("integerIsTooLarge", "$.paymentInstrument.cardExpiryDate.month"),
        ("billingAddressMightContainCardNumber", "$.paymentInstrument.billingAddress.address1"),
        ("stringFailedRegexCheck", "$.paymentInstrument.billingAddress.countryCode"),
        ("stringIsTooShort", "$.description"),
        ("stringFailedRegexCheck", "$.namespace"),
        ("stringFailedRegexCheck", "$.schemeTransactionReference"),
        ("fieldIsNotAllowed", "$.cvc"),
    }
    assert all(e["message"] for e in r.json()["validationErrors"])
    assert sandbox.state()["tenants"] == {}


def test_wrong_types_are_named(api):
    """access.md §10.3: fieldMustBeString / fieldMustBeInteger / fieldMustBeObject."""
    body = card()
    body["paymentInstrument"]["cardHolderName"] = 42
    body["paymentInstrument"]["cardExpiryDate"]["year"] = "2035"
    body["merchant"] = "default"
    names = {(e["errorName"], e["jsonPath"]) for e in api.post("/tokens", json=body).json()["validationErrors"]}
    assert names == {("fieldMustBeString", "$.paymentInstrument.cardHolderName"),
                     ("fieldMustBeInteger", "$.paymentInstrument.cardExpiryDate.year"),
                     ("fieldMustBeObject", "$.merchant")}


def test_merchant_entity_required_in_v3_only(sandbox):
    """access.md §1: v3 (28 Dec 2021) made merchant.entity mandatory; v2 clients omit it (S31c)."""
    body = card()
    del body["merchant"]
    with session(sandbox.url) as v3:
        r = v3.post("/tokens", json=body)
        assert r.status_code == 400
        assert r.json()["validationErrors"] == [
            {"errorName": "fieldIsMissing", "message": "Merchant must be supplied", "jsonPath": "$.merchant"}]
    v2type = "application/vnd.worldpay.tokens-v2.hal+json"
    with session(sandbox.url, Accept=None, **{"Content-Type": v2type}) as v2:
        r = v2.post("/tokens", json=body)
        assert r.status_code == 201
        assert r.headers["Content-Type"] == v2type


def test_malformed_empty_duplicate_and_deep_bodies(api, sandbox):
    """access.md §10.2: bodyIsNotJson / bodyIsEmpty; DESIGN §6: duplicate keys are ambiguous."""
    cases = {
        b"{not json": "bodyIsNotJson",
        b"": "bodyIsEmpty",
        b'{"merchant": {"entity": "a"}, "merchant": {"entity": "b"}}': "bodyIsNotJson",
        b"[" * 100_000 + b"]" * 100_000: "bodyIsNotJson",
        b'{"a": NaN}': "bodyIsNotJson",
        b"\xff\xfe": "bodyIsNotJson",
    }
    for raw, name in cases.items():
        r = api.post("/tokens", data=raw)
        assert (r.status_code, r.json()["errorName"]) == (400, name), raw[:20]
    assert api.post("/tokens", json=[1]).json()["validationErrors"][0]["errorName"] == "fieldMustBeObject"
    assert sandbox.state()["tenants"] == {}


def test_unrecognised_brand_is_422(api):
    """access.md §4.1: 422 unrecognizedCardBrand."""
    r = api.post("/tokens", json=card(luhn_pan("90")))
    assert r.status_code == 422 and r.json()["errorName"] == "unrecognizedCardBrand"


def test_tenants_are_isolated(api, sandbox):
    """DESIGN §3: another Basic username is another tenant; its hrefs are 404 to others."""
    href = api.post("/tokens", json=card()).json()["tokenPaymentInstrument"]["href"]
    with session(sandbox.url, user="shop2") as other:
        assert other.get(path_of(href)).status_code == 404
        assert other.post("/tokens", json=card()).status_code == 201
