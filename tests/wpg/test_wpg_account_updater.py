"""Account Updater (wpg.md §11.6; seed 003 "Account Updater token inquiries"; issue 15 item 5): the
vendor's ACCOUNTUPDATER.<brand> holder names, the vendor's general test cards left ordinary, and a
scheduled outcome for any token through the control plane or a fixture."""

from __future__ import annotations

import pytest
from conftest import error_of, token_id


@pytest.mark.parametrize("holder,new_pan", [("ACCOUNTUPDATER.VI", "4444333322221111"),
                                            ("ACCOUNTUPDATER.MC", "5454545454545454"),
                                            ("ACCOUNTUPDATER.DI", "6011000400000000")])
def test_holder_name_trigger_reports_the_new_card(wpg, holder, new_pan):
    """wpg.md §11.6: the trigger is the holder name; the inquiry shows the brand's new card."""
    tid = token_id(wpg.create(pan="4111111111111111", holder=holder))
    reply = wpg.inquire(tid)
    assert reply.findtext(".//obfuscatedPAN").endswith(new_pan[-4:])
    assert reply.findtext(".//derived/bin") == new_pan[:6]
    again = wpg.inquire(token_id(reply))
    assert token_id(again) == token_id(reply)  # applied once


@pytest.mark.parametrize("pan", ["4917610000000000", "5163613613613613", "4462030000000000", "6759649826438453"])
def test_vendor_general_test_cards_keep_ordinary_behaviour(wpg, pan):
    """Issue 15 item 5: a card from the vendor's test-card list is never updated, renumbered or closed."""
    tid = token_id(wpg.create(pan=pan))
    for _ in range(2):
        reply = wpg.inquire(tid)
        assert error_of(reply) is None and token_id(reply) == tid
        assert reply.findtext(".//obfuscatedPAN").endswith(pan[-4:])


def test_control_plane_schedules_an_outcome_for_any_token(wpg, http):
    """PUT /_sandbox/tenants/{T}/tokens/{id}/account-updater: the next inquiry reports it."""
    tid = token_id(wpg.create(pan="4444333322221111"))
    path = f"/_sandbox/tenants/wpg:MYMERCHANT/tokens/{tid}/account-updater"
    r = http.put(path, json={"accountUpdater": {"newExpiry": "03/2034"}})
    assert r.status_code == 200 and r.json()["accountUpdater"] == {"newExpiry": "03/2034"}
    assert wpg.inquire(tid).find(".//expiryDate/date").attrib == {"month": "03", "year": "2034"}
    assert http.put(path, json={"accountUpdater": {"closed": True}}).status_code == 200
    assert wpg.inquire(tid).find("reply/token/error").get("code") == "7"
    assert error_of(wpg.inquire(tid)) == ("5", "Token does not exist")
    assert http.put(path, json={"accountUpdater": {"closed": True}}).status_code == 404
    other = token_id(wpg.create(pan="5555555555554444"))
    bad = http.put(f"/_sandbox/tenants/wpg:MYMERCHANT/tokens/{other}/account-updater",
                   json={"accountUpdater": {"newPan": "4111111111111112"}})
    assert bad.status_code == 400 and "Luhn" in bad.json()["message"]


def test_fixture_schedules_an_outcome(wpg, http):
    """scenario fixtures: a token's `accountUpdater` is what its next inquiry reports."""
    fixture = {"version": 1, "tenants": {"wpg:MYMERCHANT": {"tokens": [{
        "paymentTokenID": "9912345678901234567", "authenticatedShopperID": "shopper1",
        "cardDetails": {"cardNumber": "4444333322221111", "expiryDate": {"month": 6, "year": 2031}},
        "accountUpdater": {"cancelledRecurring": True}}]}}}
    assert http.post("/_sandbox/fixtures?baseline=false", json=fixture).status_code == 200
    assert "recurring" in error_of(wpg.inquire("9912345678901234567"))[1]
    fixture["tenants"]["wpg:MYMERCHANT"]["tokens"][0]["accountUpdater"] = {"newExpiry": "13/2030"}
    r = http.post("/_sandbox/fixtures?baseline=false", json=fixture)
    assert r.status_code == 400 and "newExpiry" in r.text
