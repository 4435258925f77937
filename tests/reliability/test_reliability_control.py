"""Control plane under hostile input (issue 9 §1-§2; DESIGN §4.3 "A rejected request leaves the
snapshot byte-identical"; README "Control plane": bad input gets 400 {"error", "message"}).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import freeze, unchanged

DEEP = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJ = b'{"a":' * 10_000 + b"1" + b"}" * 10_000

# (method, path, body, content type): each is wrong in its own way and must be refused.
HOSTILE = [
    ("PUT", "/_sandbox/state", b"", "application/json"),
    ("PUT", "/_sandbox/state", b"{not json", "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 1, "tenants": {}, "x": "\xff\xfe"}', "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 1, "tenants": {"access:a": {"tokens": "\x00"}}}', "application/json"),
    ("PUT", "/_sandbox/state", DEEP, "application/json"),
    ("PUT", "/_sandbox/state", DEEP_OBJ, "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 1e999, "tenants": {}}', "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 2, "tenants": {}}', "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 1, "tenants": {"nope": {}}}', "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 1, "tenants": {"access:a": {"tokens": [1, 2]}}}', "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 1, "tenants": {"access:a": {"clock": {"now": "x"}}}}', "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 1, "clock": {"now": 1e400}, "tenants": {}}', "application/json"),
    ("PUT", "/_sandbox/state", b'[1, 2, 3]', "application/json"),
    ("PUT", "/_sandbox/state", b'{"version": 1, "tenants": {}}', "application/x-unknown"),
    ("POST", "/_sandbox/clock", b'{"advance": "P99999999999Y"}', "application/json"),
    ("POST", "/_sandbox/clock", b'{"advance": "P1D", "bogus": 1}', "application/json"),
    ("POST", "/_sandbox/clock", b'{"set": "9999-99-99T00:00:00Z"}', "application/json"),
    ("POST", "/_sandbox/clock", b'{"set": "99999-01-01T00:00:00Z"}', "application/json"),
    ("POST", "/_sandbox/clock", b'{"set": 1e308}', "application/json"),
    ("POST", "/_sandbox/clock", b'{"freeze": "yes"}', "application/json"),
    ("POST", "/_sandbox/clock", DEEP, "application/json"),
    ("POST", "/_sandbox/clock", b'{"advance": "P1D\x00"}', "application/json"),
    ("POST", "/_sandbox/clock", b"\xff\xfe\x00", "application/json"),
    ("POST", "/_sandbox/clock?tenant=access:a", b'{"advance": "nonsense"}', "application/json"),
    ("POST", "/_sandbox/clock?tenant=bogus", b'{"advance": "P1D"}', "application/json"),
    ("POST", "/_sandbox/clock?tenant=access:a%0d%0aX-Injected:%201", b'{"advance": "P1D"}', "application/json"),
    ("POST", "/_sandbox/reset?tenant=nope", b"", "application/json"),
    ("GET", "/_sandbox/state?tenant=%00", b"", "application/json"),
    ("GET", "/_sandbox/journal?since=-1", b"", "application/json"),
    ("GET", "/_sandbox/journal?api=%ff", b"", "application/json"),
    ("POST", "/_sandbox/fixtures", DEEP, "application/json"),
    ("POST", "/_sandbox/fixtures", b"a: &a [*a]", "application/yaml"),
    ("POST", "/_sandbox/fixtures", b"!!python/object/apply:os.system ['true']", "application/yaml"),
    ("POST", "/_sandbox/fixtures", b"\xff\xfe", "application/yaml"),
    ("POST", "/_sandbox/fixtures", b"{}", "application/x-unknown"),
    ("POST", "/_sandbox/faults", DEEP, "application/json"),
    ("POST", "/_sandbox/faults", b'{"status": 99999999999999999999}', "application/json"),
    ("POST", "/_sandbox/faults", b'{"delay": 1e999}', "application/json"),
    ("PUT", "/_sandbox/tenants/access:a/keys", b'{"public_key": "-----BEGIN PUBLIC KEY-----\\nAAAA"}',
     "application/json"),
    ("PUT", "/_sandbox/tenants/nope/keys", b'{"public_key": "x"}', "application/json"),
]


@pytest.mark.parametrize("method,path,body,ctype", HOSTILE, ids=[f"{m} {p[:40]} {b[:16]!r}" for m, p, b, _ in HOSTILE])
def test_hostile_control_plane_input_is_refused_and_changes_nothing(http, method, path, body, ctype):
    """Each is refused with a 4xx JSON error (never 5xx), and the snapshot stays byte-identical."""
    freeze(http)
    with unchanged(http, f"{method} {path}"):
        r = http.request(method, path, data=body, headers={"Content-Type": ctype})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json")
    assert "error" in r.json()
    assert "X-Injected" not in r.headers


def test_state_snapshot_round_trips_under_hostile_strings(http):
    """Strings with NUL, RTL marks, surrogate escapes and 100 kB survive PUT/GET state unchanged."""
    freeze(http)
    snap = json.loads(http.get("/_sandbox/state").content)
    weird = "\x00\u202e<x>&amp;\"'\\" + "\U0001f600" * 3 + "y" * 100_000
    # Free text lives in a token's fields (each API's typed state refuses unknown keys).
    token = {"id": "9912345678901234567", "owner": None, "pan": "4444333322221111", "expiryMonth": 5,
             "expiryYear": 2035, "holder": weird, "address": None, "createdAt": 1.0e9, "expiresAt": 4.0e9,
             "lastUsedAt": 1.0e9, "updates": [], "meta": {"description": weird}}
    snap["tenants"]["access:weird"] = {"tokens": [token], "payments": [], "data": {}}
    r = http.put("/_sandbox/state", json=snap)
    assert r.status_code == 200, r.text
    back = http.get("/_sandbox/state?tenant=access:weird").json()["tenants"]["access:weird"]["tokens"][0]
    assert back["holder"] == weird and back["meta"]["description"] == weird


ADMIN_PATHS = ["/_sandbox/state", "/_sandbox/clock", "/_sandbox/reset", "/_sandbox/journal", "/_sandbox/faults",
               "/_sandbox/fixtures", "/_sandbox/cards", "/_sandbox/tenants/access:x/keys", "/_sandbox/nope",
               "/_sandbox/notifications"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({}, optional={
        "version": st.sampled_from([1, 2, "1", None]),
        "tenants": st.dictionaries(st.sampled_from(["access:a", "opp:b", "wpg:C", "x", ""]), json_values, max_size=2),
        "clock": json_values,
        "set": st.text(max_size=30), "advance": st.text(max_size=12), "freeze": json_values,
        "public_key": st.text(max_size=40), "status": json_values, "delay": json_values,
    }).map(lambda v: json.dumps(v).encode()),
)
queries = st.dictionaries(st.sampled_from(["tenant", "api", "since", "x"]),
                          st.sampled_from(["access:a", "wpg:M", "bogus", "", "-1", "10", "admin", "\x00", "é"]),
                          max_size=2)


@pytest.fixture(scope="module")
def own_http():
    """The fuzzer gets a server of its own: a fuzzed `POST /_sandbox/fixtures` that succeeds moves
    the reset baseline, which must not leak into the session server other tests share."""
    import requests

    from sandbox.client import SandboxProcess

    class Session(requests.Session):
        def request(self, method, url, *args, **kwargs):
            return super().request(method, proc.url + url, *args, timeout=30, **kwargs)

    with SandboxProcess() as proc, Session() as session:
        yield session


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), path=st.sampled_from(ADMIN_PATHS),
       query=queries, body=bodies,
       ctype=st.sampled_from(["application/json", "application/yaml", "text/plain", "application/x-www-form-urlencoded"]))
def test_fuzzed_admin_requests_never_5xx_and_rejections_change_nothing(own_http, method, path, query, body, ctype):
    """Property (issue 9 §2): no 5xx for any request; a 4xx leaves the snapshot byte-identical."""
    http = own_http
    http.post("/_sandbox/reset")
    freeze(http)
    before = http.get("/_sandbox/state").content
    r = http.request(method, path, params=query, data=body, headers={"Content-Type": ctype})
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert http.get("/_sandbox/state").content == before
