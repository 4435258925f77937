"""Checkouts API (opp.md E7-E10 and §12 item 10): create, pay in the widget (new card or one-click
with a stored registration), read the result, and the 30-minute session on the virtual clock."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from opp_support import CARD, PAYMENT, SUCCESS, assert_envelope

CHECKOUT_ID = re.compile(r"^[0-9A-F]{32}\.uat01-vm-tx03$")
NO_SESSION = "No payment session found for the requested id"


def create(opp, **extra) -> str:
    r = opp.post("/v1/checkouts", {**PAYMENT, "shopperResultUrl": "https://shop.example/result", **extra})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def test_create_checkout(opp):
    """opp.md E7: 000.200.100 with id == ndc in the `<32 HEX>.uat01-vm-tx03` format."""
    r = opp.post("/v1/checkouts", PAYMENT)
    body = r.json()
    assert r.status_code == 200 and body["result"]["code"] == "000.200.100"
    assert CHECKOUT_ID.match(body["id"]) and body["ndc"] == body["id"]
    assert_envelope(body)


def test_checkout_validation(opp):
    """opp.md E7 + §6: bad parameters get 200.300.404 with parameterErrors and store nothing."""
    r = opp.post("/v1/checkouts", {"amount": "1", "currency": "EUR", "registrations[0].id": "nope"})
    names = [e["name"] for e in r.json()["result"]["parameterErrors"]]
    assert r.status_code == 400 and names == ["paymentType", "registrations[0].id"]
    assert opp.state()["tenants"] == {}


def test_result_is_pending_before_the_shopper_pays(opp):
    """opp.md E7-E10: before completion GET returns 000.200.000."""
    cid = create(opp)
    r = opp.get(f"/v1/checkouts/{cid}/payment")
    assert r.status_code == 200 and r.json()["result"]["code"] == "000.200.000"


def test_new_card_with_create_registration_then_one_click(opp, http):
    """Seed 'One-click payment': first checkout stores the card; the second lists it (masked) and
    pays with it; the merchant reads each result with GET resourcePath (opp.md E8)."""
    cid = create(opp, createRegistration="true")
    paid = http.post(f"/v1/checkouts/{cid}/payment", data=CARD)
    assert paid.status_code == 200 and SUCCESS.match(paid.json()["result"]["code"])
    back = urlsplit(paid.json()["shopperResultUrl"])
    query = parse_qs(back.query)
    assert back.netloc == "shop.example" and query["id"] == [cid]
    assert query["resourcePath"] == [f"/v1/checkouts/{cid}/payment"]
    result = opp.get(query["resourcePath"][0]).json()
    token = result["registrationId"]
    assert SUCCESS.match(result["result"]["code"]) and token

    cid2 = create(opp, **{"registrations[0].id": token, "standingInstruction.mode": "REPEATED",
                          "standingInstruction.type": "UNSCHEDULED", "standingInstruction.source": "CIT"})
    widget = http.get(f"/v1/checkouts/{cid2}/widget").json()
    assert widget["registrations"] == [{"id": token, "paymentBrand": "VISA", "last4Digits": "0000",
                                        "masked": "xxxx-xxxx-xxxx-0000", "holder": "Jane Jones",
                                        "expiryMonth": "05", "expiryYear": "2034"}]
    assert "4200000000000000" not in str(widget)
    one_click = http.post(f"/v1/checkouts/{cid2}/payment", data={"registrationId": token})
    assert one_click.status_code == 200
    result = opp.get(f"/v1/checkouts/{cid2}/payment").json()
    assert SUCCESS.match(result["result"]["code"]) and result["registrationId"] == token
    assert result["standingInstruction"]["source"] == "CIT"


def test_one_click_only_with_the_checkouts_own_registrations(opp, http):
    """opp.md E7: the widget offers the registrations[n].id of the checkout, nothing else."""
    token = opp.register()["id"]
    cid = create(opp)
    r = http.post(f"/v1/checkouts/{cid}/payment", data={"registrationId": token})
    assert r.status_code == 400 and r.json()["result"]["parameterErrors"][0]["name"] == "registrationId"


def test_card_error_keeps_the_checkout_open(opp, http):
    """opp.md §8.5: a card error is shown to the shopper, who may try again in the same session."""
    cid = create(opp)
    bad = http.post(f"/v1/checkouts/{cid}/payment", data={**CARD, "card.number": "4444444444444444"})
    assert bad.status_code == 400 and bad.json()["result"]["code"] == "100.100.101"
    assert http.post(f"/v1/checkouts/{cid}/payment", data=CARD).status_code == 200
    again = http.post(f"/v1/checkouts/{cid}/payment", data=CARD)  # paid: no longer a payment session
    assert again.status_code == 400 and NO_SESSION in again.json()["result"]["description"]


def test_registration_only_checkout(opp, http):
    """opp.md E7/E9: no paymentType + createRegistration=true; result at /registration."""
    r = opp.post("/v1/checkouts", {"createRegistration": "true"})
    cid = r.json()["id"]
    done = http.post(f"/v1/checkouts/{cid}/registration", data=CARD)
    assert done.status_code == 200 and done.json()["resourcePath"] == f"/v1/checkouts/{cid}/registration"
    result = opp.get(f"/v1/checkouts/{cid}/registration").json()
    assert SUCCESS.match(result["result"]["code"]) and "paymentType" not in result
    assert opp.get(f"/v1/registrations/{result['id']}").status_code == 200


def test_checkout_expires_after_30_minutes_of_virtual_time(opp, http):
    """opp.md E7-E10: after 30 minutes, HTTP 400 200.300.404 'No payment session found ...'."""
    opp.clock(set="2030-01-01T10:00:00Z", freeze=True)
    cid = create(opp)
    opp.clock(advance="PT29M")
    assert opp.get(f"/v1/checkouts/{cid}/payment").status_code == 200
    opp.clock(advance="PT1M")
    for r in (opp.get(f"/v1/checkouts/{cid}/payment"), http.post(f"/v1/checkouts/{cid}/payment", data=CARD),
              http.get(f"/v1/checkouts/{cid}/widget")):
        assert r.status_code == 400
        assert r.json()["result"]["code"] == "200.300.404" and NO_SESSION in r.json()["result"]["description"]
    assert opp.state()["tenants"][f"opp:{opp.entity}"]["tokens"] == []


def test_checkout_with_3ds_challenge_returns_to_the_shop(opp, http):
    """opp.md §12.9-10: a challenge card in the widget is pending; after the challenge the shopper
    lands on shopperResultUrl and the checkout result is the finished payment."""
    cid = create(opp)
    r = http.post(f"/v1/checkouts/{cid}/payment", data={**CARD, "card.number": "4200000000000042"})
    assert r.json()["result"]["code"] == "000.200.000"
    back = http.get(r.json()["redirect"]["url"], allow_redirects=False)
    assert back.status_code == 302 and parse_qs(urlsplit(back.headers["Location"]).query)["id"] == [cid]
    assert SUCCESS.match(opp.get(f"/v1/checkouts/{cid}/payment").json()["result"]["code"])
