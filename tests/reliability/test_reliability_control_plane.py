"""Issue 14 §5-§7 and §14: no web page reaches the control plane (README "Reliability",
docs/reliability.md "Control-plane security model").

A page on another origin can send text/plain, form and multipart bodies without a CORS preflight,
and an Origin header comes with every browser write; DNS rebinding reaches the sandbox under a
foreign Host name. Each of these is refused here, over real HTTP.
"""

from __future__ import annotations

import socket
import threading

import requests
from reliability_helpers import freeze, unchanged

RULE = b'{"path": "/x", "status": 500, "body": "<script>fetch(\'/_sandbox/state\')</script>", "contentType": "text/html"}'


def test_control_plane_writes_need_application_json(http):
    """Issue 14 §5: text/plain, form, multipart and a missing Content-Type are CORS "simple"
    requests any page can send; all are refused with 415 and change nothing."""
    freeze(http)
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        headers = {"Content-Type": ctype} if ctype else {}
        with unchanged(http, ctype):
            r = http.post("/_sandbox/faults", data=RULE, headers=headers)
            assert r.status_code == 415, (ctype, r.text)
            r = http.post("/_sandbox/clock", data=b'{"advance": "P1D"}', headers=headers)
            assert r.status_code == 415, (ctype, r.text)
        assert http.get("/_sandbox/faults").json()["rules"] == []
    r = http.post("/_sandbox/fixtures", data=b"version: 1", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_foreign_origin_cannot_write(http, sandbox):
    """Issue 14 §5: a browser write from another origin (reset, clock, faults) is refused 403;
    the sandbox's own origin (the dashboard) may write."""
    freeze(http)
    for origin in ("http://evil.example", "null", "http://127.0.0.1:1"):
        with unchanged(http, origin):
            r = http.post("/_sandbox/faults", data=RULE, headers={"Content-Type": "application/json", "Origin": origin})
            assert r.status_code == 403 and r.json()["error"] == "forbidden", r.text
            assert http.post("/_sandbox/reset", headers={"Origin": origin}).status_code == 403
            assert http.post("/_sandbox/clock", json={"advance": "P1D"}, headers={"Origin": origin}).status_code == 403
    r = http.post("/_sandbox/clock", json={"freeze": True}, headers={"Origin": sandbox.url})
    assert r.status_code == 200, r.text


def test_foreign_host_is_refused(http, sandbox):
    """Issue 14 §5 (DNS rebinding): a Host name that is not this sandbox gets 421 before any
    handler; IP literals and localhost names pass."""
    port = sandbox.url.rsplit(":", 1)[1]
    for host in (f"rebind.evil.example:{port}", "attacker.test", f"localhost.evil.example:{port}"):
        r = http.get("/_sandbox/state", headers={"Host": host})
        assert r.status_code == 421 and r.json()["error"] == "misdirectedRequest", (host, r.text)
        assert http.get("/_sandbox/", headers={"Host": host}).status_code == 421
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "app.localhost", f"[::1]:{port}"):
        assert http.get("/_sandbox/state", headers={"Host": host}).status_code == 200, host


def test_allow_host_flag_and_environment(start_sandbox):
    """Issue 14 §5: `--allow-host NAME` (and SANDBOX_ALLOW_HOST) names a further Host."""
    proc = start_sandbox("--allow-host", "sandbox.internal")
    assert requests.get(proc.url + "/_sandbox/state", headers={"Host": "sandbox.internal"}, timeout=10).status_code == 200
    assert requests.get(proc.url + "/_sandbox/state", headers={"Host": "other.internal"}, timeout=10).status_code == 421
    proc = start_sandbox(env={"SANDBOX_ALLOW_HOST": "a.internal, b.internal"})
    for host in ("a.internal", "b.internal"):
        assert requests.get(proc.url + "/_sandbox/state", headers={"Host": host}, timeout=10).status_code == 200


def test_off_loopback_bind_generates_and_prints_an_admin_token(start_sandbox):
    """Issue 14 §7: binding beyond loopback without --admin-token prints a generated token once;
    the control plane needs it."""
    proc = start_sandbox("--host", "0.0.0.0")
    lines = [line for line in proc.output if "admin token" in line]
    assert len(lines) == 1, proc.output
    token = lines[0].rsplit(" ", 1)[1].strip()
    url = proc.url.replace("0.0.0.0", "127.0.0.1")
    assert requests.get(url + "/_sandbox/state", timeout=10).status_code == 401
    r = requests.get(url + "/_sandbox/state", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200
    assert requests.get(url + "/_sandbox/health", timeout=10).status_code == 200
    quiet = start_sandbox()  # loopback: no token, nothing printed
    assert not any("admin token" in line for line in quiet.output)


def test_fixture_cannot_add_detokenise_credentials_without_admin_token(start_sandbox, tmp_path):
    """Issue 14 §7: with --credentials and no admin token, a posted fixture granting detokenize is
    refused (403); other credentials may still be added."""
    creds = tmp_path / "creds.yaml"
    creds.write_text("access:\n  - {username: shop, password: pw}\n")
    proc = start_sandbox("--credentials", str(creds))
    grant = b'{"version": 1, "credentials": {"access": [{"username": "me", "password": "x", "detokenize": true}]}}'
    r = requests.post(proc.url + "/_sandbox/fixtures", data=grant, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 403 and "detokenise" in r.json()["message"], r.text
    plain = b'{"version": 1, "credentials": {"access": [{"username": "me", "password": "x"}]}}'
    r = requests.post(proc.url + "/_sandbox/fixtures", data=plain, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 200, r.text
    guarded = start_sandbox("--credentials", str(creds), "--admin-token", "t0k")
    r = requests.post(guarded.url + "/_sandbox/fixtures", data=grant, timeout=10,
                      headers={"Content-Type": "application/json", "Authorization": "Bearer t0k"})
    assert r.status_code == 200, r.text


def test_one_click_example_calls_its_own_address_not_the_host_header(http, sandbox):
    """Issue 14 §6 (SSRF): the example's server-side calls go to the sandbox's bound address, even
    when the Host header names another port; the merchant bearer never reaches that port."""
    trap = socket.socket()
    trap.bind(("127.0.0.1", 0))
    trap.listen(4)
    trap.settimeout(3)
    hits: list[bytes] = []

    def watch():
        try:
            conn, _ = trap.accept()
            hits.append(conn.recv(4096))
            conn.close()
        except OSError:
            pass

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        r = http.get("/_sandbox/examples/one-click", headers={"Host": f"127.0.0.1:{trap.getsockname()[1]}"})
        assert r.status_code == 200 and 'id="checkout-id"' in r.text, r.text[:300]
        watcher.join(4)
        assert hits == [], hits
    finally:
        trap.close()
        http.post("/_sandbox/reset")


def test_one_click_head_creates_nothing_and_admin_token_is_honoured(http, start_sandbox):
    """Issue 14 §6: HEAD creates no checkout; with --admin-token the example needs the token."""
    freeze(http)
    with unchanged(http, "HEAD one-click"):
        assert http.head("/_sandbox/examples/one-click").status_code == 200
    proc = start_sandbox("--admin-token", "s3cret")
    assert requests.get(proc.url + "/_sandbox/examples/one-click", timeout=10).status_code == 401
    r = requests.get(proc.url + "/_sandbox/examples/one-click", headers={"X-Admin-Token": "s3cret"}, timeout=10)
    assert r.status_code == 200, r.text[:300]


def test_html_pages_carry_security_headers(http):
    """Issue 14 §14: dashboard and example pages carry a CSP, nosniff and frame options; a fault
    rule's own body is served with `Content-Security-Policy: sandbox`."""
    for path in ("/_sandbox/", "/_sandbox/examples/one-click"):
        r = http.get(path)
        assert r.status_code == 200
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    try:
        r = http.post("/_sandbox/faults", data=RULE, headers={"Content-Type": "application/json"})
        assert r.status_code == 201, r.text
        r = http.get("/x")
        assert r.status_code == 500 and r.headers["Content-Type"].startswith("text/html")
        assert r.headers["Content-Security-Policy"] == "sandbox" and r.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        http.delete("/_sandbox/faults")
        http.post("/_sandbox/reset")
