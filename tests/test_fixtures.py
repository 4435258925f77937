"""Scenario fixtures (DESIGN §5; issue 6 parts 1-2): loading, mistakes, reset, shipped examples."""

from __future__ import annotations

import pytest

from sandbox.data import package_file

EXAMPLES = package_file("data/examples")  # shipped inside the package
ENTITY = "8a8294174b7ecb28014b9699220015cc"
WPG = "/jsp/merchant/xml/paymentService.jsp"
HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE paymentService PUBLIC "-//WorldPay//DTD WorldPay '
        b'PaymentService v1//EN" "http://dtd.worldpay.com/paymentService_v1.dtd">'
        b'<paymentService version="1.4" merchantCode="MYMERCHANT">')


def load(http, name: str | None = None, text: str | None = None, baseline: str = "false", ctype="application/yaml"):
    body = (EXAMPLES / name).read_bytes() if name else text.encode()
    return http.post("/_sandbox/fixtures", data=body, params={"baseline": baseline, "name": name or "t.yaml"},
                     headers={"Content-Type": ctype})


def wpg(http, inner: bytes) -> str:
    r = http.post(WPG, auth=("MYMERCHANT", "pw"), data=HEAD + inner + b"</paymentService>",
                  headers={"Content-Type": "text/xml"})
    assert r.status_code == 200
    return r.text


def token_inquiry(http, shopper: str, token_id: str) -> str:
    return wpg(http, f"<inquiry><paymentTokenInquiry><authenticatedShopperID>{shopper}</authenticatedShopperID>"
                     f"<paymentTokenID>{token_id}</paymentTokenID></paymentTokenInquiry></inquiry>".encode())


def access_namespace(http, ns: str) -> list[dict]:
    r = http.get("/tokens", params={"namespace": ns}, auth=("shop1", "pw"))
    assert r.status_code == 200, r.text
    return r.json()["_embedded"]["tokens"]


def test_returning_shopper_in_each_api(http):
    """Seeded tokens render through each real API: access.md §5.1 lookup by namespace, opp.md E4
    GET registration, wpg.md §4.4 token inquiry and §4.9 order inquiry."""
    assert load(http, "returning-shopper.yaml").status_code == 200
    tokens = access_namespace(http, "alice-42")
    assert len(tokens) == 2
    alice = next(t for t in tokens if t["tokenId"] == "9912345678901234567")
    assert alice["paymentInstrument"]["cardNumber"] == "4444********1111"
    assert alice["description"] == "Alice's everyday Visa"
    assert http.get(alice["tokenPaymentInstrument"]["href"].split("127.0.0.1")[1].split("/", 1)[1].join(["/", ""]),
                    auth=("shop1", "pw")).status_code == 200
    r = http.get("/v1/registrations/8a82944a4cc25ebf014cc2c782423202", params={"entityId": ENTITY},
                 headers={"Authorization": "Bearer x"})
    assert r.status_code == 200 and r.json()["card"]["last4Digits"] == "0000"
    r = http.get("/v1/payments/8a82944a4cc25ebf014cc2c782423299", params={"entityId": ENTITY},
                 headers={"Authorization": "Bearer x"})
    assert r.status_code == 200 and r.json()["amount"] == "25.00"
    assert "REF_ALICE_1" in token_inquiry(http, "alice42", "99444433000011111111")
    assert "<lastEvent>CAPTURED</lastEvent>" in wpg(http, b'<inquiry><orderInquiry orderCode="ORDER-1001"/></inquiry>')


def test_full_namespace_and_full_shopper_refuse_a_seventeenth_card(http):
    """access.md §4.5 and wpg.md §3.1: 16 cards per namespace / shopper."""
    load(http, "full-owner.yaml")
    assert len(access_namespace(http, "full-namespace")) == 16
    r = http.post("/tokens", auth=("shop1", "pw"), json={
        "description": "one too many", "namespace": "full-namespace",
        "paymentInstrument": {"type": "card/plain", "cardNumber": "4444333322221111", "cardHolderName": "X Y",
                              "cardExpiryDate": {"month": 5, "year": 2035}}})
    assert r.status_code >= 400
    assert len(access_namespace(http, "full-namespace")) == 16
    state = http.get("/_sandbox/state", params={"tenant": "wpg:MYMERCHANT"}).json()
    assert len(state["tenants"]["wpg:MYMERCHANT"]["tokens"]) == 16


def test_expiring_tokens_go_when_the_clock_moves(http):
    """access.md §8 expiry, opp.md §10 retention (14 months after card expiry), wpg.md §3.3."""
    load(http, "expiring.yaml")
    assert {t["tokenId"] for t in access_namespace(http, "soon")} == {"9900000000000000001", "9900000000000000002"}
    assert "<paymentTokenID>99444433000099991111" in token_inquiry(http, "soon", "99444433000099991111")
    reg = f"/v1/registrations/0000000000000000000000000000aaaa?entityId={ENTITY}"
    assert http.get(reg, headers={"Authorization": "Bearer x"}).json()["result"]["code"].startswith("000.")
    http.post("/_sandbox/clock", json={"advance": "P32D"})
    assert {t["tokenId"] for t in access_namespace(http, "soon")} == {"9900000000000000002"}
    assert "<paymentTokenID>99444433000099991111" not in token_inquiry(http, "soon", "99444433000099991111")
    assert http.get(reg, headers={"Authorization": "Bearer x"}).json()["result"]["code"] == "100.150.202"


def test_account_updater_change_applies_on_inquiry(http):
    """wpg.md §4.10: the issuer's new expiry rewrites the token on the next inquiry."""
    load(http, "account-updater.yaml")
    reply = token_inquiry(http, "moved", "99448407000012340000")
    assert '<date month="09" year="2032"/>' in reply


def test_failing_gateway_fails_twice_then_recovers_and_reset_brings_it_back(start_sandbox):
    import requests

    sb = start_sandbox("--fixtures", str(EXAMPLES / "failing-gateway.yaml"))

    def call():
        return requests.post(sb.url + WPG, auth=("MYMERCHANT", "pw"), headers={"Content-Type": "text/xml"},
                             data=HEAD + b"<inquiry><orderInquiry orderCode=\"x\"/></inquiry></paymentService>",
                             timeout=10).text

    assert [call() for _ in range(3)][:2] == ["Temporary Failure, please Retry"] * 2
    assert call() != "Temporary Failure, please Retry"
    requests.post(sb.url + "/_sandbox/reset", timeout=10)
    assert call() == "Temporary Failure, please Retry"


def test_reset_returns_to_the_loaded_fixtures(start_sandbox):
    import requests

    sb = start_sandbox("--fixtures", str(EXAMPLES / "returning-shopper.yaml"))
    before = requests.get(sb.url + "/_sandbox/state", timeout=10).json()
    assert before["clock"]["now"] == 1772355600.0  # 2026-03-01T09:00:00Z, frozen
    requests.post(sb.url + "/_sandbox/clock", json={"advance": "P1D"}, timeout=10)
    requests.put(sb.url + "/_sandbox/state", json={"version": 1, "tenants": {}}, timeout=10)
    assert requests.get(sb.url + "/_sandbox/state", timeout=10).json()["tenants"] == {}
    requests.post(sb.url + "/_sandbox/reset", timeout=10)
    assert requests.get(sb.url + "/_sandbox/state", timeout=10).json() == before


def test_faker_fills_reproducibly(http):
    text = "version: 1\nseed: 99\ntenants:\n  access:fk:\n    tokens:\n      - {namespace: n, count: 3}\n"
    load(http, text=text)
    first = http.get("/_sandbox/state", params={"tenant": "access:fk"}).json()
    http.post("/_sandbox/reset")
    assert http.get("/_sandbox/state", params={"tenant": "access:fk"}).json()["tenants"] == {}
    load(http, text=text)
    again = http.get("/_sandbox/state", params={"tenant": "access:fk"}).json()
    strip = [{k: v for k, v in t.items() if k not in ("createdAt", "lastUsedAt", "expiresAt")}
             for t in first["tenants"]["access:fk"]["tokens"]]
    assert strip == [{k: v for k, v in t.items() if k not in ("createdAt", "lastUsedAt", "expiresAt")}
                     for t in again["tenants"]["access:fk"]["tokens"]]
    assert len({t["pan"] for t in again["tenants"]["access:fk"]["tokens"]}) == 3


def test_json_fixture_and_notifications(http):
    r = load(http, text='{"version": 1, "tenants": {"wpg:N1": {"notifications": {"url": "http://127.0.0.1:1/n"}}}}',
             ctype="application/json")
    assert r.status_code == 200, r.text
    data = http.get("/_sandbox/state", params={"tenant": "wpg:N1"}).json()["tenants"]["wpg:N1"]["data"]
    assert data["wpg"]["notify"]["url"] == "http://127.0.0.1:1/n"


BAD = [
    ("version: 2\n", 1, "version"),
    ("colour: red\n", 1, "colour: unknown key"),
    ("tenants:\n  shop1: {}\n", 2, "tenants.shop1: not a tenant id"),
    ("tenants:\n  access:a:\n    tokens:\n      - paymentInstrument:\n          cardNumber: '4444333322221112'\n",
     5, "tenants.access:a.tokens[0].paymentInstrument.cardNumber: card number fails the Luhn check"),
    ("tenants:\n  wpg:M:\n    tokens:\n      - {tokenScope: merchant, authenticatedShopperID: s}\n",
     4, "authenticatedShopperID"),
    ("tenants:\n  opp:e:\n    payments:\n      - {amount: '1.00', registrationId: " + "a" * 32 + "}\n",
     4, "registrationId: no token"),
    ("tenants:\n  access:a:\n    payments: [{amount: 1}]\n", 3, "tokenId"),
    ("tenants:\n  opp:e:\n    notifications: {url: 'http://x'}\n", 3, "notifications"),
    ("clock: {start: yesterday}\n", 1, "clock.start"),
    ("faults:\n  - {status: 700}\n", 2, "faults[0].status"),
    ("credentials:\n  access:\n    - {username: u}\n", 3, "credentials.access[0].password"),
    ("catalogue:\n  bins:\n    - {prefix: abc}\n", 3, "catalogue.bins[0].prefix"),
    ("tenants:\n  access:a: {}\n  access:a: {}\n", 3, "duplicate key"),
    ("tenants: [\n", 2, ""),
]


@pytest.mark.parametrize("text,line,key", BAD)
def test_each_kind_of_mistake_names_file_line_and_key(http, text, line, key):
    before = http.get("/_sandbox/state").json()["tenants"]
    r = load(http, text=text)
    assert r.status_code == 400
    message = r.json()["message"]
    assert message.startswith("t.yaml: ") and f"line {line}" in message and key in message, message
    assert http.get("/_sandbox/state").json()["tenants"] == before  # a rejected fixture changes nothing


def test_bad_fixture_file_stops_the_start(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntenants:\n  nope: {}\n")
    r = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--fixtures", str(bad)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert f"{bad}: line 3: tenants.nope" in r.stderr


def test_fixture_needs_yaml_or_json(http):
    r = http.post("/_sandbox/fixtures", data=b"version: 1", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_reset_undoes_the_catalogue_credentials_and_options_of_a_per_test_load(start_sandbox):
    """DESIGN §4.3 'reset: back to the loaded fixtures': a one-test load (baseline=false) must not
    leave its magic cards, credentials or options behind for the next test."""
    import requests

    with requests.Session() as s:
        url = start_sandbox().url
        magic = "4111111111111111"
        temp = ("version: 1\n"
                f"catalogue:\n  opp:\n    cards:\n      \"{magic}\": {{code: \"800.100.151\"}}\n"
                "credentials:\n  access:\n    - {username: temp-user, password: right}\n"
                "options: {access.namespace_cap: 1}\n")
        r = s.post(url + "/_sandbox/fixtures", data=temp, params={"baseline": "false"},
                   headers={"Content-Type": "application/yaml"})
        assert r.status_code == 200, r.text
        cards = s.get(url + "/_sandbox/cards").json()
        assert cards["opp"]["cards"][magic]["code"] == "800.100.151"
        # The listed credential now refuses a wrong password (permissive mode still names tenants).
        assert s.get(url + "/tokens", auth=("temp-user", "wrong")).status_code == 401
        # The fixture's option reaches the Access adapter: one card per namespace.
        assert create_in_namespace(s, url, "4444333322221111").status_code == 201
        assert create_in_namespace(s, url, "5555555555554444").status_code == 403

        assert s.post(url + "/_sandbox/reset").status_code == 200
        cards = s.get(url + "/_sandbox/cards").json()
        assert magic not in cards["opp"].get("cards", {})
        assert "4012001037461114" in cards["opp"]["cards"]  # the default catalogue is still there
        assert s.get(url + "/tokens", auth=("temp-user", "wrong")).status_code == 200
        assert create_in_namespace(s, url, "4444333322221111").status_code == 201
        assert create_in_namespace(s, url, "5555555555554444").status_code == 201


def create_in_namespace(s, url: str, pan: str):
    body = {"paymentInstrument": {"type": "card/front", "cardNumber": pan, "cardHolderName": "A Shopper",
                                  "cardExpiryDate": {"month": 5, "year": 2035}},
            "merchant": {"entity": "default"}, "namespace": "ns1"}
    return s.post(url + "/tokens", json=body, auth=("shop1", "pw"),
                  headers={"Content-Type": "application/vnd.worldpay.tokens-v3.hal+json"})


def test_a_frozen_clock_does_not_become_the_reset_baseline(start_sandbox):
    """DESIGN §4.3 reset 'back to the loaded fixtures': a fixture without `clock:` loaded while a
    test had frozen the clock must not make that frozen instant what every later reset returns to."""
    import requests

    with requests.Session() as s:
        url = start_sandbox().url
        s.post(url + "/_sandbox/clock", json={"set": "2031-01-01T00:00:00Z", "freeze": True})
        r = s.post(url + "/_sandbox/fixtures", data="version: 1\n", params={"baseline": "true"},
                   headers={"Content-Type": "application/yaml"})
        assert r.status_code == 200, r.text
        s.post(url + "/_sandbox/reset")
        clock = s.get(url + "/_sandbox/clock").json()
        assert clock["frozen"] is False and not clock["now"].startswith("2031")
