"""`--state FILE`: the store kept in an SQLite database (standard library), one row per record.

Durability (issue 14 §3): a request that changed the store is answered only after its change is
committed (`flush()`, awaited by the middleware before the response is sent), so an acknowledged
write survives `kill -9`. The database runs in WAL mode with `synchronous=NORMAL`: a commit
appends to the write-ahead log with a write() the kernel holds on the process's behalf, so a
killed process loses nothing it committed; only a power cut or kernel crash can lose the last
commits (FULL would add an fsync per commit for that case; docs/persistence.md).

Cost (issue 14 §3): a write saves only what it changed, so its cost does not grow with the store.
The store names the tenants changed (`Store.unsaved`); a write declared `whole=False` also has
the tenant's books name the tokens and payments it added, removed or touched, and only those rows
and the tenant's small head are written (state_db.py has the layout). Other writes (fixtures,
reset, restore, rare operations) save their tenant whole. What changed is picked on the event
loop and serialised and written by one database thread, so the event loop never waits on the disk.
Concurrent requests share commits (group commit). `SANDBOX_STATE_CHECK=1` re-reads each commit
and compares it with memory (`StateFile._check`): the suite runs with it (`make test-durable`).

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

from . import state_db
from .core.errors import SnapshotError
from .core.store import Store, Tenant
from .state_db import FORMAT, PAYMENT, TOKEN, is_database

CLOCK = "\x00clock"  # StateFile._written's key for the global clock (no tenant id starts so)
SWITCH_INTERVAL = 0.0005  # seconds
POLL = 0.25  # seconds: how often changes made outside a request (notifications) are saved
log = logging.getLogger("sandbox.state")


class StateWriteError(Exception):
    """The database refused a commit (disk full, file removed): the request is answered 503."""


class Batch:
    """One commit's worth of changes (StateFile._collect)."""

    __slots__ = ("clock", "whole", "heads", "records", "gone")

    def __init__(self, clock: str) -> None:
        self.clock = clock
        self.whole: list[Tenant] = []
        self.heads: list[Tenant] = []
        self.records: list[tuple[str, str, str, object]] = []  # (tenant, kind, id, record or None)
        self.gone: list[str] = []

    def tenant_ids(self) -> set[str]:
        return {t.id for t in self.whole} | {t.id for t in self.heads} | set(self.gone)


def _retrying(serialise):
    """`serialise()` run from the database thread while the event loop keeps running.

    Handlers may change a record meanwhile: a dict that changes size mid-read raises RuntimeError
    and is simply read again. A value read mid-change is at worst newer than the request that
    asked for this commit, and the request that changed it commits again after."""
    for _ in range(1000):
        try:
            return serialise()
        except RuntimeError:
            time.sleep(0.001)  # let the loop finish what it was changing
    raise sqlite3.OperationalError("a record kept changing while it was being saved")


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


def read_state_file(path: str | Path) -> dict | None:
    """The snapshot in a state file of either format (tools and tests); None when absent."""
    path = Path(path)
    return state_db.read_state_file(path) if state_db.is_database(path) else read_state(path)


class StateFile:
    WriteError = StateWriteError  # for the middleware, which does not import this module

    def __init__(self, path: str | Path, store: Store) -> None:
        self.path = Path(path).absolute()
        self.store = store
        self.writes = 0  # commits made
        # What the database holds for each tenant's head and the clock, as written: a commit skips
        # the rows that would not change (most writes change a record, not the head). Only the
        # database thread (or start and exit) touches it.
        self._written: dict[str, str] = {}
        self._committed = -1  # Store.version as of the last batch committed
        self._db: sqlite3.Connection | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-state")
        # The database thread serialises changed tenants while holding the GIL; a shorter switch
        # interval (default 5 ms) lets the event loop thread back in sooner, so reads such as
        # /_sandbox/health do not wait a whole interval behind a big tenant's JSON (docs/persistence.md).
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._running: asyncio.Future | None = None  # the commit in progress (flush)
        self._task: asyncio.Task | None = None
        self.check = os.environ.get("SANDBOX_STATE_CHECK") == "1"  # _check: a developer's self-test

    # -- start ---------------------------------------------------------------------------------
    def restore(self) -> bool:
        """Load the file into the store (True), or create it (False). Errors stop the start."""
        if not self.path.parent.is_dir():
            raise SnapshotError(f"{self.path}: the folder {self.path.parent} does not exist")
        existed = self.path.exists()
        if existed and not is_database(self.path):
            self._migrate()
        try:
            self._db = state_db.connect(self.path, create=not existed)
            if existed:
                try:
                    self.store.restore(state_db.load(self._db))
                except SnapshotError as e:
                    raise SnapshotError(f"{self.path}: cannot restore the state file: {e}") from None
                if state_db.upgrade(self._db):
                    log.info("converted the state file %s to one row per record (schema %s)",
                             self.path, state_db.SCHEMA)
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
        # From here on the store tells us what changed. What was loaded is what the file holds, so
        # each tenant starts recording its changed records now and its first write is not a whole one.
        self.store.unsaved, self.store.rewrite = set(), set()
        if existed:
            for tenant in self.store.tenants.values():
                tenant.track()
        else:
            self.store.unsaved.update(self.store.tenants)  # fixtures loaded before the file existed
        try:
            self._commit(self._collect())  # proves the file is writable before we say we are ready
            self._committed = self.store.version
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
        db = state_db.connect(tmp, create=True)
        try:
            db.execute("BEGIN")
            for tid, raw in snap["tenants"].items():
                state_db.insert_tenant(db, tid, state_db.split(tid, raw))
            if snap.get("clock") is not None:
                db.execute("INSERT INTO meta VALUES ('clock', ?)", (json.dumps(snap["clock"]),))
            db.execute("COMMIT")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        os.replace(tmp, self.path)  # the JSON file is replaced whole; its copy stays as the backup
        log.info("migrated the JSON state file %s to SQLite (the JSON is kept as %s)", self.path, backup)

    # -- saving --------------------------------------------------------------------------------
    def _collect(self) -> Batch:
        """What changed since the last commit, taken on the event loop: objects, not yet serialised.

        A tenant saved whole (new, reset, restored, or written without `whole=False`) is its
        object; any other changed tenant is its head plus the tokens and payments its books
        logged, each either the record (saved) or None (gone: its row is deleted)."""
        store = self.store
        changed, store.unsaved = store.unsaved or set(), set()
        rewrite, store.rewrite = store.rewrite, set()
        batch = Batch(json.dumps(store.clock.to_dict()))
        for tid in changed:
            tenant = store.tenants.get(tid)
            if tenant is None:
                batch.gone.append(tid)
            elif tid in rewrite or not tenant.tracked:
                tenant.track()
                batch.whole.append(tenant)
            else:
                tokens, payments = tenant.track()
                batch.heads.append(tenant)
                batch.records.extend((tid, TOKEN, i, tenant.tokens.by_id.get(i)) for i in tokens)
                batch.records.extend((tid, PAYMENT, i, tenant.payments.get(i)) for i in payments)
        return batch

    def _commit(self, batch: Batch) -> None:
        """One transaction (runs in the database thread, or at start and exit). Serialising here
        keeps the cost of a big tenant off the event loop."""
        whole = [(t.id, _retrying(lambda t=t: state_db.split(t.id, t.to_dict()))) for t in batch.whole]
        written = self._written
        heads = [(t.id, head) for t in batch.heads
                 if written.get(t.id) != (head := _retrying(lambda t=t: state_db.dumps(t.head())))]
        clock = batch.clock if written.get(CLOCK) != batch.clock else None
        upserts, deletes = [], []
        for tid, kind, rid, rec in batch.records:
            if rec is None:
                deletes.append((tid, kind, rid))
            else:
                upserts.append((tid, kind, rid, _retrying(lambda r=rec: state_db.dumps(r.to_dict()))))
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for tid, rows in whole:
                state_db.insert_tenant(db, tid, rows)
            if heads:
                db.executemany("INSERT OR REPLACE INTO tenants VALUES (?, ?)", heads)
            if upserts:
                db.executemany(state_db.UPSERT, upserts)
            if deletes:
                db.executemany(state_db.DELETE, deletes)
            if batch.gone:
                gone = [(tid,) for tid in batch.gone]
                db.executemany("DELETE FROM tenants WHERE id = ?", gone)
                db.executemany("DELETE FROM records WHERE tenant = ?", gone)
            if clock is not None:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('clock', ?)", (clock,))
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            written.clear()  # not known any more: the next commits write heads and clock again
            raise
        for tid, rows in whole:
            written[tid] = rows[0]
        written.update(heads)
        for tid in batch.gone:
            written.pop(tid, None)
        if clock is not None:
            written[CLOCK] = clock
        self.writes += 1

    async def flush(self, upto: int | None = None) -> None:
        """Commit every change made so far; returns once it is in the database.

        A request awaits this before its response is sent, with `upto`, the store's version once
        its change was made. One commit runs at a time: requests that arrive meanwhile wait for it
        to end (all woken by one future, no lock hand-over from one to the next), then the first
        whose change it did not carry commits everything changed meanwhile, and the others return
        or wait for that one (group commit)."""
        deferred = False
        while upto is None or self._committed < upto:
            if self._running is not None:
                with contextlib.suppress(StateWriteError):  # its own caller reports it; we try again
                    await asyncio.shield(self._running)
                continue
            if upto is None and not self.store.unsaved:
                return
            if not deferred:
                # Wait one pass of the event loop first: the other requests already read in this
                # pass make their changes and join this commit, rather than each pass paying for
                # a commit of one request and another of the rest (a commit's fixed cost, ~100 us,
                # is most of a durable write's).
                deferred = True
                await asyncio.sleep(0)
                continue
            await self._commit_now()
            if upto is None:
                return

    async def _commit_now(self) -> None:
        loop = asyncio.get_running_loop()
        running = self._running = loop.create_future()
        version = self.store.version  # every change up to here is in this batch
        batch = self._collect()
        try:
            await loop.run_in_executor(self._pool, self._commit, batch)
        except (sqlite3.Error, OSError) as e:
            # Tried again by the next flush, whole: the records logged for them were taken.
            tids = batch.tenant_ids()
            self.store.unsaved.update(tids)
            self.store.rewrite.update(tids)
            log.error("cannot write the state file %s: %s", self.path, e)
            error = StateWriteError(str(e))
            running.set_exception(error)
            running.exception()  # retrieved: waiters that saw it are told by their own retry
            raise error from None
        finally:
            self._running = None
            if not running.done():
                running.set_result(None)
        self._committed = version
        if self.check:
            self._check(batch.tenant_ids())

    def _check(self, tids: set[str]) -> None:
        """SANDBOX_STATE_CHECK=1 (tests): each tenant just committed and not changed since must read
        back from the database exactly as memory holds it. Catches a write that changed a record
        in place without `touch()`ing it under `whole=False`."""
        for tid in sorted(tids - (self.store.unsaved or set())):
            tenant = self.store.tenants.get(tid)
            stored = state_db.tenant_rows(self._db, tid)
            expected = None if tenant is None else json.loads(state_db.dumps(tenant.to_dict()))
            if stored != expected:
                log.error("state check: %s in the database differs from memory", tid)
                raise StateWriteError(f"state check: {tid} in the database differs from memory")

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
            with contextlib.suppress(sqlite3.Error):  # when the sandbox last stopped cleanly
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('savedAt', ?)", (str(time.time()),))
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
            self._db = None
