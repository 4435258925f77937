"""Issue 16 item 2: declines are transactions (opp.md §13.2).

A declined server-to-server payment is stored with its result and found by GET /v1/payments/{id}
and /v1/query; a declined checkout payment is what the merchant's status call reports, and the
shopper may retry in the same checkout until a payment succeeds or the session expires.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from opp_support import CARD, PAYMENT, SUCCESS

DECLINE = {"customParameters[forceResultCode]": "800.100.151"}


def test_declined_payment_is_found_by_id_and_by_query(opp):
    """opp.md §13.2: declines get an id; /v1/query finds any transaction that reached the gateway."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, **DECLINE, "merchantTransactionId": "order-9"})
    assert r.status_code == 400 and r.json()["result"]["code"] == "800.100.151"
    tx = r.json()["id"]
    for path in (f"/v1/payments/{tx}", f"/v1/query/{tx}"):
        got = opp.get(path)
        assert got.status_code == 400, got.text  # the same status as the decline itself (opp.decline_status)
        assert got.json()["id"] == tx and got.json()["result"] == r.json()["result"]
        assert got.json()["card"]["last4Digits"] == "0000"
    listed = opp.get("/v1/query", merchantTransactionId="order-9").json()["payments"]
    assert [(p["id"], p["result"]["code"]) for p in listed] == [(tx, "800.100.151")]
    # a declined authorisation cannot be captured (700.400.510 needs a successful PA)
    cp = opp.post(f"/v1/payments/{tx}", {"paymentType": "CP", "amount": "92.00", "currency": "EUR"})
    assert cp.json()["result"]["code"] == "700.400.510"


def test_declined_token_payment_is_stored_and_keeps_the_token(opp):
    """opp.md §13.2 + §10: a declined MIT is a transaction; the registration stays usable."""
    token = opp.register()["id"]
    r = opp.post(f"/v1/registrations/{token}/payments", {**PAYMENT, **DECLINE})
    assert r.json()["result"]["code"] == "800.100.151" and r.json()["registrationId"] == token
    assert opp.get(f"/v1/payments/{r.json()['id']}").json()["result"]["code"] == "800.100.151"
    assert SUCCESS.match(opp.post(f"/v1/registrations/{token}/payments", PAYMENT).json()["result"]["code"])


def test_declined_checkout_payment_is_reported_then_retried(opp, http):
    """opp.md §13.2: after a decline the shopper returns to shopperResultUrl, the merchant's status
    call reports the decline, the checkout stays open for another attempt; once a payment succeeds
    the session is closed for payments."""
    r = opp.post("/v1/checkouts", {**PAYMENT, "shopperResultUrl": "https://shop.example/result", **DECLINE})
    cid = r.json()["id"]
    declined = http.post(f"/v1/checkouts/{cid}/payment", data=CARD)
    assert declined.status_code == 400 and declined.json()["result"]["code"] == "800.100.151"
    back = parse_qs(urlsplit(declined.json()["shopperResultUrl"]).query)
    assert back["id"] == [cid] and back["resourcePath"] == [f"/v1/checkouts/{cid}/payment"]
    status = opp.get(f"/v1/checkouts/{cid}/payment")
    assert status.json()["result"]["code"] == "800.100.151" and status.json()["id"] == declined.json()["id"]
    assert http.get(f"/v1/checkouts/{cid}/widget").json()["state"] == "open"


def test_checkout_retry_after_a_declining_card_succeeds(opp, http, sandbox):
    """opp.md §13.2: failed attempts followed by a successful one on the same checkout; the status
    reports the latest attempt."""
    magic = "4000000000000002"
    load = ("version: 1\ncatalogue:\n  opp:\n    cards:\n"
            f"      \"{magic}\": {{code: \"800.100.152\"}}\n")
    assert http.post("/_sandbox/fixtures", data=load.encode(), params={"baseline": "false", "name": "d.yaml"},
                     headers={"Content-Type": "application/yaml"}).status_code == 200
    cid = opp.post("/v1/checkouts", {**PAYMENT, "shopperResultUrl": "https://shop.example/r"}).json()["id"]
    first = http.post(f"/v1/checkouts/{cid}/payment", data={**CARD, "card.number": magic})
    assert first.json()["result"]["code"] == "800.100.152"
    assert opp.get(f"/v1/checkouts/{cid}/payment").json()["result"]["code"] == "800.100.152"
    second = http.post(f"/v1/checkouts/{cid}/payment", data=CARD)
    assert second.status_code == 200 and SUCCESS.match(second.json()["result"]["code"])
    status = opp.get(f"/v1/checkouts/{cid}/payment").json()
    assert status["id"] == second.json()["id"] and SUCCESS.match(status["result"]["code"])
    assert http.post(f"/v1/checkouts/{cid}/payment", data=CARD).status_code == 400  # closed after success
    ids = {p["id"]: p["status"] for p in opp.state()["tenants"][f"opp:{opp.entity}"]["payments"]}
    assert ids == {first.json()["id"]: "REFUSED", second.json()["id"]: "CAPTURED"}
