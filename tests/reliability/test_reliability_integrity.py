"""Issue 14 §10-§13: unpredictable ids, tenant names, hostile snapshots and the inputs that used to
answer 500 (README "Reliability": bad input gets the API's own error, never a 500, never changes
the store)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time

import requests
from reliability_helpers import (
    OPP_BEARER,
    OPP_ENTITY,
    WPG_PATH,
    access_card,
    access_headers,
    basic,
    freeze,
    wpg_headers,
)

from sandbox.core.ids import Ids


# -- §10 predictable ids -------------------------------------------------------------------------
def _untemper(y: int) -> int:
    y ^= y >> 18
    y ^= (y << 15) & 0xEFC60000
    for _ in range(7):
        y ^= (y << 7) & 0x9D2C5680
    for _ in range(3):
        y ^= y >> 11
    return y & 0xFFFFFFFF


def test_unseeded_ids_cannot_be_predicted_from_earlier_ids():
    """Issue 14 §10 (domain core, no HTTP): 156 ids of 32 hex digits are 624 outputs of a Mersenne
    Twister, enough to clone it and predict every later id and tenant secret. Unseeded ids come
    from the OS's CSPRNG, so the clone predicts nothing; --seed stays reproducible."""
    import random

    ids = Ids()
    words = []
    for _ in range(156):
        value = int(ids.hex(32), 16)
        words += [(value >> (32 * k)) & 0xFFFFFFFF for k in range(4)]  # getrandbits fills low words first
    clone = random.Random()
    clone.setstate((3, tuple(_untemper(w) for w in words) + (624,), None))
    predicted = f"{clone.getrandbits(128):032x}"
    assert ids.hex(32) != predicted, "the next id was predicted from the previous ones"
    assert Ids("s").hex(32) == Ids("s").hex(32)


# -- §11 tenant names ----------------------------------------------------------------------------
def test_access_username_that_cannot_name_a_tenant_is_refused_401(http):
    """Issue 14 §11; access.md §10.2 (401 accessDenied): a Basic username with a space or over 128
    characters names no tenant, so GET/PUT /_sandbox/state keep working for everyone."""
    for user in ("evil shop", "x" * 129):
        r = http.post("/tokens", json=access_card(), headers=access_headers(user))
        assert r.status_code == 401 and r.json()["errorName"] == "accessDenied", r.text
    state = http.get("/_sandbox/state")
    assert state.status_code == 200
    assert http.put("/_sandbox/state", data=state.content, headers={"Content-Type": "application/json"}).status_code == 200


# -- §13 inputs that answered 500 ------------------------------------------------------------------
def test_non_ascii_admin_token_and_passwords_are_refused_not_500(start_sandbox, tmp_path):
    """Issue 14 §13: hmac.compare_digest raised TypeError on non-ASCII str; now 401 in each API's
    format (access.md §10.2, wpg.md §5, README "Control plane")."""
    creds = tmp_path / "creds.yaml"
    creds.write_text("access:\n  - {username: shop, password: pässwörd}\nwpg:\n  - {username: M1, password: pw}\n")
    proc = start_sandbox("--admin-token", "tökén", "--credentials", str(creds))
    for sent in ("wrong-ü".encode(), "tökén".encode("latin-1"), b"\xff\xfe"):
        r = requests.get(proc.url + "/_sandbox/state", headers={"X-Admin-Token": sent}, timeout=10)
        assert r.status_code == 401, r.text
    good = requests.get(proc.url + "/_sandbox/state", headers={"Authorization": "Bearer tökén".encode()}, timeout=10)
    assert good.status_code == 200, good.text
    for password in ("pässwort", "wrong"):
        r = requests.post(proc.url + "/tokens", json=access_card(), timeout=10,
                          headers={**access_headers(), "Authorization": basic("shop", password)})
        assert r.status_code == 401, r.text
    r = requests.post(proc.url + "/tokens", json=access_card(), timeout=10,
                      headers={**access_headers(), "Authorization": basic("shop", "pässwörd")})
    assert r.status_code == 201, r.text
    r = requests.post(proc.url + WPG_PATH, data=b"<x/>", headers=wpg_headers("M1", "pä"), timeout=10)
    assert r.status_code == 401, r.text


def test_journal_since_must_be_a_small_ascii_number(http):
    """Issue 14 §13 (README "Control plane": 400 for bad input): `since=²` and 5,000 digits."""
    for since in ("²", "١٢", "9" * 5000, "-1", "1.5"):
        r = http.get("/_sandbox/journal", params={"since": since})
        assert r.status_code == 400 and r.json()["error"] == "badRequest", (since, r.status_code)
    assert http.get("/_sandbox/journal", params={"since": "12"}).status_code == 200


def test_unparseable_notification_url_is_400(http):
    """Issue 14 §13; wpg.md §6: `http://[::1` made urlsplit raise (a 500)."""
    for url in ("http://[::1", "http://host:99999/", "http://[zz]/"):
        r = http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": url})
        assert r.status_code == 400, (url, r.text)
    http.post("/_sandbox/reset")


def test_trailing_newline_does_not_pass_opp_validators(http):
    """Issue 14 §13; opp.md §8 (200.300.404 invalid or missing parameter): `$` matched before a
    final newline, so `EUR\\n`, an entityId or forceResultCode with one passed validation."""
    base = {"entityId": OPP_ENTITY, "amount": "92.00", "currency": "EUR", "paymentType": "DB"}
    for key, value in (("currency", "EUR\n"), ("entityId", OPP_ENTITY + "\n"),
                       ("customParameters[forceResultCode]", "000.100.110\n")):
        r = http.post("/v1/checkouts", data={**base, key: value}, headers={"Authorization": f"Bearer {OPP_BEARER}"})
        assert r.status_code == 400 and r.json()["result"]["code"].startswith("200.300"), (key, r.text)
    http.post("/_sandbox/reset")


def test_deeply_nested_state_file_exits_2_with_one_line(tmp_path):
    """Issue 14 §13: a state file of 100,000 nested arrays stopped the start with a traceback (exit 1)."""
    path = tmp_path / "state.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    out = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--state", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr[-500:]
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr, out.stderr[-500:]


# -- §12 hostile snapshots -------------------------------------------------------------------------
def _populated(http) -> dict:
    """A snapshot with a token from each API and an OPP payment (seed 002, opp.md E1, wpg.md §3)."""
    http.post("/_sandbox/reset")
    assert http.post("/tokens", json=access_card(), headers=access_headers("snapshop")).status_code == 201
    r = http.post("/v1/registrations", headers={"Authorization": f"Bearer {OPP_BEARER}"}, data={
        "entityId": OPP_ENTITY, "paymentBrand": "VISA", "card.number": "4200000000000000", "card.holder": "Jane Jones",
        "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "123"})
    assert r.status_code == 200, r.text
    reg = r.json()["id"]
    r = http.post(f"/v1/registrations/{reg}/payments", headers={"Authorization": f"Bearer {OPP_BEARER}"},
                  data={"entityId": OPP_ENTITY, "amount": "1.00", "currency": "EUR", "paymentType": "DB"})
    assert r.status_code == 200, r.text
    r = http.post("/v1/checkouts", headers={"Authorization": f"Bearer {OPP_BEARER}"},
                  data={"entityId": OPP_ENTITY, "amount": "5.00", "currency": "EUR", "paymentType": "DB"})
    assert r.status_code == 200, r.text
    r = http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": "http://127.0.0.1:9/n"})
    assert r.status_code == 200, r.text
    order = ('<?xml version="1.0"?><paymentService version="1.4" merchantCode="MYMERCHANT"><submit>'
             '<order orderCode="snap1"><description>T</description><amount value="100" currencyCode="GBP" '
             'exponent="2"/><paymentDetails><CARD-SSL><cardNumber>4444333322221111</cardNumber><expiryDate>'
             '<date month="06" year="2031"/></expiryDate><cardHolderName>AUTHORISED</cardHolderName></CARD-SSL>'
             "</paymentDetails></order></submit></paymentService>")
    assert "AUTHORISED" in http.post(WPG_PATH, data=order.encode(), headers=wpg_headers()).text
    deadline = time.monotonic() + 10  # the first delivery attempt (refused port) lands in the background
    while not http.get("/_sandbox/notifications?tenant=wpg:MYMERCHANT").json()["notifications"][0]["attempts"]:
        assert time.monotonic() < deadline, "no delivery attempt"
        time.sleep(0.05)
    snap = http.get("/_sandbox/state").json()
    assert any(t["payments"] for t in snap["tenants"].values()), snap
    assert snap["tenants"]["wpg:MYMERCHANT"]["data"]["wpg"]["outbox"], snap["tenants"]["wpg:MYMERCHANT"]
    return snap


def _mutations(snap: dict):
    access = next(k for k in snap["tenants"] if k.startswith("access:"))
    opp = next(k for k in snap["tenants"] if k.startswith("opp:") and snap["tenants"][k]["payments"])

    def token(field, value, tid=access):
        def f(s):
            s["tenants"][tid]["tokens"][0][field] = value
        return f"token.{field}={value!r:.40}", f

    def payment(field, value):
        def f(s):
            s["tenants"][opp]["payments"][0][field] = value
        return f"payment.{field}={value!r:.40}", f

    def tenant(field, value):
        def f(s):
            s["tenants"][access][field] = value
        return f"tenant.{field}={value!r:.40}", f

    yield from (token(k, v) for k, v in [
        ("pan", "x" * 16), ("pan", 4444333322221111), ("pan", ""), ("pan", "1" * 40), ("expiryMonth", "05"),
        ("expiryMonth", 13), ("expiryMonth", True), ("expiryYear", -1), ("expiryYear", 10**30), ("holder", 5),
        ("holder", ["a"]), ("owner", {"a": 1}), ("id", ""), ("id", 7), ("id", "a b"), ("createdAt", "now"),
        ("createdAt", 1e300), ("createdAt", -5), ("expiresAt", "never"), ("lastUsedAt", [1]), ("updates", "x"),
        ("updates", [None]), ("meta", [1]), ("meta", "x"), ("address", "street"), ("extra", 1)])
    yield from (payment(k, v) for k, v in [
        ("amount", "100"), ("amount", -1), ("amount", 1.5), ("currency", 5), ("status", None), ("captured", 10**9),
        ("refunded", -1), ("events", "x"), ("meta", 3), ("tokenId", 12), ("id", None), ("createdAt", None)])
    yield from (tenant(k, v) for k, v in [
        ("secret", 5), ("clock", {"now": "x"}), ("clock", {"now": 1e20}), ("clock", {"now": 1, "frozen": "yes"}),
        ("tokens", {"a": 1}), ("payments", "x"), ("data", []), ("data", {"accessNetwork": 5}), ("bogus", 1)])

    opp_co = next(k for k, t in snap["tenants"].items() if k.startswith("opp:") and t["data"].get("checkouts"))

    def data(path, value):
        def f(s):
            node = s["tenants"][path[0]]["data"]
            for key in path[1:-1]:
                node = node[key] if not isinstance(node, list) else node[int(key)]
            node[path[-1] if not isinstance(node, list) else int(path[-1])] = value
        return f"data.{'.'.join(map(str, path[1:]))}={value!r:.30}", f

    cid = next(iter(snap["tenants"][opp_co]["data"]["checkouts"]))
    yield from (data((opp_co, "checkouts", cid, k), v) for k, v in [
        ("expiresAt", "soon"), ("state", 5), ("id", "other"), ("amount", 5), ("createRegistration", "yes"),
        ("result", "ok"), ("registrations", "r1")])
    yield from (data(("wpg:MYMERCHANT", "wpg", *k), v) for k, v in [
        (("seq",), -1), (("notify", "events"), "ALL"), (("notify", "url"), 5), (("outbox", 0, "status"), "weird"),
        (("outbox", 0, "body"), None), (("outbox", 0, "attempts"), "none"), (("outbox", 0, "nextAttemptAt"), "x")])

    def dup(s):
        toks = s["tenants"][access]["tokens"]
        toks.append(copy.deepcopy(toks[0]))
    yield "duplicate token id", dup

    def deep(s):
        value: list = []
        for _ in range(40):
            value = [value]
        s["tenants"][access]["tokens"][0]["meta"] = {"x": value}
    yield "meta nested 40 deep", deep
    yield "top-level unknown key", lambda s: s.update(bogus=1)
    yield "global clock", lambda s: s.update(clock={"now": float("nan")})


def _reads_ok(http, snap: dict) -> None:
    """Ordinary reads after a restore: state, dashboard, each Access token, each OPP payment."""
    for path in ("/_sandbox/state", "/_sandbox/dashboard.json", "/_sandbox/journal"):
        assert http.get(path).status_code == 200, path
    for tid, t in snap["tenants"].items():
        api, name = tid.split(":", 1)
        for tok in t["tokens"]:
            if api == "access":
                r = http.get(f"/tokens/{tok['id']}", headers=access_headers(name))
                assert r.status_code < 500, (tid, r.text[:300])


def test_hostile_snapshots_are_refused_whole_or_readable(http):
    """Issue 14 §12 (DESIGN §4.3): each hostile variation of a real snapshot is refused with 400 and
    changes nothing; the real snapshot itself round-trips and every ordinary read answers."""
    snap = _populated(http)
    r = http.put("/_sandbox/state", json=snap)
    assert r.status_code == 200, r.text
    _reads_ok(http, snap)
    freeze(http)
    before = http.get("/_sandbox/state").content
    accepted = []
    for name, mutate in _mutations(snap):
        bad = copy.deepcopy(snap)
        mutate(bad)
        body = json.dumps(bad, allow_nan=True)
        r = http.put("/_sandbox/state", data=body, headers={"Content-Type": "application/json"})
        assert r.status_code < 500, (name, r.text)
        if r.status_code == 200:
            accepted.append(name)
            http.put("/_sandbox/state", data=before, headers={"Content-Type": "application/json"})
        else:
            assert http.get("/_sandbox/state").content == before, name
    assert accepted == [], f"hostile snapshots accepted: {accepted}"
    http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": None})
    http.post("/_sandbox/reset")


def test_state_file_with_hostile_values_stops_the_start(tmp_path):
    """Issue 14 §12: the state file goes through the same complete validation (exit 2, one line)."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": "token-sandbox-state", "version": 1, "tenants": {
        "access:a": {"tokens": [{"id": "1", "pan": "nope", "createdAt": 1}]}}}))
    out = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--state", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "pan" in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
