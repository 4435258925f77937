"""`--state FILE` (DESIGN §4.1; issue 6 part 4): round trip, kill -9 at a random moment, bad files."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time

import requests


def seed_tenant(url: str, name: str) -> None:
    snap = {"version": 1, "tenants": {f"opp:{name}": {"tokens": [], "payments": [], "data": {"checkouts": {}}, "secret": name}}}
    current = requests.get(url + "/_sandbox/state", timeout=10).json()
    current["tenants"].update(snap["tenants"])
    assert requests.put(url + "/_sandbox/state", json=current, timeout=10).status_code == 200


def wait_written(path, name: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if f"opp:{name}" in json.loads(path.read_text())["tenants"]:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"{name} never reached the state file")


def test_round_trip_and_mode_0600(start_sandbox, tmp_path):
    path = tmp_path / "state.json"
    sb = start_sandbox("--state", str(path))
    requests.post(sb.url + "/_sandbox/clock", json={"set": "2030-01-01T00:00:00Z", "freeze": True}, timeout=10)
    seed_tenant(sb.url, "a1")
    before = requests.get(sb.url + "/_sandbox/state", timeout=10).json()
    assert sb.stop() == 0  # SIGTERM: final write
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert doc["format"] == "token-sandbox-state"
    again = start_sandbox("--state", str(path))
    assert requests.get(again.url + "/_sandbox/state", timeout=10).json() == before


def test_kill_9_at_a_random_moment_leaves_a_loadable_file(start_sandbox, tmp_path):
    path = tmp_path / "state.json"
    sb = start_sandbox("--state", str(path))
    seed_tenant(sb.url, "first")
    wait_written(path, "first")
    rng = random.Random()
    for i in range(30):  # keep writing while we kill it
        seed_tenant(sb.url, f"t{i}")
        if i == 10:
            time.sleep(rng.uniform(0, 0.3))
    sb.proc.send_signal(signal.SIGKILL)
    sb.proc.wait()
    again = start_sandbox("--state", str(path))
    tenants = requests.get(again.url + "/_sandbox/state", timeout=10).json()["tenants"]
    assert "opp:first" in tenants  # everything up to the last completed write
    written = sorted(int(t[5:]) for t in tenants if t.startswith("opp:t"))
    assert written == list(range(len(written)))  # a prefix of the changes, never a torn mix


def test_corrupt_or_foreign_file_stops_the_start(tmp_path):
    for content in (b'{"version": 1, "tenants": {', b'{"some": "other app"}', b""):
        path = tmp_path / "state.json"
        path.write_bytes(content)
        r = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--state", str(path)],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, r.stderr
        assert f"{path}: not a Token Sandbox state file" in r.stderr
        assert path.read_bytes() == content  # never overwritten


def test_state_from_environment_and_missing_folder(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0"], capture_output=True, text=True,
                       timeout=30, env={**os.environ, "SANDBOX_STATE": str(tmp_path / "no" / "state.json")})
    assert r.returncode == 2 and "does not exist" in r.stderr
