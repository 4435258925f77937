"""`sandbox serve` as users start it (DESIGN §4.1; issue #2 part 4)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from sandbox.client import SandboxProcess


def test_serve_port_zero_prints_ready_line_and_serves_health():
    with SandboxProcess("--port", "0") as proc:
        assert proc.url.startswith("http://127.0.0.1:")
        assert requests.get(proc.url + "/_sandbox/health", timeout=10).status_code == 200
    assert proc.proc.returncode == 0  # SIGTERM is a graceful, successful stop


def test_environment_variables_configure_the_server():
    proc = SandboxProcess(env={"SANDBOX_PORT": "0", "SANDBOX_MODE": "live"})
    try:
        assert requests.get(proc.url + "/_sandbox/health", timeout=10).json()["mode"] == "live"
    finally:
        assert proc.stop(signal.SIGINT) == 0


def test_python_dash_m_sandbox_and_bad_flags():
    out = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "99999"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "port" in out.stderr
    out = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--mode", "prod"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "mode" in out.stderr


def test_port_in_use_is_a_clear_error():
    with SandboxProcess() as first:
        port = first.url.rsplit(":", 1)[1]
        out = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", port],
                             capture_output=True, text=True, timeout=30, env=os.environ)
        assert out.returncode == 2 and "cannot listen" in out.stderr


def test_strict_credentials_file_refuses_unlisted(tmp_path):
    creds = tmp_path / "creds.yaml"
    creds.write_text("access:\n  - {username: shop, password: s3cret}\n")
    with SandboxProcess("--credentials", str(creds)) as proc:
        assert requests.get(proc.url + "/_sandbox/health", timeout=10).status_code == 200


def test_bad_credentials_file_exits_non_zero(tmp_path):
    creds = tmp_path / "creds.yaml"
    creds.write_text("access:\n  - {username: shop}\n")
    out = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--credentials", str(creds)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "credentials.access[0].password" in out.stderr


def test_admin_token_protects_the_control_plane():
    with SandboxProcess("--admin-token", "t0k") as proc:
        assert requests.get(proc.url + "/_sandbox/health", timeout=10).status_code == 200
        assert requests.get(proc.url + "/_sandbox/state", timeout=10).status_code == 401
        ok = requests.get(proc.url + "/_sandbox/state", headers={"Authorization": "Bearer t0k"}, timeout=10)
        assert ok.status_code == 200


# -- issue 13: version, per-request log, package data check, shipped examples ----------------------

def test_version_flag_prints_the_package_version():
    """Issue 13 "CLI": `sandbox --version` names the installed release."""
    from sandbox import __version__

    out = subprocess.run([sys.executable, "-m", "sandbox", "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stdout.strip() == f"Token Sandbox {__version__}", out


def _wait_for(proc: SandboxProcess, needle: str, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = [line for line in list(proc.output) if needle in line]
        if lines:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"no log line with {needle!r} in:\n{''.join(proc.output)}")


def test_one_text_log_line_per_request_without_card_data():
    """Issue 13 "CLI": at info, one line per request with method, path, API, tenant, status, ms
    and request id; a card number in the path is masked, the body never appears."""
    with SandboxProcess() as proc:
        r = requests.post(proc.url + "/v1/registrations", headers={"Authorization": "Bearer x"}, timeout=10,
                          data={"entityId": "8a8294174b7ecb28014b9699220015cc", "paymentBrand": "VISA",
                                "card.number": "4200000000000000", "card.holder": "Jane Jones",
                                "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "123"})
        rid = r.headers["X-Request-Id"]
        (line,) = _wait_for(proc, rid)
        assert "POST /v1/registrations 200 api=opp tenant=opp:8a8294174b7ecb28014b9699220015cc" in line, line
        assert "ms id=" in line and " INFO sandbox.access" in line, line
        requests.get(proc.url + "/tokens/4200000000000000", timeout=10)
        _wait_for(proc, "GET /tokens/4200********0000 401")
    logged = "".join(proc.output)
    assert "4200000000000000" not in logged and "Jane Jones" not in logged


def test_json_log_format_from_the_environment():
    """Issue 13 "CLI": SANDBOX_LOG_FORMAT=json writes one JSON object per line with the fields."""
    with SandboxProcess(env={"SANDBOX_LOG_FORMAT": "json"}) as proc:
        rid = requests.get(proc.url + "/_sandbox/health", timeout=10).headers["X-Request-Id"]
        (line,) = _wait_for(proc, rid)
    entry = json.loads(line)
    assert {k: entry[k] for k in ("level", "logger", "method", "path", "api", "tenant", "status")} == {
        "level": "info", "logger": "sandbox.access", "method": "GET", "path": "/_sandbox/health",
        "api": "admin", "tenant": None, "status": 200}
    assert entry["request_id"] == rid and isinstance(entry["ms"], float) and entry["time"].endswith("Z")


def test_warning_level_has_no_request_lines():
    with SandboxProcess("--log-level", "warning") as proc:
        requests.get(proc.url + "/_sandbox/health", timeout=10)
        time.sleep(0.3)
    assert "sandbox.access" not in "".join(proc.output)


def test_missing_package_data_is_one_clear_line_and_exit_2(tmp_path):
    """Issue 13 "Package data": an installation without a data file refuses to start, naming it."""
    import sandbox

    copy = tmp_path / "sandbox"
    shutil.copytree(Path(sandbox.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "apis" / "wpg" / "grammar" / "paymentService_sandbox.dtd").unlink()
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0"], capture_output=True,
                         text=True, timeout=30, env=env, cwd=tmp_path)
    assert out.returncode == 2, out
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("sandbox: incomplete installation") and "paymentService_sandbox.dtd" in line, line


def test_every_required_data_file_is_in_the_package():
    from sandbox import data

    assert data.missing() == []
    assert set(data.examples()) == {"account-updater", "expiring", "failing-gateway", "full-owner",
                                    "returning-shopper"}


def test_shipped_example_fixture_by_name_and_unknown_name():
    """Issue 13: example fixtures ship inside the package; `--fixtures example:NAME` loads one."""
    with SandboxProcess("--fixtures", "example:failing-gateway") as proc:
        rules = requests.get(proc.url + "/_sandbox/faults", timeout=10).json()["rules"]
        assert {r["id"] for r in rules} == {"wpg-retry", "opp-down"}
    out = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--fixtures", "example:nope"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "example:failing-gateway" in out.stderr, out
    listed = subprocess.run([sys.executable, "-m", "sandbox", "examples"], capture_output=True, text=True, timeout=30)
    assert "example:returning-shopper\t" in listed.stdout and listed.returncode == 0
