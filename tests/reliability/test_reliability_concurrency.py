"""Concurrency, tenant isolation and secrets (issue 9 §3-§5; DESIGN §3 "Tenants never see each
other's tokens"; DESIGN §6 "Never log or journal a full card number").
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
from urllib.parse import urlencode

import aiohttp
import requests
from reliability_helpers import (
    PAN,
    WPG_PATH,
    access_card,
    access_headers,
    freeze,
    opp_headers,
    opp_registration,
    wpg_create,
    wpg_headers,
)

N = 64


async def _fire(url: str, method: str, path: str, headers: dict, body: bytes | None, n: int = N):
    """n identical requests at once over n connections; (status, body) of each."""
    conn = aiohttp.TCPConnector(limit=n, force_close=True)
    async with aiohttp.ClientSession(url, connector=conn) as s:
        async def one():
            async with s.request(method, path, headers=headers, data=body) as r:
                return r.status, await r.read()

        return await asyncio.gather(*(one() for _ in range(n)))


def _wpg_modify(op: str, token_id: str, merchant: str = "MYMERCHANT") -> bytes:
    inner = (f'<paymentTokenDelete tokenScope="shopper"><paymentTokenID>{token_id}</paymentTokenID>'
             "<authenticatedShopperID>shopper1</authenticatedShopperID></paymentTokenDelete>")
    if op == "inquiry":
        return (f'<?xml version="1.0" encoding="UTF-8"?><paymentService version="1.4" merchantCode="{merchant}">'
                f'<inquiry><paymentTokenInquiry tokenScope="shopper"><authenticatedShopperID>shopper1'
                f"</authenticatedShopperID><paymentTokenID>{token_id}</paymentTokenID></paymentTokenInquiry>"
                "</inquiry></paymentService>").encode()
    return (f'<?xml version="1.0" encoding="UTF-8"?><paymentService version="1.4" merchantCode="{merchant}">'
            f"<modify>{inner}</modify></paymentService>").encode()


async def test_concurrent_identical_access_creates_make_one_token(sandbox):
    """access.md §4 NEW/MATCH: 64 identical creates at once -> one 201, 63 x 200, one token stored."""
    res = await _fire(sandbox.url, "POST", "/tokens", access_headers(), json.dumps(access_card()).encode())
    statuses = sorted(s for s, _ in res)
    assert statuses == [200] * (N - 1) + [201], statuses
    assert len({json.loads(b)["tokenId"] for _, b in res}) == 1
    tokens = sandbox.state()["tenants"]["access:shop1"]["tokens"]
    assert len(tokens) == 1


async def test_concurrent_identical_xml_creates_make_one_token(sandbox):
    """wpg.md §4.1 tokenEvent NEW then MATCH: 64 identical paymentTokenCreate at once -> exactly one NEW."""
    res = await _fire(sandbox.url, "POST", WPG_PATH, wpg_headers(), wpg_create())
    events = sorted(re.search(rb'tokenEvent="(\w+)"', b).group(1).decode() for _, b in res)
    assert events == ["MATCH"] * (N - 1) + ["NEW"], events
    assert len(sandbox.state()["tenants"]["wpg:MYMERCHANT"]["tokens"]) == 1


async def test_concurrent_opp_registrations_are_all_distinct(sandbox):
    """opp.md E1: each registration is a new token, even for the same card -> 64 distinct ids."""
    res = await _fire(sandbox.url, "POST", "/v1/registrations", opp_headers(), urlencode(opp_registration()).encode())
    assert all(s == 200 for s, _ in res), res[0]
    ids = {json.loads(b)["id"] for _, b in res}
    assert len(ids) == N
    tenant = sandbox.state()["tenants"]["opp:8a8294174b7ecb28014b9699220015cc"]
    assert len(tenant["tokens"]) == N


async def test_concurrent_deletes_succeed_exactly_once_on_every_api(sandbox, http):
    """A token deleted 64 times at once is deleted once; the other 63 are told it is not there."""
    href = http.post("/tokens", json=access_card(), headers=access_headers()).json()["tokenPaymentInstrument"]["href"]
    res = await _fire(sandbox.url, "DELETE", href.replace(http.base, ""), access_headers(), None)
    assert sorted(s for s, _ in res) == [204] + [404] * (N - 1)

    rid = http.post("/v1/registrations", data=urlencode(opp_registration()), headers=opp_headers()).json()["id"]
    res = await _fire(sandbox.url, "DELETE", f"/v1/registrations/{rid}?entityId={opp_registration()['entityId']}",
                      opp_headers(), None)
    assert sum(1 for s, _ in res if s == 200) == 1, sorted(s for s, _ in res)
    assert all(s < 500 for s, _ in res)

    created = http.post(WPG_PATH, data=wpg_create(), headers=wpg_headers()).content
    tid = re.search(rb"<paymentTokenID>(\d+)</paymentTokenID>", created).group(1).decode()
    res = await _fire(sandbox.url, "POST", WPG_PATH, wpg_headers(), _wpg_modify("delete", tid))
    oks = [b for _, b in res if b"<ok>" in b]
    assert len(oks) == 1 and all(b"<error" in b for _, b in res if b"<ok>" not in b), res[1][1][:300]


async def test_reset_during_load_leaves_a_consistent_store(sandbox, http):
    """Resets interleaved with creates: afterwards every stored token is whole and readable."""
    url = sandbox.url
    conn = aiohttp.TCPConnector(limit=32)
    async with aiohttp.ClientSession(url, connector=conn) as s:
        async def create(i: int):
            async with s.post("/tokens", headers=access_headers(f"t{i % 4}"),
                              data=json.dumps(access_card(namespace=f"ns{i}"))) as r:
                assert r.status in (200, 201), await r.text()

        async def reset():
            async with s.post("/_sandbox/reset") as r:
                assert r.status == 200

        await asyncio.gather(*(create(i) if i % 10 else reset() for i in range(200)))
    snap = requests.get(url + "/_sandbox/state", timeout=10).json()
    for tid, tenant in snap["tenants"].items():
        for token in tenant["tokens"]:
            assert token["pan"] == PAN and token["owner"], (tid, token)
    # The snapshot restores cleanly (nothing half-written) and each surviving token is readable.
    assert requests.put(url + "/_sandbox/state", json=snap, timeout=10).status_code == 200


# -- tenant isolation ------------------------------------------------------------------------
def test_access_tokens_are_invisible_to_another_tenant(http):
    """DESIGN §3: shop1's token href is 404 for shop2 on GET, PUT and DELETE; shop1 still sees it."""
    freeze(http)
    href = http.post("/tokens", json=access_card(), headers=access_headers("shop1")).json()["tokenPaymentInstrument"]["href"]
    path = href.replace(http.base, "")
    before = http.get("/_sandbox/state?tenant=access:shop1").content
    for method, sub in (("GET", ""), ("DELETE", ""), ("PUT", "/cardHolderName")):
        r = http.request(method, path + sub, headers=access_headers("shop2"), data=json.dumps("Mallory"))
        assert r.status_code == 404, (method, sub, r.status_code, r.text[:200])
    r = http.post("/tokens", json=access_card(), headers=access_headers("shop2"))
    assert r.status_code == 201, "the same card is NEW for another tenant"
    assert http.get("/_sandbox/state?tenant=access:shop1").content == before
    assert http.get(path, headers=access_headers("shop1")).status_code == 200
    assert "access:shop1" not in http.get("/_sandbox/state?tenant=access:shop2").text
    assert PAN not in json.dumps([e for e in http.get("/_sandbox/journal?tenant=access:shop2").json()["entries"]
                                  if e.get("tenant") != "access:shop2"])


def test_opp_registrations_are_invisible_to_another_entity(http):
    """DESIGN §3: entity A's registration id is unknown to entity B of another merchant (another
    Bearer token; opp.md §13.3: entities of one merchant share registrations) -- read, pay, extend, delete."""
    freeze(http)
    a, b = "8a8294174b7ecb28014b9699220015cc", "8a8294174b7ecb28014b96992200ffff"
    rid = http.post("/v1/registrations", data=urlencode(opp_registration(entity=a)), headers=opp_headers()).json()["id"]
    before = http.get(f"/_sandbox/state?tenant=opp:{a}").content
    attempts = [
        ("GET", f"/v1/registrations/{rid}?entityId={b}", None),
        ("POST", f"/v1/registrations/{rid}/payments",
         urlencode({"entityId": b, "amount": "1.00", "currency": "EUR", "paymentType": "DB"})),
        ("POST", f"/v1/registrations/{rid}/extendlife", urlencode({"entityId": b})),
        ("DELETE", f"/v1/registrations/{rid}?entityId={b}", None),
    ]
    for method, path, body in attempts:
        r = http.request(method, path, data=body, headers=opp_headers("another-merchant-token"))
        assert r.status_code in (400, 404), (method, path, r.status_code, r.text[:200])
        assert rid not in json.dumps(r.json().get("card", {}))
    assert http.get(f"/_sandbox/state?tenant=opp:{a}").content == before
    assert http.get(f"/v1/registrations/{rid}?entityId={a}", headers=opp_headers()).status_code == 200
    assert rid not in http.get(f"/_sandbox/state?tenant=opp:{b}").text


def test_xml_tokens_are_invisible_to_another_merchant(http):
    """DESIGN §3: merchant A's paymentTokenID is unknown to merchant B (inquiry, delete)."""
    freeze(http)
    created = http.post(WPG_PATH, data=wpg_create(merchant="MERCHA"), headers=wpg_headers("MERCHA")).content
    tid = re.search(rb"<paymentTokenID>(\d+)</paymentTokenID>", created).group(1).decode()
    before = http.get("/_sandbox/state?tenant=wpg:MERCHA").content
    for op in ("inquiry", "delete"):
        r = http.post(WPG_PATH, data=_wpg_modify(op, tid, "MERCHB"), headers=wpg_headers("MERCHB"))
        assert b"<error" in r.content and PAN[-4:].encode() not in r.content, r.text[:300]
        # B cannot name A's merchant code with its own credentials either (wpg.md §1.2, code 4).
        r = http.post(WPG_PATH, data=_wpg_modify(op, tid, "MERCHA"), headers=wpg_headers("MERCHB"))
        assert b"<error" in r.content, r.text[:300]
    assert http.get("/_sandbox/state?tenant=wpg:MERCHA").content == before
    r = http.post(WPG_PATH, data=_wpg_modify("inquiry", tid, "MERCHA"), headers=wpg_headers("MERCHA"))
    assert b"<error" not in r.content, r.text[:300]
    assert tid not in http.get("/_sandbox/state?tenant=wpg:MERCHB").text


# -- secrets ---------------------------------------------------------------------------------
PANS = {"access": "4000000000000002", "opp": "4012888888881881", "wpg": "4917610000000000", "bad": "4111111111111111"}


def test_no_full_card_number_in_logs_journal_or_dashboard(start_sandbox, tmp_path):
    """DESIGN §6 / issue 9 §5: grep a run's output for the PANs used; the state file is 0600."""
    state = tmp_path / "state.json"
    proc = start_sandbox("--log-level", "debug", "--state", str(state))
    url = proc.url
    with requests.Session() as s:
        assert s.post(url + "/tokens", json=access_card(pan=PANS["access"]), headers=access_headers()).status_code == 201
        r = s.post(url + "/v1/registrations", data=urlencode(opp_registration(pan=PANS["opp"])), headers=opp_headers())
        assert r.status_code == 200, r.text
        r = s.post(url + WPG_PATH, data=wpg_create(pan=PANS["wpg"]), headers=wpg_headers())
        assert b"<error" not in r.content, r.text
        # Rejected requests that carry a card number are journalled too: masked as well.
        s.post(url + "/tokens", data=json.dumps(access_card(pan=PANS["bad"]))[:-3], headers=access_headers())
        s.post(url + "/v1/registrations", data=urlencode({**opp_registration(pan=PANS["bad"]), "card.expiryYear": "x"}),
               headers=opp_headers())
        s.post(url + WPG_PATH, data=wpg_create(pan=PANS["bad"])[:-20], headers=wpg_headers())
        seen = {
            "journal": s.get(url + "/_sandbox/journal").text,
            "dashboard": s.get(url + "/_sandbox/dashboard.json").text,
        }
        s.post(url + "/_sandbox/reset")  # the persisted file must still be written with 0600
    proc.stop()
    seen["server output"] = "".join(proc.output)
    for where, text in seen.items():
        for api, pan in PANS.items():
            assert pan not in text, f"full {api} card number in the {where}"
    assert "4000********0002" in seen["journal"] or "400000******0002" in seen["journal"]
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600


async def test_concurrent_updates_never_exceed_the_update_limit(start_sandbox):
    """access.md update limit (here --option access.max_updates=5): 64 concurrent holder-name
    updates -> exactly 5 succeed and the token records 5 updates."""
    proc = start_sandbox("--option", "access.max_updates=5")
    created = requests.post(proc.url + "/tokens", json=access_card(), headers=access_headers(), timeout=10).json()
    path = created["_links"]["tokens:cardHolderName"]["href"].replace(proc.url, "")
    async with aiohttp.ClientSession(proc.url, connector=aiohttp.TCPConnector(limit=N)) as s:
        async def one(i: int):
            async with s.put(path, headers=access_headers(), data=json.dumps(f"Holder {i}")) as r:
                return r.status

        statuses = await asyncio.gather(*(one(i) for i in range(N)))
    assert all(st < 500 for st in statuses), statuses
    assert sum(1 for st in statuses if st < 300) == 5, sorted(statuses)
    token = requests.get(proc.url + "/_sandbox/state", timeout=10).json()["tenants"]["access:shop1"]["tokens"][0]
    assert len(token["updates"]) == 5
