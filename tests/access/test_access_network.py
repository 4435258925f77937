"""Network tokens (seed 002 "Network Token", access.md §9)."""

from __future__ import annotations

import re

from access_helpers import card, path_of, session


def test_provision_lookup_cryptogram_delete(api):
    """seed 002: POST /tokens/network -> 200 with tokenReference; GET lookup; cryptogram; DELETE 204."""
    r = api.post("/tokens/network", json=card(holder="name", month=1, year=2050))
    assert r.status_code == 200
    body = r.json()
    ref = body["tokenReference"]
    assert re.fullmatch(r"[0-9a-f-]{36}", ref)
    tpi = body["tokenPaymentInstrument"]
    assert tpi["status"] == "Active" and tpi["type"] == "card/networkToken"
    assert tpi["tokenNumber"] != "4444333322221111" and len(tpi["tokenNumber"]) == 16
    assert body["paymentInstrument"]["firstSix"] == "444433"
    lookup = path_of(body["_links"]["tokens:networkTokenLookup"]["href"])
    got = api.get(lookup).json()
    assert got["tokenPaymentInstrument"]["tokenNumber"] == tpi["tokenNumber"]
    assert "tokens:networkTokenCryptogram" in got["_links"]
    c = api.post("/tokens/network/cryptograms", json={"tokenNumber": tpi["tokenNumber"]}).json()
    assert c["cryptogramDetails"]["eci"] == "07" and c["cryptogramDetails"]["cryptogram"]
    assert api.delete(f"/tokens/network/{ref}").status_code == 204
    assert api.get(lookup).status_code == 404
    r = api.delete(f"/tokens/network/{ref}")
    assert (r.status_code, r.json()["errorName"]) == (404, "networkProviderError")
    assert api.delete("/tokens/network/not-a-token").json()["errorName"] == "fieldHasInvalidValue"


def test_provision_from_token_href_and_errors(api, sandbox):
    """access.md §9: card/tokenized href of an Access token; validation errors; foreign href 404."""
    href = api.post("/tokens", json=card()).json()["tokenPaymentInstrument"]["href"]
    body = {"paymentInstrument": {"type": "card/tokenized", "href": href}, "merchant": {"entity": "default"}}
    r = api.post("/tokens/network", json=body)
    assert r.status_code == 200 and r.json()["paymentInstrument"]["lastFour"] == "1111"
    with session(sandbox.url, user="other") as other:
        assert other.post("/tokens/network", json=body).status_code == 404
    bad = card(month=1, year=2001)
    del bad["paymentInstrument"]["cardHolderName"]
    errs = {(e["errorName"], e["jsonPath"]) for e in api.post("/tokens/network", json=bad).json()["validationErrors"]}
    assert errs == {("fieldIsMissing", "$.paymentInstrument.cardHolderName"),
                    ("fieldHasInvalidValue", "$.paymentInstrument.cardExpiryDate")}
    r = api.post("/tokens/network/cryptograms", json={"tokenNumber": "4111111111111111"})
    assert (r.status_code, r.json()["errorName"]) == (400, "fieldHasInvalidValue")


def test_npt_not_enabled_is_403(start_sandbox):
    """Tokens v3 OpenAPI: an account without NPT gets 403 accessDenied on POST /tokens/network
    ("Account not configured to use NPT") and 403 nptConfigurationError on DELETE."""
    proc = start_sandbox("--option", "access.npt_enabled=false")
    with session(proc.url) as api:
        r = api.post("/tokens/network", json=card(year=2050))
        assert (r.status_code, r.json()["errorName"]) == (403, "accessDenied")
        r = api.delete("/tokens/network/aa224320-425c-40b6-9781-2cb7df76b0c8")
        assert (r.status_code, r.json()["errorName"]) == (403, "nptConfigurationError")


def test_magic_cards_pending_and_provider_error(api, sandbox):
    """access.md §9: asynchronous (no tokenPaymentInstrument until ready) and provider-error
    variants, driven by the `catalogue.access.network` magic cards in fixtures/default.yaml."""
    r = api.post("/tokens/network", json=card("4000000000000010", year=2050)).json()
    assert "tokenPaymentInstrument" not in r
    lookup = path_of(r["_links"]["tokens:networkTokenLookup"]["href"])
    assert api.get(lookup).json()["tokenPaymentInstrument"]["status"] == "Pending"
    sandbox.clock.advance("PT61S")
    assert api.get(lookup).json()["tokenPaymentInstrument"]["status"] == "Active"
    r = api.post("/tokens/network", json=card("4000000000000028", year=2050)).json()
    assert "tokenPaymentInstrument" not in r and r["provisioningErrors"][0]["errorCode"] == "301"
