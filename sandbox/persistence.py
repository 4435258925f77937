"""`--state FILE`: restore at start, write readable JSON snapshots shortly after changes and at exit.

Every write goes to a temporary file in the same directory, is fsynced, then renamed over the
old one (and the directory fsynced), so `kill -9` at any moment leaves either the previous or the
new complete snapshot, never a torn one. The file is created with mode 0600: it holds card
numbers and tenant secrets. A file that is not a snapshot stops the start with a clear error
(exit 2) rather than being overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from aiohttp import web

from .core.errors import SnapshotError
from .core.store import Store

FORMAT = "token-sandbox-state"
MIN_INTERVAL = 0.25  # seconds between checks; stretched when writes are slow (big stores)
log = logging.getLogger("sandbox.state")


def read_state(path: Path) -> dict | None:
    """The snapshot in `path`, None when the file does not exist; SnapshotError when unusable."""
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
    directory = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
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
    with contextlib.suppress(OSError):  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


class StateFile:
    def __init__(self, path: str | Path, store: Store) -> None:
        self.path = Path(path).absolute()
        self.store = store
        self.written = -1  # store.version last written
        self.writes = 0
        self._task: asyncio.Task | None = None

    def restore(self) -> bool:
        """Load the file into the store (True), or create it (False). Errors stop the start."""
        if not self.path.parent.is_dir():
            raise SnapshotError(f"{self.path}: the folder {self.path.parent} does not exist")
        doc = read_state(self.path)
        if doc is not None:
            try:
                self.store.restore({k: v for k, v in doc.items() if k not in ("format", "savedAt")})
            except SnapshotError as e:
                raise SnapshotError(f"{self.path}: cannot restore the state file: {e}") from None
        try:
            self.write()  # proves the path is writable before we say we are ready
        except OSError as e:
            raise SnapshotError(f"{self.path}: cannot write the state file: {e.strerror}") from None
        return doc is not None

    def encode(self) -> bytes:
        # Serialised on the event loop: handlers mutate the same dicts, so no thread may read them.
        snap = self.store.snapshot()
        return json.dumps({"format": FORMAT, "savedAt": time.time(), **snap}, indent=1).encode()

    def write(self) -> None:
        version = self.store.version
        write_atomic(self.path, self.encode())
        self.written = version
        self.writes += 1

    async def _watch(self) -> None:
        interval = MIN_INTERVAL
        trailing = False  # one more write after a change: catches a handler that wrote after an await
        while True:
            await asyncio.sleep(interval)
            version = self.store.version
            if version == self.written and not trailing:
                continue
            trailing = version != self.written
            started = time.monotonic()
            try:
                data = self.encode()
                await asyncio.to_thread(write_atomic, self.path, data)
                self.written = version
                self.writes += 1
            except OSError as e:
                log.error("cannot write the state file %s: %s", self.path, e.strerror)
            interval = max(MIN_INTERVAL, 2 * (time.monotonic() - started))

    def attach(self, app: web.Application) -> None:
        async def start(app: web.Application) -> None:
            self._task = asyncio.get_running_loop().create_task(self._watch())

        async def stop(app: web.Application) -> None:
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            try:
                self.write()
            except OSError as e:
                log.error("cannot write the state file %s at exit: %s", self.path, e.strerror)

        app.on_startup.append(start)
        app.on_cleanup.append(stop)
