"""The layout of the `--state` database (SQLite, standard library): one row per record.

    meta(key, value)               format, schema, the global clock, savedAt
    tenants(id, head)              a tenant's secret, own clock and API state (JSON)
    records(tenant, kind, id, body) one row per token or payment (JSON), kind "token" | "payment"

One row per record (schema 2) is what keeps a write's cost independent of the store: a request
that adds one token to a tenant of 200,000 writes that token's row and the tenant's small head,
not the tenant (issue 14 §3). Records keep the order the tenant holds them in (insertion order,
which listings show): an update keeps its row's rowid (UPSERT), a new record is appended, and a
tenant saved whole is deleted and inserted again in memory order. Loading reads rows by rowid.

Schema 1 (one JSON row per tenant, written by the first SQLite release) is read as it is and
converted in place once it has loaded (`upgrade`); the earlier JSON file format is handled by
persistence.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from .core.errors import SnapshotError
from .core.store import SNAPSHOT_VERSION

FORMAT = "token-sandbox-state"
SCHEMA = "2"
SQLITE_MAGIC = b"SQLite format 3\x00"
TOKEN, PAYMENT = "token", "payment"
_TABLES = (
    "CREATE TABLE tenants (id TEXT PRIMARY KEY, head TEXT NOT NULL);"
    "CREATE TABLE records (tenant TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
    " body TEXT NOT NULL, UNIQUE (tenant, kind, id));"
)
UPSERT = ("INSERT INTO records (tenant, kind, id, body) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (tenant, kind, id) DO UPDATE SET body = excluded.body")
DELETE = "DELETE FROM records WHERE tenant = ? AND kind = ? AND id = ?"


def is_database(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def connect(path: Path, create: bool) -> sqlite3.Connection:
    if create:  # created 0600 before SQLite opens it; its -wal and -shm files copy the mode
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    if create:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);" + _TABLES)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("schema", SCHEMA)])
    else:
        _schema(db, path)
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # durable against kill -9 in WAL mode (persistence.py)
    return db


def _schema(db: sqlite3.Connection, path: Path) -> str:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.DatabaseError:
        row = schema = None
    if row is None or row[0] != FORMAT:
        db.close()
        raise SnapshotError(f"{path}: not a Token Sandbox state file (an SQLite database of something "
                            "else); refusing to overwrite it")
    if schema is None or schema[0] not in ("1", SCHEMA):
        db.close()
        raise SnapshotError(f"{path}: state file schema {schema[0] if schema else None!r} is not "
                            f"{SCHEMA!r} (written by another version of the sandbox)")
    return schema[0]


def upgrade(db: sqlite3.Connection) -> bool:
    """Schema 1 kept each tenant as one JSON row: split every row into its head and records (once
    the file has loaded, so a file that does not load is left as it was). True when it did."""
    if db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] != "1":
        return False
    db.execute("BEGIN IMMEDIATE")
    try:
        old = db.execute("SELECT id, body FROM tenants").fetchall()
        db.execute("DROP TABLE tenants")  # one transaction: SQLite's DDL is transactional
        for statement in filter(str.strip, _TABLES.split(";")):
            db.execute(statement)
        for tid, body in old:
            insert_tenant(db, tid, split(tid, json.loads(body)))
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (SCHEMA,))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return True


def split(tid: str, raw: dict) -> tuple[str, list[tuple[str, str, str, str]]]:
    """One tenant snapshot (the shape of GET /_sandbox/state) as its head row and record rows."""
    head = {k: v for k, v in raw.items() if k not in ("tokens", "payments")}
    rows = [(tid, kind, str(rec.get("id") if isinstance(rec, dict) else ""), dumps(rec))
            for kind, key in ((TOKEN, "tokens"), (PAYMENT, "payments")) for rec in raw.get(key) or []]
    return dumps(head), rows


def insert_tenant(db: sqlite3.Connection, tid: str, rows: tuple[str, list]) -> None:
    """Write one tenant whole (`split()`'s rows), replacing whatever it had."""
    head, records = rows
    db.execute("INSERT OR REPLACE INTO tenants VALUES (?, ?)", (tid, head))
    db.execute("DELETE FROM records WHERE tenant = ?", (tid,))
    db.executemany("INSERT INTO records (tenant, kind, id, body) VALUES (?, ?, ?, ?)", records)


_COMPACT = json.JSONEncoder(separators=(",", ":"))  # one encoder: json.dumps builds one per call with options


def dumps(value) -> str:
    return _COMPACT.encode(value)


def load(db: sqlite3.Connection) -> dict:
    """The snapshot stored in a database (the same shape as GET /_sandbox/state)."""
    clock = db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if schema is not None and schema[0] == "1":  # a read-only look at a file not upgraded yet
        tenants = {tid: json.loads(body) for tid, body in db.execute("SELECT id, body FROM tenants")}
    else:
        tenants = _assemble(db.execute("SELECT id, head FROM tenants").fetchall(),
                            db.execute("SELECT tenant, kind, body FROM records ORDER BY rowid"))
    return {"version": SNAPSHOT_VERSION, "clock": json.loads(clock[0]) if clock else None, "tenants": tenants}


def tenant_rows(db: sqlite3.Connection, tid: str) -> dict | None:
    """One tenant as stored (for the commit check of persistence.py), None when it has no row."""
    return _assemble(db.execute("SELECT id, head FROM tenants WHERE id = ?", (tid,)).fetchall(),
                     db.execute("SELECT tenant, kind, body FROM records WHERE tenant = ? ORDER BY rowid",
                                (tid,))).get(tid)


def _assemble(heads, records) -> dict[str, dict]:
    """Tenants as GET /_sandbox/state shows them, from their head rows and their record rows (in
    rowid order, the tenant's own order). A record of no tenant, or of an unknown kind, is refused."""
    tenants = {}
    for tid, head in heads:
        t = json.loads(head)
        if isinstance(t, dict):
            t["tokens"], t["payments"] = [], []
        tenants[tid] = t
    lists = {TOKEN: "tokens", PAYMENT: "payments"}
    for tid, kind, body in records:
        t = tenants.get(tid)
        if not isinstance(t, dict) or kind not in lists:
            raise SnapshotError(f"records: a {kind!r} row of {tid!r} belongs to no tenant")
        t[lists[kind]].append(json.loads(body))
    return tenants


def read_state_file(path: str | Path) -> dict | None:
    """The snapshot in a database state file (tools and tests), opened read-only; None when absent."""
    path = Path(path)
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return load(db)
    finally:
        db.close()
