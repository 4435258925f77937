"""Server-level guarantees, each on its own sandbox process: slow and broken clients, default bind,
`--admin-token` on every control-plane route, strict `--credentials` on every API route
(issue 9 §5-§6; README "Reliability", "Command line").
"""

from __future__ import annotations

import json
import re
import socket
import threading

import pytest
import requests
from reliability_helpers import (
    WPG_PATH,
    access_card,
    access_headers,
    connect,
    opp_headers,
    opp_registration,
    read_all,
    status_of,
    wpg_create,
    wpg_headers,
)

from sandbox.app import create_app
from sandbox.cli import build_parser
from sandbox.config import Config


def _state(url: str) -> bytes:
    return requests.get(url + "/_sandbox/state", timeout=10).content


def test_default_bind_is_loopback(start_sandbox):
    """README "Command line": --host defaults to 127.0.0.1 (a test double is not a public server)."""
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    proc = start_sandbox()
    assert proc.url.startswith("http://127.0.0.1:")


def test_slow_and_stalled_clients_do_not_block_others_and_are_timed_out(start_sandbox):
    """Issue 9 §6 with --client-timeout 1: a client trickling its headers, one that stops mid-body
    and one that disconnects mid-body; others are served meanwhile, nothing is stored."""
    proc = start_sandbox("--client-timeout", "1")
    url = proc.url
    requests.post(url + "/_sandbox/clock", json={"freeze": True}, timeout=10)
    before = _state(url)
    body = json.dumps(access_card()).encode()
    head = (f"POST /tokens HTTP/1.1\r\nHost: x\r\nAuthorization: {access_headers()['Authorization']}\r\n"
            f"Content-Type: application/vnd.worldpay.tokens-v3.hal+json\r\nContent-Length: {len(body)}\r\n\r\n").encode()

    slow_headers = connect(url)
    slow_headers.sendall(head[:20])  # a slowloris: part of the request line, then nothing
    stalled = {}
    for api, path_head, part in [
        ("access", head, body[:30]),
        ("opp", b"POST /v1/registrations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n", b"entityId=e&card."),
        ("wpg", f"POST {WPG_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: {wpg_headers()['Authorization']}\r\n"
                f"Content-Type: text/xml\r\nContent-Length: 2000\r\n\r\n".encode(), wpg_create()[:120]),
    ]:
        sock = connect(url)
        sock.sendall(path_head + part)
        stalled[api] = sock
    gone = connect(url)
    gone.sendall(head + body[:40])
    gone.close()  # disconnects mid-body

    # Others are served while those three hang (each request is answered; no timing assumed).
    with requests.Session() as s:
        for _ in range(20):
            assert s.get(url + "/_sandbox/health", timeout=10).status_code == 200
        r = s.post(url + "/tokens", data=body, headers=access_headers("other"), timeout=10)
        assert r.status_code == 201, r.text

    # The stalled bodies are answered 408 in each API's format and the connection closed.
    for api, sock in stalled.items():
        raw = read_all(sock)  # returns once the server closes; the socket timeout (10 s) would raise
        sock.close()
        if api == "wpg":  # wpg.md §1: every XML outcome is HTTP 200 with an <error> reply
            assert status_of(raw) == 200 and b"<error code=" in raw and b"not received in time" in raw, raw[:400]
        else:
            assert status_of(raw) == 408, raw[:300]
        if api == "access":
            assert b'"errorName": "requestTimeout"' in raw, raw[:300]
        if api == "opp":
            assert b'"result"' in raw
    # The slow-header client is closed without a response being owed.
    assert read_all(slow_headers) in (b"",) or status_of(read_all(slow_headers)) in (400, 408)
    slow_headers.close()
    # Only the one complete request above changed the state: the broken ones stored nothing.
    after = json.loads(_state(url))
    assert set(after["tenants"]) == {"access:other"}
    assert json.loads(before)["tenants"] == {}


def test_disconnect_mid_body_leaves_no_partial_state_on_every_api(start_sandbox):
    """Issue 9 §6: a client that disconnects mid-request leaves no partial state, for each API."""
    from urllib.parse import urlencode

    proc = start_sandbox()
    url = proc.url
    requests.post(url + "/_sandbox/clock", json={"freeze": True}, timeout=10)
    before = _state(url)
    bodies = [
        ("/tokens", access_headers(), json.dumps(access_card()).encode()),
        ("/v1/registrations", opp_headers(), urlencode(opp_registration()).encode()),
        (WPG_PATH, wpg_headers(), wpg_create()),
    ]
    for path, headers, body in bodies:
        for cut in (1, len(body) // 2, len(body) - 1):
            sock = connect(url)
            lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{lines}Content-Length: {len(body)}\r\n\r\n".encode()
                         + body[:cut])
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
    assert requests.get(url + "/_sandbox/health", timeout=10).status_code == 200
    assert _state(url) == before


def _routes() -> list[tuple[str, str]]:
    """Every API route the app registers (method, path with placeholders filled)."""
    import warnings

    with warnings.catch_warnings():  # aiohttp's NotAppKeyWarning for str app keys: not ours to fix here
        warnings.simplefilter("ignore")
        app = create_app(Config())
    found = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/_sandbox") or route.method == "HEAD":
            continue
        found.append((route.method, re.sub(r"\{[^}]+\}", "x1", path)))
    return sorted(set(found))


# Routes the vendors serve without credentials (documented so; each must still change nothing).
PUBLIC = {
    ("GET", "/v1/paymentWidgets.js"),  # opp.md E10: loaded by the shopper's browser (with its CSS)
    ("GET", "/v1/paymentWidgets.css"),
    ("GET", "/v1/resultcodes"),  # opp.md E14: public list
    ("GET", "/v1/threeDSecure/x1"),  # the shopper's browser follows the 3-D Secure redirect
    ("POST", "/v1/threeDSecure/x1"),  # (a form POST of the redirect's parameters, opp.md §13.8)
    ("GET", "/v1/approval/x1"),  # ... and the PayPal approval redirect (opp.md §13.1)
    ("GET", "/v1/checkouts/x1/widget"),  # the widget frame the shopper's browser opens
    ("POST", "/v1/checkouts/x1/payment"),  # the widget's form posts from the shopper's browser
    ("POST", "/v1/checkouts/x1/registration"),
    # paymentService 3-D Secure pages the shopper's browser posts to (wpg.md §11.1, §11.2)
    ("POST", "/jsp/test/shopper/ThreeDResponseSimulator.jsp"),
    ("POST", "/jsp/test/shopper/GenerateThreeDSPares.jsp"),
    ("POST", "/shopper/3ds/challenge.html"),
    ("POST", "/shopper/3ds/challenge-complete.html"),
    ("POST", "/shopper/3ds/ddc.html"),
}


def test_strict_credentials_refuse_wrong_credentials_on_every_route(start_sandbox, tmp_path):
    """DESIGN §3 / README "Tenants and credentials": with --credentials only listed ones pass."""
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({
        "access": [{"username": "shop1", "password": "s3cret"}],
        "opp": [{"bearer": "GOOD", "entities": ["e1"]}],
        "wpg": [{"username": "MYMERCHANT", "password": "xmlpass"}],
    }))
    proc = start_sandbox("--credentials", str(creds))
    url = proc.url
    requests.post(url + "/_sandbox/clock", json={"freeze": True}, timeout=10)
    before = _state(url)
    routes = _routes()
    assert len(routes) >= 5, routes
    wrong = {
        "/jsp": ({"Authorization": wpg_headers("MYMERCHANT", "wrong")["Authorization"], "Content-Type": "text/xml"},
                 wpg_create(merchant="MYMERCHANT")),
        "/v1": ({"Authorization": "Bearer WRONG", "Content-Type": "application/x-www-form-urlencoded"},
                b"entityId=e1&paymentBrand=VISA&card.number=4444333322221111"),
        "/": (access_headers("shop1", "wrong"), json.dumps(access_card()).encode()),
    }
    checked = []
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        headers, body = next(v for k, v in wrong.items() if path.startswith(k))
        query = "?entityId=e1" if path.startswith("/v1") else ""
        r = requests.request(method, url + path + query, headers=headers, data=body, timeout=10)
        assert r.status_code == 401, (method, path, r.status_code, r.text[:200])
        checked.append((method, path))
    # The right credentials do pass (so the 401s above are about the credentials).
    ok = requests.post(url + "/tokens", headers=access_headers("shop1", "s3cret"),
                       data=json.dumps(access_card()), timeout=10)
    assert ok.status_code == 201, ok.text
    unlisted = requests.post(url + "/tokens", headers=access_headers("intruder", "s3cret"),
                             data=json.dumps(access_card()), timeout=10)
    assert unlisted.status_code == 401
    snap = json.loads(_state(url))
    assert set(snap["tenants"]) == {"access:shop1"}, "a refused request created a tenant"
    assert json.loads(before)["tenants"] == {}
    assert {p for _, p in checked} >= {"/tokens", WPG_PATH}


def _admin_routes(url: str, token: str) -> list[tuple[str, str]]:
    doc = requests.get(url + "/_sandbox/openapi.json", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    out = [("GET", "/_sandbox/")]  # the dashboard
    for path, ops in doc["paths"].items():
        for method in ops:
            if method in ("get", "post", "put", "delete", "patch"):
                out.append((method.upper(), re.sub(r"\{[^}]+\}", "access:x", path)))
    return out


def test_admin_token_protects_every_control_plane_route(start_sandbox):
    """README "Command line": --admin-token guards /_sandbox/ except health; a refused call changes nothing."""
    proc = start_sandbox("--admin-token", "team-secret")
    url = proc.url
    good = {"Authorization": "Bearer team-secret"}
    requests.post(url + "/_sandbox/clock", json={"freeze": True}, headers=good, timeout=10)
    before = requests.get(url + "/_sandbox/state", headers=good, timeout=10).content
    routes = _admin_routes(url, "team-secret")
    assert len(routes) >= 8, routes
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Admin-Token": "team-secre"},
                        {"Authorization": "Basic dGVhbS1zZWNyZXQ="}):
            r = requests.request(method, url + path, headers=headers, json={}, timeout=10)
            if path in ("/_sandbox/health", "/_sandbox/"):
                # health is for probes; the dashboard page is a static shell that holds no data
                # (sandbox/admin/dashboard.py) and asks for the token before calling guarded JSON.
                assert r.status_code == 200
                assert "access:" not in r.text and "4444" not in r.text
            else:
                assert r.status_code == 401, (method, path, headers, r.status_code)
    assert requests.get(url + "/_sandbox/state", headers={"X-Admin-Token": "team-secret"}, timeout=10).content == before


def test_many_concurrent_slow_clients_do_not_starve_the_server(start_sandbox):
    """64 connections that never finish their headers; requests keep being answered."""
    proc = start_sandbox("--client-timeout", "2")
    socks = []
    for _ in range(64):
        s = connect(proc.url)
        s.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    results = []

    def call():
        results.append(requests.get(proc.url + "/_sandbox/health", timeout=10).status_code)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 16
    for s in socks:
        read_all(s)  # each is closed by the server (raises on the 10 s socket timeout otherwise)
        s.close()


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "x"])
def test_client_timeout_flag_refuses_nonsense(value):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--client-timeout", value])
