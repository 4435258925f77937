"""`--state FILE` (DESIGN §4.1; issue 6 part 4; issue 14 §3; docs/persistence.md): an SQLite database,
round trip, kill -9 under write load loses no acknowledged write, the JSON format migrated once,
bad files refused."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time

import requests

from sandbox.core.cards import luhn_ok
from sandbox.persistence import read_state_file


def seed_tenant(url: str, name: str) -> None:
    snap = {"version": 1, "tenants": {f"opp:{name}": {"tokens": [], "payments": [], "data": {"checkouts": {}}, "secret": name}}}
    current = requests.get(url + "/_sandbox/state", timeout=10).json()
    current["tenants"].update(snap["tenants"])
    assert requests.put(url + "/_sandbox/state", json=current, timeout=10).status_code == 200


def wait_written(path, name: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if f"opp:{name}" in read_state_file(path)["tenants"]:
                return
        except (OSError, ValueError, sqlite3.Error):
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
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == ("token-sandbox-state",)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()
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


def luhn_complete(body: str) -> str:
    """`body` plus its Luhn check digit (the Access API refuses a number that fails Luhn)."""
    for check in "0123456789":
        if luhn_ok(body + check):
            return body + check
    raise AssertionError(body)


def _create(url: str, n: int, acknowledged: list, stop) -> None:
    """Access creates (seed 002 "Create a new token") until stopped; records each acknowledged id."""
    session = requests.Session()
    i = 0
    while not stop.is_set():
        i += 1
        pan = luhn_complete(f"4{n:02d}{i:012d}")
        body = {"paymentInstrument": {"type": "card/front", "cardNumber": pan, "cardHolderName": "K",
                                      "cardExpiryDate": {"month": 5, "year": 2035}}, "merchant": {"entity": "default"}}
        try:
            r = session.post(url + "/tokens", json=body, timeout=5,
                             auth=(f"writer{n}", "pw"), headers={"Content-Type": "application/vnd.worldpay.tokens-v3.hal+json"})
        except requests.RequestException:
            return  # killed mid-request: not acknowledged
        if r.status_code == 201:
            acknowledged.append((f"access:writer{n}", r.json()["tokenId"]))


def test_kill_9_under_write_load_loses_no_acknowledged_write(start_sandbox, tmp_path):
    """Issue 14 §3 (docs/persistence.md): four clients create tokens as fast as they can; kill -9 at
    a random moment; after a restart every create that was answered 201 is there. Three runs."""
    path = tmp_path / "state.db"
    rng = random.Random()
    total = 0
    for run in range(3):
        sb = start_sandbox("--state", str(path))
        acknowledged: list = []
        stop = threading.Event()
        writers = [threading.Thread(target=_create, args=(sb.url, run * 10 + n, acknowledged, stop)) for n in range(4)]
        for w in writers:
            w.start()
        time.sleep(rng.uniform(0.8, 1.6))
        sb.proc.send_signal(signal.SIGKILL)
        sb.proc.wait()
        stop.set()
        for w in writers:
            w.join(10)
        assert len(acknowledged) > 20, "the writers barely ran"
        again = start_sandbox("--state", str(path))
        tenants = requests.get(again.url + "/_sandbox/state", timeout=30).json()["tenants"]
        stored = {(tid, t["id"]) for tid, t_all in tenants.items() for t in t_all["tokens"]}
        lost = [a for a in acknowledged if a not in stored]
        assert lost == [], f"run {run}: {len(lost)} of {len(acknowledged)} acknowledged creates lost"
        total += len(acknowledged)
        assert again.stop() == 0
    assert total > 60


def test_json_state_file_is_migrated_once(start_sandbox, tmp_path):
    """Issue 14 §3: a state file in the earlier JSON format is loaded, kept as FILE.json-backup,
    and converted to the database; the next start reads the database."""
    path = tmp_path / "state.json"
    snap = {"format": "token-sandbox-state", "savedAt": 1, "version": 1,
            "clock": {"now": 1893456000.0, "frozen": True},
            "tenants": {"opp:old": {"secret": "s", "clock": None, "tokens": [], "payments": [],
                                    "data": {"checkouts": {}}}}}
    path.write_text(json.dumps(snap))
    sb = start_sandbox("--state", str(path))
    state = requests.get(sb.url + "/_sandbox/state", timeout=10).json()
    assert "opp:old" in state["tenants"] and state["clock"]["now"] == 1893456000.0
    assert sb.stop() == 0
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert json.loads((tmp_path / "state.json.json-backup").read_text()) == snap
    again = start_sandbox("--state", str(path))
    assert "opp:old" in requests.get(again.url + "/_sandbox/state", timeout=10).json()["tenants"]


def test_foreign_sqlite_database_is_refused(tmp_path):
    """Issue 14 §3: an SQLite file of another application stops the start and is left alone."""
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE things (x)")
    db.commit()
    db.close()
    content = path.read_bytes()
    r = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--state", str(path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "not a Token Sandbox state file" in r.stderr, r.stderr
    assert path.read_bytes() == content


def test_hostile_database_rows_stop_the_start(tmp_path):
    """Issue 14 §12-13: a database row nested 100,000 deep, or holding a hostile value, stops the
    start with one line and exit 2 (complete validation before anything is replaced)."""
    for body in ("[" * 100_000 + "]" * 100_000, '{"tokens": [{"id": "1", "pan": "x", "createdAt": 1}]}'):
        path = tmp_path / "state.db"
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path)
        db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                         "CREATE TABLE tenants (id TEXT PRIMARY KEY, body TEXT NOT NULL);")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", "token-sandbox-state"), ("schema", "1")])
        db.execute("INSERT INTO tenants VALUES ('access:a', ?)", (body,))
        db.commit()
        db.close()
        r = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--state", str(path)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr[-500:]
        assert "cannot restore the state file" in r.stderr


def _schema_1_file(path, tenants: dict) -> None:
    """A state file as the first SQLite release wrote it: one JSON row per tenant."""
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     "CREATE TABLE tenants (id TEXT PRIMARY KEY, body TEXT NOT NULL);")
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", "token-sandbox-state"), ("schema", "1")])
    db.executemany("INSERT INTO tenants VALUES (?, ?)", [(k, json.dumps(v)) for k, v in tenants.items()])
    db.commit()
    db.close()


def test_schema_1_database_is_converted_to_one_row_per_record(start_sandbox, tmp_path):
    """Issue 14 §3 (write cost does not grow with the store): a file of the first SQLite release
    loads as it was and is converted once; tokens keep their order; the next start reads rows."""
    plain = start_sandbox()
    for pan in ("4444333322221111", "5555555555554444", "4917610000000000"):
        r = requests.post(plain.url + "/tokens", json={  # seed 002 "Create a new token"
            "paymentInstrument": {"type": "card/front", "cardNumber": pan, "cardHolderName": "S Holmes",
                                  "cardExpiryDate": {"month": 5, "year": 2035}},
            "merchant": {"entity": "default"}},
            headers={"Authorization": "Basic " + base64.b64encode(b"shop:pw").decode(),
                     "Content-Type": "application/vnd.worldpay.tokens-v3.hal+json"}, timeout=10)
        assert r.status_code == 201, r.text
    before = requests.get(plain.url + "/_sandbox/state", timeout=10).json()["tenants"]
    path = tmp_path / "state.db"
    _schema_1_file(path, before)
    sb = start_sandbox("--state", str(path))
    assert requests.get(sb.url + "/_sandbox/state", timeout=10).json()["tenants"] == before
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("2",)
    assert db.execute("SELECT COUNT(*) FROM records WHERE kind = 'token'").fetchone() == (3,)
    db.close()
    assert sb.stop() == 0
    again = start_sandbox("--state", str(path))
    assert requests.get(again.url + "/_sandbox/state", timeout=10).json()["tenants"] == before


def test_hostile_record_rows_stop_the_start_and_leave_the_file(tmp_path):
    """Issue 14 §12: a record row of no tenant, or not JSON, stops the start with one line."""
    for kind, owner, body in (("token", "access:nobody", "{}"), ("token", "access:a", "{not json"),
                              ("mystery", "access:a", "{}")):
        path = tmp_path / "state.db"
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path)
        db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                         "CREATE TABLE tenants (id TEXT PRIMARY KEY, head TEXT NOT NULL);"
                         "CREATE TABLE records (tenant TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
                         " body TEXT NOT NULL, UNIQUE (tenant, kind, id));")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", "token-sandbox-state"), ("schema", "2")])
        db.execute("INSERT INTO tenants VALUES ('access:a', ?)", ('{"secret": "s", "data": {}}',))
        db.execute("INSERT INTO records VALUES (?, ?, '1', ?)", (owner, kind, body))
        db.commit()
        db.close()
        content = _dump(path)
        r = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--state", str(path)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr[-500:]
        assert "cannot restore the state file" in r.stderr
        assert _dump(path) == content  # the rows as they were (SQLite itself may mark the header WAL)


def _dump(path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()
