"""Fault rules (`/_sandbox/faults`, DESIGN §4.3; issue 6 part 3) against each API over real HTTP.

A rule matched on api/path answers before the handler, so these hold whatever routes exist.
"""

from __future__ import annotations

import pytest
import requests

WPG_PATH = "/jsp/merchant/xml/paymentService.jsp"
WPG_INQUIRY = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE paymentService PUBLIC '
               b'"-//WorldPay//DTD WorldPay PaymentService v1//EN" "http://dtd.worldpay.com/paymentService_v1.dtd">'
               b'<paymentService version="1.4" merchantCode="M1"><inquiry><shopperTokenRetrieval>'
               b'<authenticatedShopperID>s1</authenticatedShopperID></shopperTokenRetrieval></inquiry></paymentService>')
CALLS = {
    "access": lambda http: http.post("/tokens", auth=("shop1", "pw"), json={},
                                     headers={"Content-Type": "application/vnd.worldpay.tokens-v3.hal+json"}),
    "opp": lambda http: http.post("/v1/registrations", headers={"Authorization": "Bearer abc"},
                                  data={"entityId": "8a8294174b7ecb28014b9699220015cc"}),
    "wpg": lambda http: http.post(WPG_PATH, auth=("M1", "pw"), data=WPG_INQUIRY,
                                  headers={"Content-Type": "text/xml"}),
}


def add(http, **rule) -> dict:
    r = http.post("/_sandbox/faults", json=rule)
    assert r.status_code == 201, r.text
    return r.json()["rules"][0]


def test_error_in_access_format(http):
    """access.md §10.1/§10.2: errors are {"errorName", "message"}; 503 is serviceUnavailable."""
    add(http, api="access", path="/tokens*", status=503, message="down for a test")
    r = CALLS["access"](http)
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("application/vnd.worldpay.tokens-v3.hal+json")
    assert r.json() == {"errorName": "serviceUnavailable", "message": "down for a test"}


def test_error_in_opp_format(http):
    """opp.md §8: result{code, description}; 900.100.600 'connector/acquirer currently down'."""
    add(http, api="opp", path="/v1/*", status=503)
    r = CALLS["opp"](http)
    assert r.status_code == 503
    assert r.json()["result"]["code"] == "900.100.600"


def test_error_in_paymentservice_format_keeps_the_asked_status(http):
    """wpg.md §5.2: a DTD <error> reply; the rule's status is the HTTP status sent."""
    add(http, api="wpg", status=500)
    r = CALLS["wpg"](http)
    assert r.status_code == 500
    assert b'<error code="1">' in r.content and b"<paymentService" in r.content


def test_raw_body_and_headers(http):
    add(http, api="opp", status=429, body={"busy": True}, headers={"Retry-After": "3"})
    r = CALLS["opp"](http)
    assert (r.status_code, r.json(), r.headers["Retry-After"]) == (429, {"busy": True}, "3")


@pytest.mark.parametrize("api", ["access", "opp", "wpg"])
def test_temporary_failure_next_two_calls_only(http, api):
    """wpg.md §1.1: the gateway's plain-text 'Temporary Failure, please Retry' (any API may get it)."""
    rule = add(http, api=api, action="temporary-failure", times=2)
    for _ in range(2):
        r = CALLS[api](http)
        assert r.text == "Temporary Failure, please Retry"
        assert r.headers["Content-Type"].startswith("text/plain")
    assert CALLS[api](http).text != "Temporary Failure, please Retry"
    assert rule["id"] not in [x["id"] for x in http.get("/_sandbox/faults").json()["rules"]]


@pytest.mark.parametrize("api", ["access", "opp", "wpg"])
def test_drop_before_headers(http, api):
    add(http, api=api, action="drop", drop="before-headers", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        CALLS[api](http)
    CALLS[api](http)  # next call answers normally: the rule was for one match


@pytest.mark.parametrize("api", ["access", "opp", "wpg"])
def test_drop_after_headers(http, api):
    add(http, api=api, action="drop", drop="after-headers", times=1)
    with pytest.raises(requests.exceptions.RequestException):
        r = CALLS[api](http)
        r.content  # noqa: B018 - reading the body is where the break shows


@pytest.mark.parametrize("api", ["access", "opp", "wpg"])
def test_latency_passes_through_to_the_handler(http, api):
    """A delay-only rule adds latency and then the API answers as usual (no timing asserted)."""
    normal = CALLS[api](http)
    rule = add(http, api=api, latency={"min": 0.01, "max": 0.02})
    delayed = CALLS[api](http)
    assert (delayed.status_code, delayed.headers["Content-Type"]) == (normal.status_code,
                                                                       normal.headers["Content-Type"])
    views = {r["id"]: r for r in http.get("/_sandbox/faults").json()["rules"]}
    assert views[rule["id"]]["fired"] == 1


def test_probability_is_reproducible_with_a_seed(http):
    def pattern():
        http.delete("/_sandbox/faults")
        add(http, api="opp", status=503, probability=0.5, seed=42)
        return [CALLS["opp"](http).status_code == 503 for _ in range(16)]

    first = pattern()
    assert first == pattern()
    assert any(first) and not all(first)


def test_tenant_and_operation_rules_fire_after_the_adapter_names_them(http):
    """set_context hook: only merchant M2's paymentTokenInquiry... here shopperTokenRetrieval fails."""
    add(http, tenant="wpg:M1", operation="shopperTokenRetrieval", status=503, message="gateway busy")
    assert CALLS["wpg"](http).status_code == 503
    other = http.post(WPG_PATH, auth=("M2", "pw"), data=WPG_INQUIRY.replace(b'"M1"', b'"M2"'),
                      headers={"Content-Type": "text/xml"})
    assert other.status_code == 200 and b"gateway busy" not in other.content


def test_access_operation_rule(http):
    add(http, api="access", operation="createToken", status=500)
    assert CALLS["access"](http).json()["errorName"] == "internalErrorOccurred"
    assert http.get("/", auth=("shop1", "pw")).status_code == 200  # discovery is another operation


def test_list_delete_clear_and_reset(http):
    a = add(http, id="mine", path="/v1/*", status=503)
    b = add(http, pathRegex=r"^/tokens$", status=500, times=3)
    rules = http.get("/_sandbox/faults").json()["rules"]
    assert [r["id"] for r in rules] == ["mine", b["id"]]
    assert rules[1]["remaining"] == 3 and rules[0]["remaining"] is None
    assert http.delete("/_sandbox/faults/mine").status_code == 200
    assert http.delete("/_sandbox/faults/mine").status_code == 404
    assert http.post("/_sandbox/faults", json={"id": b["id"], "status": 500}).status_code == 400
    http.post("/_sandbox/reset")
    assert http.get("/_sandbox/faults").json()["rules"] == []
    add(http, status=500)
    assert http.delete("/_sandbox/faults").json() == {"cleared": True}
    assert http.get("/_sandbox/faults").json()["rules"] == []
    assert a["id"] == "mine"


@pytest.mark.parametrize("rule,key", [
    ({"api": "paypal"}, "api"),
    ({"status": 99}, "status"),
    ({"times": 0}, "times"),
    ({"probability": 2}, "probability"),
    ({"latency": {"min": 2, "max": 1}}, "latency"),
    ({"drop": "sideways", "action": "drop"}, "drop"),
    ({"action": "explode"}, "action"),
    ({"pathRegex": "("}, "pathRegex"),
    ({"colour": "red"}, "colour"),
])
def test_bad_rules_are_refused_naming_the_key(http, rule, key):
    r = http.post("/_sandbox/faults", json=[{"status": 500}, rule])
    assert r.status_code == 400
    assert f"rules[1].{key}" in r.json()["message"]
    assert http.get("/_sandbox/faults").json()["rules"] == []  # all or nothing


def test_injected_faults_are_journaled(http):
    add(http, api="opp", status=503)
    CALLS["opp"](http)
    entries = http.get("/_sandbox/journal", params={"api": "opp"}).json()["entries"]
    assert entries[-1]["status"] == 503
