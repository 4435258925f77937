"""The dashboard at /_sandbox/ (issue 7 part 4): tenants, masked tokens, journal, clock buttons.

Read-only views never show a full card number (DESIGN §6 "Never log or journal a full card
number"; issue 7: "Read-only views must never show a full card number").
"""

from __future__ import annotations

import pytest

PAN = "4444333322221111"
MASKED = "4444********1111"
ACCESS_HEADERS = {"Content-Type": "application/vnd.worldpay.tokens-v3.hal+json",
                  "Accept": "application/vnd.worldpay.tokens-v3.hal+json"}


def create_access_token(http) -> str:
    # Access Tokens v3 "Create a token" (seed 002): a card/front instrument under merchant.entity.
    r = http.post("/tokens", auth=("shop1", "pw"), headers=ACCESS_HEADERS, json={
        "description": "dashboard test", "merchant": {"entity": "default"},
        "paymentInstrument": {"type": "card/front", "cardNumber": PAN, "cardHolderName": "Ada Lovelace",
                              "cardExpiryDate": {"month": 5, "year": 2035}},
    })
    assert r.status_code == 201, r.text
    return r.json()["tokenId"]


def test_dashboard_json_lists_tenants_with_masked_cards(http):
    token_id = create_access_token(http)
    body = http.get("/_sandbox/dashboard.json").json()
    (tenant,) = [t for t in body["tenants"] if t["id"] == "access:shop1"]
    (token,) = tenant["tokens"]
    assert token["id"] == token_id and token["card"] == MASKED and token["brand"] == "VISA"
    assert token["expiry"] == "05/2035" and token["state"] == "active"
    assert PAN not in http.get("/_sandbox/dashboard.json").text


def test_dashboard_json_reads_create_no_tenant(http):
    # DESIGN §4.3: reads never create a tenant.
    r = http.get("/_sandbox/dashboard.json", params={"tenant": "opp:nobody"})
    assert r.status_code == 200 and r.json()["tenants"] == []
    assert http.get("/_sandbox/dashboard.json", params={"tenant": "bad"}).status_code == 400
    assert "opp:nobody" not in http.get("/_sandbox/state").json()["tenants"]


def test_dashboard_page_and_assets_are_served(http):
    r = http.get("/_sandbox/")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert http.get("/_sandbox/assets/dashboard.js").status_code == 200
    assert http.get("/_sandbox/assets/nope.js").status_code == 404
    r = http.get("/_sandbox", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/_sandbox/"


def test_dashboard_needs_the_admin_token_for_data_not_for_the_page(start_sandbox):
    import requests

    sb = start_sandbox("--admin-token", "t0k")
    assert requests.get(f"{sb.url}/_sandbox/", timeout=10).status_code == 200
    assert requests.get(f"{sb.url}/_sandbox/dashboard.json", timeout=10).status_code == 401
    r = requests.get(f"{sb.url}/_sandbox/dashboard.json", headers={"X-Admin-Token": "t0k"}, timeout=10)
    assert r.status_code == 200


@pytest.mark.browser
def test_dashboard_shows_masked_token_journal_and_advances_the_clock(http, sandbox, browser, wait):
    from selenium.webdriver.common.by import By

    http.post("/_sandbox/clock", json={"set": "2030-01-01T00:00:00Z", "freeze": True})
    token_id = create_access_token(http)
    browser.get(f"{sandbox.url}/_sandbox/")
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "yes",
         "the dashboard to load")

    row = browser.find_element(By.CSS_SELECTOR, "tr.token")
    assert row.find_element(By.CSS_SELECTOR, ".token-id").text == token_id
    assert row.find_element(By.CSS_SELECTOR, ".card").text == MASKED
    assert PAN not in browser.page_source
    journal = browser.find_element(By.ID, "journal").text
    assert "POST /tokens" in journal and "201" in journal

    clock = browser.find_element(By.ID, "clock-now")
    assert clock.text == "2030-01-01T00:00:00Z"
    browser.find_element(By.CSS_SELECTOR, "button[data-advance='P1D']").click()
    wait(browser, lambda d: d.find_element(By.ID, "clock-now").text == "2030-01-02T00:00:00Z",
         "the clock to show one day later")
    assert http.get("/_sandbox/clock").json()["now"] == "2030-01-02T00:00:00Z"
