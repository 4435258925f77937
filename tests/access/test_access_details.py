"""Issue 17 item 5: details where we differed from the vendor's own examples (evidence and
choices in docs/access.md "Details")."""

from __future__ import annotations

from access_helpers import card, load_fixture, luhn_pan, path_of, session


def test_the_vendor_three_error_example_in_its_order(api):
    """Tokens v3 OpenAPI 400 example: stringIsTooShort $.description, fieldHasInvalidValue
    "Card expiry month too small - must be between 1 & 12", billingAddressMightContainCardNumber
    $.paymentInstrument.billingAddress.address2, in that order."""
    body = card(month=0, description="")
    body["paymentInstrument"]["billingAddress"] = {
        "address1": "221B Baker Street", "address2": "4444333322221111", "postalCode": "NW1 6XE",
        "city": "London", "countryCode": "GB"}
    errors = api.post("/tokens", json=body).json()["validationErrors"]
    assert [(e["errorName"], e["jsonPath"]) for e in errors] == [
        ("stringIsTooShort", "$.description"),
        ("fieldHasInvalidValue", "$.paymentInstrument.cardExpiryDate.month"),
        ("billingAddressMightContainCardNumber", "$.paymentInstrument.billingAddress.address2"),
    ]
    assert errors[1]["message"] == "Card expiry month too small - must be between 1 & 12"


def test_month_above_twelve_is_too_large(api):
    """Access Checkout pact tests against Verified Tokens (access.md S25): integerIsTooLarge
    "Card expiry month is too large - must be between 1 & 12"."""
    e = api.post("/tokens", json=card(month=13)).json()["validationErrors"][0]
    assert (e["errorName"], e["message"]) == ("integerIsTooLarge", "Card expiry month is too large - must be between 1 & 12")


def test_merchant_entity_has_no_length_limit(api):
    """Tokens v3 OpenAPI: merchant.entity is a string with no length (the 64 was ours)."""
    body = card()
    body["merchant"]["entity"] = "e" * 100
    assert api.post("/tokens", json=body).status_code == 201


def test_funding_type_uses_the_tokens_vocabulary(api):
    """Tokens changelog 08 Mar 2023: fundingType is debit, credit or unknown; the vendor's Amex
    test cards (a charge card in our catalogue) answer credit."""
    pi = api.post("/tokens", json=card(pan="343434343434343")).json()["paymentInstrument"]
    assert (pi["brand"], pi["fundingType"]) == ("AMEX", "credit")


def test_405_names_the_allowed_methods(api):
    """RFC 9110 §15.5.6: a 405 carries Allow; the vendor's 405 body is methodNotAllowed."""
    token = api.post("/tokens", json=card()).json()
    field = path_of(token["_links"]["tokens:description"]["href"])
    r = api.get(field)
    assert (r.status_code, r.json()["errorName"], r.headers["Allow"]) == (405, "methodNotAllowed", "PUT")
    r = api.put(path_of(token["tokenPaymentInstrument"]["href"]), json="x")
    assert (r.status_code, r.headers["Allow"]) == (405, "GET, DELETE")
    r = api.get("/tokens/network")
    assert (r.status_code, r.headers["Allow"]) == (405, "POST")
    r = api.patch("/tokens")
    assert r.status_code == 405 and {"GET", "POST"} <= set(r.headers["Allow"].replace(" ", "").split(","))


def test_network_tokens_keep_the_scheme_and_refuse_other_brands(api):
    """create-a-network-token (23 Apr 2025): Visa, Mastercard, American Express and Discover; the
    token number keeps the card scheme's number space (vendor example 4444... -> 4111...)."""
    for pan, prefix in (("343434343434343", "34"), ("2221000000000009", "2221"), ("5555555555554444", "55"),
                        ("6011000400000000", "6011"), ("4444333322221111", "4")):
        number = api.post("/tokens/network", json=card(pan=pan, year=2050)).json()[
            "tokenPaymentInstrument"]["tokenNumber"]
        assert number.startswith(prefix) and len(number) == len(pan) and number != pan, (pan, number)
    r = api.post("/tokens/network", json=card(pan=luhn_pan("352800"), year=2050))  # JCB
    assert r.status_code == 200
    assert "tokenPaymentInstrument" not in r.json()
    assert r.json()["provisioningErrors"][0]["message"] == "Card brand is not supported for network tokens"


def test_seeded_network_token_answers_the_seed_samples(sandbox, http):
    """seed 002 "Network Token": the lookup and cryptogram samples answer as written once the
    seed's network token is seeded by a fixture (`networkTokens:` in the lookup reply's shape)."""
    fixture = {"version": 1, "tenants": {"access:npt-seed": {"networkTokens": [{
        "tokenReference": "aa224320-425c-40b6-9781-2cb7df76b0c8",
        "tokenPaymentInstrument": {"status": "Active", "type": "card/networkToken", "tokenNumber": "4111111111111111",
                                   "expiryDate": {"month": 12, "year": 2025}},
        "paymentInstrument": {"type": "card/masked", "firstSix": "411111", "lastFour": "1111",
                              "cardExpiryDate": {"month": 12, "year": 2025},
                              "paymentAccountReference": "41111111111111111111111111111"},
        "cryptogram": "AgAAAAAASFh+gDRt/rq8QOkAAAA=",
    }]}}}
    r = load_fixture(http, fixture)
    assert r.status_code == 200, r.text
    try:
        with session(sandbox.url, user="npt-seed") as api:
            got = api.get("/tokens/network/aa224320-425c-40b6-9781-2cb7df76b0c8").json()
            assert got["tokenPaymentInstrument"] == fixture["tenants"]["access:npt-seed"]["networkTokens"][0][
                "tokenPaymentInstrument"]
            assert got["paymentInstrument"]["paymentAccountReference"] == "41111111111111111111111111111"
            r = api.post("/tokens/network/cryptograms", json={"tokenNumber": "4111111111111111"})
            assert r.json()["cryptogramDetails"] == {"cryptogram": "AgAAAAAASFh+gDRt/rq8QOkAAAA=", "eci": "07"}
    finally:
        http.post("/_sandbox/reset")


def test_expired_card_is_tokenised(api):
    """seed 002 "Create a new token" sends cardExpiryDate 1/2025 (past today) and gets a token:
    /tokens keeps 201 for an expired card (the vendor documents no refusal; the NPT route's
    "must not be in the past" is its own, tested in test_access_network.py)."""
    assert api.post("/tokens", json=card(pan="4917610000000000", month=1, year=2025)).status_code == 201


def test_hrefs_follow_the_proxy_in_front(sandbox):
    """Behind a TLS proxy (Forwarded / X-Forwarded-Proto / X-Forwarded-Host) hrefs are the
    client's https:// ones, as the vendor's always are."""
    with session(sandbox.url, user="fwd") as api:
        r = api.post("/tokens", json=card(), headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "pay.example"})
        assert r.json()["tokenPaymentInstrument"]["href"].startswith("https://pay.example/tokens/")
        r = api.get("/", headers={"Forwarded": 'for=1.2.3.4;proto=https;host="sbx.example:8443"'})
        assert r.json()["_links"]["service:tokens"]["href"] == "https://sbx.example:8443/tokens"
        r = api.get("/", headers={"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "bad host/x"})
        assert r.json()["_links"]["service:tokens"]["href"].startswith("http://127.0.0.1")


def test_network_token_from_a_token_with_an_expired_card_is_refused(api):
    """network-token-errors (12 May 2025): "Card expiry date must not be in the past"; the same
    refusal when the card comes from a stored token's href (docs/access.md)."""
    href = api.post("/tokens", json=card(pan="4917610000000000", month=1, year=2025)).json()[
        "tokenPaymentInstrument"]["href"]
    r = api.post("/tokens/network", json={"paymentInstrument": {"type": "card/tokenized", "href": href},
                                          "merchant": {"entity": "default"}})
    assert r.status_code == 400
    assert r.json()["validationErrors"][0] == {"errorName": "fieldHasInvalidValue", "jsonPath": "$.paymentInstrument.href",
                                               "message": "Card expiry date must not be in the past"}
