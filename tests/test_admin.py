"""Control plane basics over HTTP (DESIGN §4.3; issue #2 part 6)."""

from __future__ import annotations

import uuid

import pytest


def test_health_is_ok(http):
    r = http.get("/_sandbox/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["mode"] == "try"


def test_openapi_describes_every_control_plane_route(http):
    doc = http.get("/_sandbox/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/_sandbox/health", "/_sandbox/reset", "/_sandbox/state", "/_sandbox/journal",
                 "/_sandbox/clock", "/_sandbox/cards", "/_sandbox/openapi.json"):
        assert path in doc["paths"], path
    assert {"get", "put"} <= set(doc["paths"]["/_sandbox/state"])


def test_clock_advance_set_freeze_and_reset(http):
    # DESIGN §4.3: every answer is {"now", "frozen", "tenant"}.
    r = http.post("/_sandbox/clock", json={"set": "2027-01-01T00:00:00Z", "freeze": True})
    assert r.status_code == 200
    assert r.json() == {"now": "2027-01-01T00:00:00Z", "frozen": True, "tenant": None}
    r = http.post("/_sandbox/clock", json={"advance": "P30D"})
    assert r.json()["now"] == "2027-01-31T00:00:00Z"
    r = http.post("/_sandbox/clock", json={"advance": "P1M"})  # calendar month, clamped to 28 Feb
    assert r.json()["now"] == "2027-02-28T00:00:00Z"
    assert http.get("/_sandbox/clock").json()["now"] == "2027-02-28T00:00:00Z"
    r = http.post("/_sandbox/clock", json={"reset": True})
    assert r.json()["frozen"] is False and r.json()["now"] != "2027-02-28T00:00:00Z"


def test_tenant_clock_is_separate_from_the_global_clock(http):
    r = http.post("/_sandbox/clock", params={"tenant": "opp:ent1"}, json={"set": "2030-05-01T12:00:00Z", "freeze": True})
    assert r.json() == {"now": "2030-05-01T12:00:00Z", "frozen": True, "tenant": "opp:ent1"}
    assert http.get("/_sandbox/clock", params={"tenant": "opp:ent1"}).json()["now"] == "2030-05-01T12:00:00Z"
    assert http.get("/_sandbox/clock").json()["now"] != "2030-05-01T12:00:00Z"
    # A tenant that never had a clock reads the global one, and reading creates nothing.
    view = http.get("/_sandbox/clock", params={"tenant": "wpg:OTHER"}).json()
    assert view["tenant"] == "wpg:OTHER" and view["frozen"] is False
    assert "wpg:OTHER" not in http.get("/_sandbox/state").json()["tenants"]


@pytest.mark.parametrize("body", [
    {"advance": "30 days"}, {"set": "tomorrow"}, {"set": "2027-01-01T00:00:00"}, {"freeze": "yes"},
    {"warp": 9}, [], "P30D",
])
def test_clock_rejects_bad_input_without_changing_it(http, body):
    before = http.get("/_sandbox/clock").json()
    http.post("/_sandbox/clock", json={"freeze": True})
    frozen = http.get("/_sandbox/clock").json()["now"]
    r = http.post("/_sandbox/clock", json=body)
    assert r.status_code == 400
    assert r.json()["error"] == "badRequest" and r.json()["message"]
    assert http.get("/_sandbox/clock").json()["now"] == frozen
    assert before["tenant"] is None


def test_clock_rejects_bad_json_and_bad_tenant(http):
    r = http.post("/_sandbox/clock", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["message"]
    r = http.get("/_sandbox/clock", params={"tenant": "nosuchapi:x"})
    assert r.status_code == 400 and "tenant" in r.json()["message"]


SNAPSHOT = {
    "version": 1,
    "tenants": {
        "access:shop": {
            "secret": "00" * 16,
            "clock": None,
            "tokens": [{
                "id": "9902480679618049603", "owner": "cust1", "pan": "4444333322221111",
                "expiryMonth": 5, "expiryYear": 2035, "holder": "Sherlock Holmes", "address": None,
                "createdAt": 1790000000.0, "expiresAt": 1790604800.0, "lastUsedAt": 1790000000.0,
                "updates": [], "meta": {"description": "Test Token Description"},
            }],
            "payments": [],
            "data": {},
        }
    },
}


def test_state_round_trip_is_identical(http):
    r = http.put("/_sandbox/state", json=SNAPSHOT)
    assert r.status_code == 200, r.text
    first = http.get("/_sandbox/state").json()
    assert first["tenants"]["access:shop"]["tokens"][0]["pan"] == "4444333322221111"
    assert http.put("/_sandbox/state", json=first).status_code == 200
    second = http.get("/_sandbox/state").json()
    first.pop("clock"), second.pop("clock")
    assert first == second
    only = http.get("/_sandbox/state", params={"tenant": "access:shop"}).json()
    assert list(only["tenants"]) == ["access:shop"]


@pytest.mark.parametrize("bad", [
    {"version": 2, "tenants": {}},
    {"version": 1},
    {"version": 1, "tenants": {"bogus": {}}},
    {"version": 1, "tenants": {"access:x": {"tokens": [{"pan": "1"}]}}},
    {"version": 1, "tenants": {"access:x": {"tokens": "nope"}}},
    {"version": 1, "tenants": {"opp:x": {"data": {"note": "free-form data is not state"}}}},
])
def test_state_put_rejects_bad_snapshots_and_changes_nothing(http, bad):
    http.put("/_sandbox/state", json=SNAPSHOT)
    before = http.get("/_sandbox/state").json()
    r = http.put("/_sandbox/state", json=bad)
    assert r.status_code == 400 and r.json()["message"].startswith("snapshot rejected")
    after = http.get("/_sandbox/state").json()
    before.pop("clock"), after.pop("clock")
    assert after == before


def test_reset_all_and_one_tenant(http):
    snap = {"version": 1, "tenants": {**SNAPSHOT["tenants"], "opp:ent": {"tokens": [], "payments": [], "data": {}}}}
    http.put("/_sandbox/state", json=snap)
    r = http.post("/_sandbox/reset", params={"tenant": "opp:ent"})
    assert r.status_code == 200
    assert set(http.get("/_sandbox/state").json()["tenants"]) == {"access:shop"}
    http.post("/_sandbox/reset")
    assert http.get("/_sandbox/state").json()["tenants"] == {}
    assert http.post("/_sandbox/reset", params={"tenant": "x"}).status_code == 400


def test_journal_records_exchanges_and_can_be_filtered_and_cleared(http):
    http.delete("/_sandbox/journal")
    http.get("/tokens/nothing-here")
    http.get("/v1/nothing-here")
    entries = http.get("/_sandbox/journal").json()["entries"]
    assert [e["api"] for e in entries][-2:] == ["access", "opp"]
    assert entries[-1]["status"] == 404 and entries[-1]["path"] == "/v1/nothing-here"
    since = entries[-2]["seq"]
    later = http.get("/_sandbox/journal", params={"since": since}).json()["entries"]
    assert [e["api"] for e in later] == ["opp"] or later[0]["api"] == "opp"
    only_access = http.get("/_sandbox/journal", params={"api": "access"}).json()["entries"]
    assert only_access and all(e["api"] == "access" for e in only_access)
    assert http.get("/_sandbox/journal", params={"api": "nope"}).status_code == 400
    assert http.get("/_sandbox/journal", params={"since": "-1"}).status_code == 400
    assert http.delete("/_sandbox/journal").status_code == 200
    remaining = http.get("/_sandbox/journal").json()["entries"]
    assert all(e["path"] == "/_sandbox/journal" for e in remaining)


def test_journal_masks_card_numbers(http):
    http.delete("/_sandbox/journal")
    http.post("/v1/registrations", data={"card.number": "4444333322221111"})
    text = http.get("/_sandbox/journal").text
    assert "4444333322221111" not in text


def test_cards_lists_the_catalogue(http):
    body = http.get("/_sandbox/cards").json()
    assert any(row["prefix"] == "444433" for row in body["bins"])
    assert {"access", "opp", "wpg"} <= set(body)


def test_request_id_is_echoed_or_generated(http):
    r = http.get("/_sandbox/health", headers={"X-Request-Id": "abc-123"})
    assert r.headers["X-Request-Id"] == "abc-123"
    r = http.get("/tokens/x", headers={"WP-CorrelationId": "corr-9"})
    assert r.headers["WP-CorrelationId"] == "corr-9"
    r = http.get("/_sandbox/health")
    assert len(r.headers["X-Request-Id"]) == 36


def test_generated_request_ids_are_distinct_uuid4_strings(http):
    """DESIGN's request ids (str(uuid.uuid4())'s shape): version 4, RFC 4122 variant, never reused
    within a run (issue 18 made them a per-process prefix and a counter)."""
    ids = [http.get("/_sandbox/health").headers["X-Request-Id"] for _ in range(20)]
    assert len(set(ids)) == len(ids)
    for rid in ids:
        parsed = uuid.UUID(rid)
        assert str(parsed) == rid and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_unsafe_request_id_is_not_echoed(http):
    r = http.get("/_sandbox/health", headers={"X-Request-Id": "a b"})
    assert r.headers["X-Request-Id"] != "a b"


def test_body_limit_answers_in_each_apis_format(http):
    big = b"x" * (1048576 + 1)
    r = http.post("/tokens", data=big)
    assert r.status_code == 413 and r.json()["errorName"]  # Access envelope
    r = http.post("/v1/registrations", data=big)
    assert r.status_code == 413 and r.json()["result"]["code"]  # OPP envelope
    r = http.post("/jsp/merchant/xml/paymentService.jsp", data=big, auth=("M", "p"))
    assert r.status_code == 413 and '<error code="2">' in r.text  # paymentService envelope
