"""OPP journeys, one per use case of the seed (../shared/seeds/000_5debcf6b81dcbf6e.txt), driven as
a real client would: success decided only with the documented regex on result.code (opp.md §8.1)."""

from __future__ import annotations

import re

import pytest
from opp_support import CARD, PAYMENT, PENDING, SUCCESS


def succeeded(r) -> bool:
    """ActiveMerchant's rule (opp.md §11): success = regex on result.code, false without result."""
    return bool(SUCCESS.match(r.json().get("result", {}).get("code", "")))


def test_journey_standalone_tokenisation_then_payment(opp):
    """Seed 'Standalone tokenization': 1. create the token, 2. send payment using the token."""
    r = opp.post("/v1/registrations", CARD)
    assert succeeded(r)
    token = r.json()["id"]
    r = opp.post(f"/v1/registrations/{token}/payments", PAYMENT)
    assert succeeded(r) and r.json()["registrationId"] == token


def test_journey_tokenisation_during_payment(opp):
    """Seed 'Tokenization during payment': createRegistration=true returns registrationId."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "createRegistration": "true",
                                  "standingInstruction.mode": "INITIAL", "standingInstruction.type": "UNSCHEDULED",
                                  "standingInstruction.source": "CIT"})
    assert succeeded(r)
    token = r.json()["registrationId"]
    assert succeeded(opp.get(f"/v1/registrations/{token}"))


def test_journey_payment_with_token_cit_then_mit(opp):
    """Seed 'One-click payment' (CIT) and 'Payment with token' (MIT): the MIT chains to the initial
    CIT through standingInstruction.initialTransactionId (opp.md E3, Hyperswitch's use)."""
    first = opp.post("/v1/payments", {**CARD, **PAYMENT, "createRegistration": "true",
                                      "standingInstruction.mode": "INITIAL",
                                      "standingInstruction.type": "RECURRING", "standingInstruction.source": "CIT"})
    assert succeeded(first)
    # opp.md §13.4: the INITIAL CIT carries the scheme's id, which later MITs reference
    token, initial = first.json()["registrationId"], first.json()["standingInstruction"]["initialTransactionId"]
    assert re.match(r"^[0-9]{15}$", initial) and first.json()["resultDetails"]["CardholderInitiatedTransactionID"] == initial
    cit = opp.post(f"/v1/registrations/{token}/payments", {
        **PAYMENT, "card.cvv": "123", "standingInstruction.mode": "REPEATED",
        "standingInstruction.type": "UNSCHEDULED", "standingInstruction.source": "CIT"})
    assert succeeded(cit) and re.match(r"^[0-9]{15}$", cit.json()["resultDetails"]["CardholderInitiatedTransactionID"])
    assert "initialTransactionId" not in cit.json()["standingInstruction"]  # only the INITIAL CIT has it
    mit = opp.post(f"/v1/registrations/{token}/payments", {
        **PAYMENT, "standingInstruction.mode": "REPEATED", "standingInstruction.type": "RECURRING",
        "standingInstruction.source": "MIT"})
    assert succeeded(mit) and "resultDetails" not in mit.json()
    assert mit.json()["standingInstruction"] == {"mode": "REPEATED", "type": "RECURRING", "source": "MIT",
                                                 "initialTransactionId": initial}
    explicit = opp.post(f"/v1/registrations/{token}/payments", {
        **PAYMENT, "standingInstruction.mode": "REPEATED", "standingInstruction.type": "INSTALLMENT",
        "standingInstruction.source": "MIT", "standingInstruction.initialTransactionId": "SCHEME123"})
    assert explicit.json()["standingInstruction"]["initialTransactionId"] == "SCHEME123"


def test_journey_deletion(opp):
    """Seed 'Token deletion': the deregistered token cannot be used anymore."""
    token = opp.post("/v1/registrations", CARD).json()["id"]
    assert succeeded(opp.delete(f"/v1/registrations/{token}"))
    r = opp.post(f"/v1/registrations/{token}/payments", PAYMENT)
    assert not succeeded(r) and r.json()["result"]["code"] == "100.150.202"


def test_journey_default_retention_lapses_14_months_after_card_expiry(opp):
    """Seed 'Token extension' example: expiry Jan-Y1 -> deleted 1-Apr-Y2 (14 months after expiry).
    The clock moves with POST /_sandbox/clock; a lapsed token behaves as deleted (opp.md §10)."""
    opp.clock(set="2030-01-15T00:00:00Z", freeze=True)
    token = opp.post("/v1/registrations", {**CARD, "card.expiryMonth": "01", "card.expiryYear": "2031"}).json()["id"]
    opp.clock(set="2032-03-31T23:00:00Z")
    assert succeeded(opp.get(f"/v1/registrations/{token}"))
    opp.clock(set="2032-04-01T00:00:00Z")
    assert opp.get(f"/v1/registrations/{token}").json()["result"]["code"] == "100.150.202"
    assert opp.delete(f"/v1/registrations/{token}").json()["result"]["code"] == "100.350.303"


def test_journey_extension_keeps_the_token_past_default_retention(opp):
    """Seed 'Token extension': extendlife (no other parameters) retains the token up to 24 months."""
    opp.clock(set="2030-01-15T00:00:00Z", freeze=True)
    token = opp.post("/v1/registrations", {**CARD, "card.expiryMonth": "01", "card.expiryYear": "2031"}).json()["id"]
    r = opp.post(f"/v1/registrations/{token}/extendlife")
    assert succeeded(r) and r.json()["referencedId"] == token
    opp.clock(advance="P27M")  # 2032-04-15: past the default 1 Apr 2032
    assert succeeded(opp.get(f"/v1/registrations/{token}"))
    opp.clock(set="2033-02-01T00:00:00Z")  # 24 months after the expiry month
    assert opp.get(f"/v1/registrations/{token}").json()["result"]["code"] == "100.150.202"
    assert opp.post(f"/v1/registrations/{token}/extendlife").json()["result"]["code"] == "100.350.316"


def test_stored_card_that_expired_is_refused_but_kept(opp):
    """opp.md §8.5: a payment with a registration whose card has expired answers 100.100.303."""
    opp.clock(set="2030-01-15T00:00:00Z", freeze=True)
    token = opp.post("/v1/registrations", {**CARD, "card.expiryMonth": "01", "card.expiryYear": "2031"}).json()["id"]
    opp.clock(set="2031-03-01T00:00:00Z")
    assert opp.post(f"/v1/registrations/{token}/payments", PAYMENT).json()["result"]["code"] == "100.100.303"
    assert succeeded(opp.get(f"/v1/registrations/{token}"))


@pytest.mark.parametrize("forced, success, pending", [
    ("000.000.000", True, False), ("000.100.110", True, False), ("000.100.112", True, False),
    ("000.300.000", True, False), ("000.600.000", True, False), ("000.200.000", False, True),
    ("000.400.000", False, False), ("800.100.151", False, False), ("100.150.202", False, False),
    ("900.100.100", False, False),
])
def test_result_codes_classify_with_the_documented_regex(opp, forced, success, pending):
    """opp.md §8.1: a success code creates the token, anything else does not."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "createRegistration": "true",
                                  "customParameters[forceResultCode]": forced})
    code = r.json()["result"]["code"]
    assert code == forced
    assert bool(SUCCESS.match(code)) is success and bool(PENDING.match(code)) is pending
    assert ("registrationId" in r.json()) is success
    assert (r.status_code == 200) is (success or pending or forced.startswith("000.400"))
