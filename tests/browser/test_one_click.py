"""The one-click checkout in a real browser (issue 7 parts 1-3; seed 000 "One-click payment";
opp.md E7-E10 and §12 item 10).

The example merchant page (/_sandbox/examples/one-click) prepares a checkout with
`createRegistration=true` and the shopper's stored `registrations[n].id`; the widget
(/v1/paymentWidgets.js) draws the form and the stored cards, submits, and returns the shopper to
shopperResultUrl with `id` and `resourcePath`; the merchant then reads `GET {resourcePath}`.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

ENTITY = "8a8294174b7ecb28014b9699220015cc"  # the example page's default merchant entity
BEARER = {"Authorization": "Bearer OGE4Mjk0MTc0YjdlY2IyOA=="}
PAN = "4200000000000000"  # plain success in the OPP catalogue (no magic outcome)
SUCCESS = ("000.100.110", "000.000.000")  # try / live mode (opp.md §8.1)
PAGE = "/_sandbox/examples/one-click"
NO_SESSION = "No payment session found for the requested id"


def by():
    from selenium.webdriver.common.by import By

    return By


def open_checkout(browser, sandbox, wait):
    browser.get(sandbox.url + PAGE)
    wait(browser, lambda d: d.find_element(by().TAG_NAME, "html").get_attribute("data-wpwl-ready") == "yes",
         "the payment widget to draw the checkout")


def fill_card(browser, number=PAN, expiry="12 / 34", holder="Jane Jones", cvv="123"):
    for name, value in (("cardNumber", number), ("expiry", expiry), ("cardHolder", holder), ("cvv", cvv)):
        box = browser.find_element(by().CSS_SELECTOR, f".wpwl-form-card-entry input[name='wpwl-{name}']")
        box.clear()
        box.send_keys(value)
    browser.find_element(by().CSS_SELECTOR, ".wpwl-form-card-entry button[type='submit']").click()


def wait_for_result(browser, wait) -> dict:
    wait(browser, lambda d: "/one-click/result" in d.current_url, "the return to shopperResultUrl")
    query = parse_qs(urlparse(browser.current_url).query)
    return {k: v[0] for k, v in query.items()}


def merchant_reads(http, resource_path: str):
    # opp.md E8: GET {host}{resourcePath}?entityId=... with the merchant's bearer token.
    return http.get(resource_path, params={"entityId": ENTITY}, headers=BEARER)


def visible_hint(browser, name: str) -> str:
    hint = browser.find_element(by().CSS_SELECTOR, f".wpwl-form-card-entry .wpwl-hint-{name}")
    return hint.text if hint.is_displayed() else ""


def test_new_card_then_one_click_with_the_stored_card(http, sandbox, browser, wait):
    open_checkout(browser, sandbox, wait)
    assert browser.find_elements(by().CSS_SELECTOR, ".wpwl-registration") == []  # nothing stored yet
    classes = browser.find_element(by().CSS_SELECTOR, ".wpwl-form-card-entry").get_attribute("class").split()
    assert "wpwl-form-card" in classes  # wpwlOptions.style = "card"

    # 1. New card; the checkout asked for createRegistration=true.
    fill_card(browser)
    ret = wait_for_result(browser, wait)
    checkout_id = ret["id"]
    assert ret["resourcePath"] == f"/v1/checkouts/{checkout_id}/payment"  # opp.md E7-E10 redirect
    assert browser.find_element(by().ID, "result-code").text in SUCCESS
    first = merchant_reads(http, ret["resourcePath"])
    assert first.status_code == 200, first.text
    first = first.json()
    assert first["result"]["code"] in SUCCESS and first["amount"] == "92.00" and first["currency"] == "EUR"
    registration_id = first["registrationId"]
    assert first["card"]["last4Digits"] == PAN[-4:]

    # 2. The shopper comes back: the new checkout lists the stored card (brand, masked, expiry).
    browser.find_element(by().ID, "pay-again").click()
    wait(browser, lambda d: d.find_element(by().TAG_NAME, "html").get_attribute("data-wpwl-ready") == "yes",
         "the second checkout")
    (stored,) = browser.find_elements(by().CSS_SELECTOR, ".wpwl-registration")
    assert stored.get_attribute("data-registration-id") == registration_id
    assert stored.find_element(by().CSS_SELECTOR, ".wpwl-registration-brand").text == "VISA"
    assert stored.find_element(by().CSS_SELECTOR, ".wpwl-registration-number").text.endswith(PAN[-4:])
    assert stored.find_element(by().CSS_SELECTOR, ".wpwl-registration-expiry").text == "12 / 2034"
    assert PAN not in browser.page_source

    # 3. One click: pay with the stored card, land on shopperResultUrl, merchant reads the payment.
    browser.find_element(by().CSS_SELECTOR, ".wpwl-form-registrations button[type='submit']").click()
    ret2 = wait_for_result(browser, wait)
    assert ret2["id"] != checkout_id
    assert ret2["resourcePath"] == f"/v1/checkouts/{ret2['id']}/payment"
    second = merchant_reads(http, ret2["resourcePath"])
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["result"]["code"] in SUCCESS
    assert second["registrationId"] == registration_id and second["id"] != first["id"]
    assert second["paymentType"] == "DB" and second["amount"] == "92.00"


def test_card_errors_show_inline_and_nothing_is_paid(http, sandbox, browser, wait):
    open_checkout(browser, sandbox, wait)
    checkout_id = browser.find_element(by().ID, "checkout-id").text

    # Caught in the browser: Luhn, expiry format, CVV length.
    fill_card(browser, number="4200000000000001", expiry="13/30", cvv="12")
    assert visible_hint(browser, "cardNumber") and visible_hint(browser, "expiry") and visible_hint(browser, "cvv")
    assert not visible_hint(browser, "cardHolder")

    # Caught by the sandbox on its virtual clock: a card that expired (opp.md §12 item 8: 100.100.303).
    fill_card(browser, expiry="01 / 20")
    wait(browser, lambda d: "expired" in visible_hint(d, "expiry"), "the expired-card message")
    assert not visible_hint(browser, "cardNumber") and PAGE in browser.current_url

    # Nothing was paid: the checkout is still pending (opp.md E7-E10: 000.200.000 before completion).
    r = merchant_reads(http, f"/v1/checkouts/{checkout_id}/payment")
    assert r.status_code == 200 and r.json()["result"]["code"] == "000.200.000"


def test_expired_checkout_shows_the_documented_error(http, sandbox, browser, wait):
    open_checkout(browser, sandbox, wait)
    checkout_id = browser.find_element(by().ID, "checkout-id").text
    # opp.md E7-E10: a checkout expires after 30 minutes.
    r = http.post("/_sandbox/clock", json={"advance": "PT31M"})
    assert r.status_code == 200

    fill_card(browser)
    message = browser.find_element(by().CSS_SELECTOR, ".wpwl-form-card-entry .wpwl-message")
    wait(browser, lambda d: NO_SESSION in message.text, "the no-session error in the widget")
    assert PAGE in browser.current_url  # the shopper was not sent anywhere

    r = merchant_reads(http, f"/v1/checkouts/{checkout_id}/payment")
    assert r.status_code == 400
    assert r.json()["result"]["code"] == "200.300.404" and NO_SESSION in r.json()["result"]["description"]

    # Loading the widget for the expired checkout shows the same error in place of the form.
    browser.refresh()  # the example prepares a new checkout, so point a widget at the old one
    browser.execute_script(
        "var f = document.querySelector('form.paymentWidgets'); f.innerHTML = '';"
        "document.documentElement.removeAttribute('data-wpwl-ready');"
        "var s = document.createElement('script'); s.src = arguments[0]; document.body.appendChild(s);",
        f"{sandbox.url}/v1/paymentWidgets.js?checkoutId={checkout_id}")
    wait(browser, lambda d: d.find_element(by().TAG_NAME, "html").get_attribute("data-wpwl-ready") == "error",
         "the widget to report the expired checkout")
    errors = browser.find_elements(by().CSS_SELECTOR, ".wpwl-session-error")
    assert any(NO_SESSION in e.text and e.get_attribute("data-code") == "200.300.404" for e in errors)


DECLINING = "4000000000000002"  # given the decline 800.100.151 by the fixture below


def test_declined_widget_payment_is_declined_at_the_merchants_status_url(http, sandbox, browser, wait):
    """opp.md §13.2: after a decline the shopper is sent to shopperResultUrl and the merchant's
    GET {resourcePath} reports the decline; the checkout stays open for another try."""
    fixture = ("version: 1\ncatalogue:\n  opp:\n    cards:\n"
               f"      \"{DECLINING}\": {{code: \"800.100.151\"}}\n")
    r = http.post("/_sandbox/fixtures", data=fixture.encode(), params={"baseline": "false", "name": "decline.yaml"},
                  headers={"Content-Type": "application/yaml"})
    assert r.status_code == 200, r.text
    open_checkout(browser, sandbox, wait)
    checkout_id = browser.find_element(by().ID, "checkout-id").text
    fill_card(browser, number=DECLINING)
    ret = wait_for_result(browser, wait)
    assert ret["id"] == checkout_id and ret["resourcePath"] == f"/v1/checkouts/{checkout_id}/payment"
    assert browser.find_element(by().ID, "result-code").text == "800.100.151"
    assert "did not succeed" in browser.page_source
    status = merchant_reads(http, ret["resourcePath"])
    assert status.json()["result"]["code"] == "800.100.151" and status.json()["id"]
    assert http.get(f"/v1/checkouts/{checkout_id}/widget").json()["state"] == "open"


PAGE_WITH_SRI = """<!doctype html><html><head><title>shop</title></head><body>
<script>var wpwlOptions = {{style: "card"}}</script>
<script src="{src}" integrity="{integrity}" crossorigin="anonymous"
        onerror="document.title = 'blocked'"></script>
<form action="https://shop.example/result" class="paymentWidgets" data-brands="VISA MASTER"></form>
</body></html>"""


@pytest.fixture
def shop_origin(tmp_path):
    """A merchant page on another origin than the sandbox (SRI with crossorigin=anonymous needs CORS)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("tamper", [False, True])
def test_widget_loads_with_its_integrity_hash(http, sandbox, browser, wait, shop_origin, tamper):
    """opp.md §13.7: integrity=true gives the SRI hash the page puts on the widget's script tag;
    the browser runs the script with it, and refuses it when the hash does not match."""
    r = http.post("/v1/checkouts", data={"entityId": ENTITY, "amount": "92.00", "currency": "EUR",
                                         "paymentType": "DB", "integrity": "true"}, headers=BEARER)
    integrity = r.json()["integrity"]
    if tamper:
        integrity = "sha384-" + "A" * 64
    folder, origin = shop_origin
    (folder / "shop.html").write_text(PAGE_WITH_SRI.format(
        src=f"{sandbox.url}/v1/paymentWidgets.js?checkoutId={r.json()['id']}", integrity=integrity))
    browser.get(origin + "/shop.html")
    if tamper:
        wait(browser, lambda d: d.title == "blocked", "the browser to refuse the tampered script")
        assert browser.find_element(by().TAG_NAME, "html").get_attribute("data-wpwl-ready") is None
    else:
        wait(browser, lambda d: d.find_element(by().TAG_NAME, "html").get_attribute("data-wpwl-ready") == "yes",
             "the widget to draw the checkout")
        assert browser.find_elements(by().CSS_SELECTOR, ".wpwl-form-card-entry")


def test_3ds_challenge_card_posts_the_redirect_form_and_returns(http, sandbox, browser, wait):
    """opp.md §13.8: the widget submits the redirect's parameters as a form POST to the (stand-in)
    challenge page, which returns the shopper to shopperResultUrl with the finished payment."""
    open_checkout(browser, sandbox, wait)
    fill_card(browser, number="4200000000000042")  # 3-D Secure challenge card (fixtures/default.yaml)
    ret = wait_for_result(browser, wait)
    assert browser.find_element(by().ID, "result-code").text in SUCCESS
    paid = merchant_reads(http, ret["resourcePath"]).json()
    assert paid["threeDSecure"]["authenticationStatus"] == "Y" and "redirect" not in paid
