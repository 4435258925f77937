"""`--state FILE`: the store kept in an SQLite database (standard library), one row per tenant.

Durability (issue 14 §3): a request that changed the store is answered only after its change is
committed (`flush()`, awaited by the middleware before the response is sent), so an acknowledged
write survives `kill -9`. The database runs in WAL mode with `synchronous=NORMAL`: a commit
appends to the write-ahead log with a write() the kernel holds on the process's behalf, so a
killed process loses nothing it committed; only a power cut or kernel crash can lose the last
commits (FULL would add an fsync per commit for that case; docs/persistence.md).

Cost (issue 14 §3): a write saves only the tenants it changed (`Store.unsaved`), so its cost is the
size of those tenants, not of the store. The changed tenants are picked on the event loop
and serialised and written by one database thread, so the event loop never waits on the disk or
on a big tenant's JSON. Concurrent requests share commits (group commit).

`GET /_sandbox/state` stays the readable JSON export of memory. A state file in the earlier JSON
format is validated, copied to `FILE.json-backup`, and migrated into the database once. A file
that is neither stops the start with a clear error (exit 2) and is never overwritten. The file is
created with mode 0600: it holds card numbers and tenant secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiohttp import web

from .core.errors import SnapshotError
from .core.store import SNAPSHOT_VERSION, Store, Tenant

FORMAT = "token-sandbox-state"
SCHEMA = "1"
SQLITE_MAGIC = b"SQLite format 3\x00"
SWITCH_INTERVAL = 0.0005  # seconds
POLL = 0.25  # seconds: how often changes made outside a request (notifications) are saved
log = logging.getLogger("sandbox.state")


class StateWriteError(Exception):
    """The database refused a commit (disk full, file removed): the request is answered 503."""


# -- the earlier JSON format (read for migration and by tools) --------------------------------
def read_state(path: Path) -> dict | None:
    """The JSON snapshot in `path`, None when the file does not exist; SnapshotError when unusable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SnapshotError(f"{path}: cannot read the state file: {e.strerror}") from None
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise SnapshotError(f"{path}: not a Token Sandbox state file (not valid JSON: {e}); "
                            "fix it, or remove it to start empty") from None
    except RecursionError:  # e.g. 100,000 nested arrays: one clear line and exit 2, not a traceback
        raise SnapshotError(f"{path}: not a Token Sandbox state file (nested too deeply)") from None
    if not isinstance(doc, dict) or "tenants" not in doc or doc.get("format", FORMAT) != FORMAT:
        raise SnapshotError(f"{path}: not a Token Sandbox state file (expected a JSON object with "
                            f"\"format\": \"{FORMAT}\" and \"tenants\"); refusing to overwrite it")
    return doc


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file, fsync and rename: readers see the old or the new file, whole."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- the database -----------------------------------------------------------------------------
def is_database(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _connect(path: Path, create: bool) -> sqlite3.Connection:
    if create:  # created 0600 before SQLite opens it; its -wal and -shm files copy the mode
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    if create:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE tenants (id TEXT PRIMARY KEY, body TEXT NOT NULL);"
        )
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("schema", SCHEMA)])
    else:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError:
            row = schema = None
        if row is None or row[0] != FORMAT:
            db.close()
            raise SnapshotError(f"{path}: not a Token Sandbox state file (an SQLite database of something "
                                "else); refusing to overwrite it")
        if schema is None or schema[0] != SCHEMA:
            db.close()
            raise SnapshotError(f"{path}: state file schema {schema[0] if schema else None!r} is not "
                                f"{SCHEMA!r} (written by another version of the sandbox)")
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # durable against kill -9 in WAL mode (module docstring)
    return db


def load_database(db: sqlite3.Connection) -> dict:
    """The snapshot stored in a database (the same shape as GET /_sandbox/state)."""
    clock = db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    tenants = {tid: json.loads(body) for tid, body in db.execute("SELECT id, body FROM tenants")}
    return {"version": SNAPSHOT_VERSION, "clock": json.loads(clock[0]) if clock else None, "tenants": tenants}


def read_state_file(path: str | Path) -> dict | None:
    """The snapshot in a state file of either format (tools and tests); None when absent."""
    path = Path(path)
    if not is_database(path):
        return read_state(path)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return load_database(db)
    finally:
        db.close()


class StateFile:
    WriteError = StateWriteError  # for the middleware, which does not import this module

    def __init__(self, path: str | Path, store: Store) -> None:
        self.path = Path(path).absolute()
        self.store = store
        self.writes = 0  # commits made
        self._db: sqlite3.Connection | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-state")
        # The database thread serialises changed tenants while holding the GIL; a shorter switch
        # interval (default 5 ms) lets the event loop thread back in sooner, so reads such as
        # /_sandbox/health do not wait a whole interval behind a big tenant's JSON (docs/persistence.md).
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Task | None = None

    # -- start ---------------------------------------------------------------------------------
    def restore(self) -> bool:
        """Load the file into the store (True), or create it (False). Errors stop the start."""
        if not self.path.parent.is_dir():
            raise SnapshotError(f"{self.path}: the folder {self.path.parent} does not exist")
        existed = self.path.exists()
        if existed and not is_database(self.path):
            self._migrate()
        try:
            self._db = _connect(self.path, create=not existed)
            if existed:
                snap = load_database(self._db)
                try:
                    self.store.restore(snap)
                except SnapshotError as e:
                    raise SnapshotError(f"{self.path}: cannot restore the state file: {e}") from None
        except (sqlite3.Error, OSError) as e:
            raise SnapshotError(f"{self.path}: cannot use the state file: {e}") from None
        except SnapshotError:  # before ValueError, its base class
            if self._db is not None:
                self._db.close()
            raise
        except (ValueError, RecursionError) as e:  # a row that is not JSON, or nested absurdly deep
            if self._db is not None:
                self._db.close()
            raise SnapshotError(f"{self.path}: cannot restore the state file: a stored row is not a "
                                f"tenant snapshot ({type(e).__name__})") from None
        # From here on the store tells us what changed; everything it holds now is (about to be) saved.
        self.store.unsaved = set() if existed else set(self.store.tenants)
        try:
            self._commit(self._collect())  # proves the file is writable before we say we are ready
        except (sqlite3.Error, OSError) as e:
            raise SnapshotError(f"{self.path}: cannot write the state file: {e}") from None
        return existed

    def _migrate(self) -> None:
        """A state file in the earlier JSON format: validate, back up, convert (once)."""
        doc = read_state(self.path)
        snap = {k: v for k, v in doc.items() if k not in ("format", "savedAt")}
        try:
            Store.parse_snapshot(snap)  # complete validation before anything is written
        except SnapshotError as e:
            raise SnapshotError(f"{self.path}: cannot restore the state file: {e}") from None
        backup = self.path.with_name(self.path.name + ".json-backup")
        write_atomic(backup, self.path.read_bytes())
        tmp = self.path.with_name(f".{self.path.name}.migrating")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        db = _connect(tmp, create=True)
        try:
            db.execute("BEGIN")
            db.executemany("INSERT INTO tenants VALUES (?, ?)",
                           ((tid, json.dumps(raw)) for tid, raw in snap["tenants"].items()))
            if snap.get("clock") is not None:
                db.execute("INSERT INTO meta VALUES ('clock', ?)", (json.dumps(snap["clock"]),))
            db.execute("COMMIT")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        os.replace(tmp, self.path)  # the JSON file is replaced whole; its copy stays as the backup
        log.info("migrated the JSON state file %s to SQLite (the JSON is kept as %s)", self.path, backup)

    # -- saving --------------------------------------------------------------------------------
    def _collect(self) -> tuple[list[tuple[str, Tenant]], list[str], str]:
        """The changed tenants (objects, not yet serialised) and the global clock, taken on the loop."""
        store = self.store
        changed, store.unsaved = store.unsaved or set(), set()
        upserts, deletes = [], []
        for tid in changed:
            tenant = store.tenants.get(tid)
            if tenant is None:
                deletes.append(tid)
            else:
                upserts.append((tid, tenant))
        return upserts, deletes, json.dumps(store.clock.to_dict())

    @staticmethod
    def _serialise(tenant: Tenant) -> str:
        """A tenant as JSON, read from the database thread while the event loop keeps running.

        Handlers may change the tenant meanwhile: a dict that changes size mid-read raises
        RuntimeError and is simply read again. A value read mid-change is at worst newer than the
        request that asked for this commit, and the request that changed it commits again after."""
        for _ in range(1000):
            try:
                return json.dumps(tenant.to_dict(), separators=(",", ":"))
            except RuntimeError:
                time.sleep(0.001)  # let the loop finish what it was changing
        raise sqlite3.OperationalError("the tenant kept changing while it was being saved")

    def _commit(self, rows: tuple[list[tuple[str, Tenant]], list[str], str]) -> None:
        """One transaction (runs in the database thread, or at start and exit). Serialising here
        keeps the cost of a big tenant off the event loop."""
        upserts = [(tid, self._serialise(tenant)) for tid, tenant in rows[0]]
        deletes, clock = rows[1], rows[2]
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if upserts:
                db.executemany("INSERT OR REPLACE INTO tenants VALUES (?, ?)", upserts)
            if deletes:
                db.executemany("DELETE FROM tenants WHERE id = ?", [(tid,) for tid in deletes])
            db.execute("INSERT OR REPLACE INTO meta VALUES ('clock', ?)", (clock,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('savedAt', ?)", (str(time.time()),))
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        self.writes += 1

    async def flush(self) -> None:
        """Commit every change made so far; returns once it is in the database.

        A request awaits this before its response is sent. While one commit runs, later requests
        queue on the lock and the next holder commits all their changes at once."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self.store.unsaved:
                return  # an earlier holder's commit already carried our change
            rows = self._collect()
            try:
                await asyncio.get_running_loop().run_in_executor(self._pool, self._commit, rows)
            except (sqlite3.Error, OSError) as e:
                self.store.unsaved.update(tid for tid, _ in rows[0])  # tried again by the next flush
                self.store.unsaved.update(rows[1])
                log.error("cannot write the state file %s: %s", self.path, e)
                raise StateWriteError(str(e)) from None

    async def _watch(self) -> None:
        """Saves changes no request waits for (notification deliveries in the background)."""
        while True:
            await asyncio.sleep(POLL)
            if self.store.unsaved:
                with contextlib.suppress(StateWriteError):
                    await self.flush()

    def attach(self, app: web.Application) -> None:
        async def start(app: web.Application) -> None:
            self._task = asyncio.get_running_loop().create_task(self._watch())

        async def stop(app: web.Application) -> None:
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            try:
                await self.flush()
            except StateWriteError:
                pass
            self.close()

        app.on_startup.append(start)
        app.on_cleanup.append(stop)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
            self._db = None
