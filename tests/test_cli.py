"""`sandbox serve` as users start it (DESIGN §4.1; issue #2 part 4)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

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
