"""Issue 16 item 4: the card-on-file chain (opp.md §13.4, E2-E3)."""

from __future__ import annotations

import re

import requests
from opp_support import BEARER, CARD, ENTITY, PAYMENT, SUCCESS

INITIAL = {"standingInstruction.mode": "INITIAL", "standingInstruction.type": "RECURRING",
           "standingInstruction.source": "CIT", "standingInstruction.recurringType": "SUBSCRIPTION",
           "standingInstruction.expiry": "2031-12-31", "standingInstruction.frequency": "0030"}
MIT = {"standingInstruction.mode": "REPEATED", "standingInstruction.type": "RECURRING",
       "standingInstruction.source": "MIT"}
SCHEME_ID = re.compile(r"^[0-9]{15}$")


def test_initial_cit_echoes_the_agreement_and_its_scheme_id(opp):
    """opp.md §13.4: the INITIAL CIT's reply has standingInstruction.initialTransactionId (the same
    value as resultDetails.CardholderInitiatedTransactionID) and echoes recurringType/expiry/frequency."""
    body = opp.post("/v1/payments", {**CARD, **PAYMENT, **INITIAL, "createRegistration": "true"}).json()
    si = body["standingInstruction"]
    assert SCHEME_ID.match(si["initialTransactionId"]) and si["initialTransactionId"] != body["id"]
    assert body["resultDetails"]["CardholderInitiatedTransactionID"] == si["initialTransactionId"]
    assert (si["recurringType"], si["expiry"], si["frequency"]) == ("SUBSCRIPTION", "2031-12-31", "0030")


def test_the_initial_id_drives_a_mit_on_the_recurring_entity(opp, http):
    """opp.md §13.3-13.4: the MIT on another entity of the merchant carries the INITIAL CIT's id;
    an explicit id (Hyperswitch sends the OPP payment id) is kept as sent."""
    first = opp.post("/v1/payments", {**CARD, **PAYMENT, **INITIAL, "createRegistration": "true"}).json()
    initial, token = first["standingInstruction"]["initialTransactionId"], first["registrationId"]
    mit = http.post(f"/v1/registrations/{token}/payments", headers=BEARER,
                    data={"entityId": "8a8294174b7ecb28014b9699220015ce", **PAYMENT, **MIT}).json()
    assert SUCCESS.match(mit["result"]["code"]) and mit["standingInstruction"]["initialTransactionId"] == initial
    assert "resultDetails" not in mit
    explicit = opp.post(f"/v1/registrations/{token}/payments", {**PAYMENT, **MIT,
                                                                "standingInstruction.initialTransactionId": first["id"]})
    assert explicit.json()["standingInstruction"]["initialTransactionId"] == first["id"]


def test_cit_id_only_where_the_platform_sends_it(opp):
    """opp.md §13.4: a plain card payment (a CIT) has one; declines, pending 3-D Secure and
    back-office operations do not; the INITIAL id only on the INITIAL CIT."""
    plain = opp.post("/v1/payments", {**CARD, **PAYMENT}).json()
    assert SCHEME_ID.match(plain["resultDetails"]["CardholderInitiatedTransactionID"])
    assert "standingInstruction" not in plain
    declined = opp.post("/v1/payments", {**CARD, **PAYMENT, **INITIAL,
                                         "customParameters[forceResultCode]": "800.100.151"}).json()
    assert "resultDetails" not in declined and "initialTransactionId" not in declined["standingInstruction"]
    pending = opp.post("/v1/payments", {**CARD, **PAYMENT, **INITIAL, "customParameters[3DS2_enrolled]": "true"})
    assert "resultDetails" not in pending.json()
    assert "initialTransactionId" not in pending.json()["standingInstruction"]
    rf = opp.post(f"/v1/payments/{plain['id']}", {"paymentType": "RF", "amount": "1.00", "currency": "EUR"}).json()
    assert "resultDetails" not in rf


def test_challenge_completion_gives_the_initial_cit_its_id(opp, http):
    """opp.md §13.4: 'the pending (3-DS in progress) notification lacks initialTransactionId'; the
    finished payment has it."""
    body = opp.post("/v1/payments", {**CARD, **PAYMENT, **INITIAL, "createRegistration": "true",
                                     "customParameters[3DS2_enrolled]": "true"}).json()
    http.get(body["redirect"]["url"], allow_redirects=False)
    done = opp.get(f"/v1/payments/{body['id']}").json()
    assert SCHEME_ID.match(done["standingInstruction"]["initialTransactionId"])
    mit = opp.post(f"/v1/registrations/{done['registrationId']}/payments", {**PAYMENT, **MIT}).json()
    assert mit["standingInstruction"]["initialTransactionId"] == done["standingInstruction"]["initialTransactionId"]


def test_mit_without_an_agreement_is_refused_when_asked(start_sandbox):
    """opp.md §13.4: no documented code; with opp.mit_requires_initial_transaction=true, 600.200.501."""
    sb = start_sandbox("--option", "opp.mit_requires_initial_transaction=true")
    with requests.Session() as s:
        token = s.post(f"{sb.url}/v1/registrations", data={"entityId": ENTITY, **CARD}, headers=BEARER,
                       timeout=10).json()["id"]
        r = s.post(f"{sb.url}/v1/registrations/{token}/payments", data={"entityId": ENTITY, **PAYMENT, **MIT},
                   headers=BEARER, timeout=10)
        assert r.status_code == 400 and r.json()["result"]["code"] == "600.200.501"
        r = s.post(f"{sb.url}/v1/registrations/{token}/payments", headers=BEARER, timeout=10, data={
            "entityId": ENTITY, **PAYMENT, **MIT, "standingInstruction.initialTransactionId": "123456789012345"})
        assert SUCCESS.match(r.json()["result"]["code"])
