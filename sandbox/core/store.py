"""The tenant-scoped in-memory store, its snapshot, and reset to the loaded fixtures.

A tenant id is `<api>:<name>` (DESIGN §3). Reads use `peek()` and never create a tenant, so a
request that fails leaves the snapshot byte-identical; writes use `write()`, which creates it
and marks it changed. Reset restores only the tenants changed since the baseline, so resetting
a sandbox that holds a million seeded tokens costs what the test changed, not the store size.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from .clock import Clock
from .errors import SnapshotError, TenantLimitReached
from .heap import settle  # after a bulk load: the long-lived store leaves the GC's full passes
from .ids import Ids
from .snapshot_check import check_clock, check_tenant
from .tenants import APIS, Tenant, TenantId, valid_tenant_id

__all__ = ["APIS", "SNAPSHOT_VERSION", "Store", "Tenant", "TenantId", "valid_tenant_id"]
SNAPSHOT_VERSION = 1


SETTLE_AT = 10_000  # stored tokens + payments in one bulk load before it is worth settling


def _bad_tenant(tid: Any):
    raise ValueError(f"{tid!r} is not a tenant id")


class Store:
    def __init__(self, ids: Ids | None = None, clock: Clock | None = None) -> None:
        self.ids = ids or Ids()
        self.clock = clock or Clock()
        self.tenants: dict[str, Tenant] = {}
        self.version = 0  # bumped on every write; persistence watches it
        # The most tenants a write may create; a callable so the option in force is read each time
        # (fixtures can change options at run time). None: no limit (unit tests of the core).
        self.tenant_limit: Callable[[], int] | None = None
        self._dirty: set[str] = set()
        # Tenant ids changed since persistence last saved them (None: no --state, nothing kept), and
        # those of them to be saved whole; the others save their head and the records their books
        # logged as changed (tokens.TokenBook.changed, payments.PaymentBook.changed).
        self.unsaved: set[str] | None = None
        self.rewrite: set[str] = set()
        self._baseline: dict[str, dict] = {}
        self._baseline_clock: dict | None = None
        self._baseline_seed = self.ids.seed

    # -- access --------------------------------------------------------------------------------
    def peek(self, tid: str) -> Tenant | None:
        return self.tenants.get(tid)

    def write(self, tid: TenantId, *, whole: bool = True) -> Tenant:
        """The one entry point for a write: the tenant, created on first use and marked changed
        (reset restores it, persistence saves it). Core operations call it once they have
        checked everything, so a refused request never creates or changes a tenant.

        `whole=False` says the write changes only the tenant's head (its API state, clock) and
        tokens or payments that it adds or removes through the books or marks with their `touch()`:
        `--state` then saves those rows, not every record of the tenant. Hot paths declare it; any
        other write saves the tenant whole, which is always correct."""
        t = self.tenants.get(tid)
        if t is None:
            if self.tenant_limit is not None and len(self.tenants) >= (limit := self.tenant_limit()):
                raise TenantLimitReached(limit)
            t = Tenant(TenantId.parse(tid) or _bad_tenant(tid), self.ids.hex(32))
            self.tenants[tid] = t
        self._dirty.add(tid)
        if self.unsaved is not None:
            self.unsaved.add(tid)
            if whole:
                self.rewrite.add(tid)
        self.version += 1
        return t

    def touch(self) -> None:
        """Record a change that is not tied to one tenant (global clock, fixtures)."""
        self.version += 1

    def clock_for(self, tid: str | None) -> Clock:
        t = self.tenants.get(tid) if tid else None
        return t.clock if t is not None and t.clock is not None else self.clock

    def now(self, tid: str | None = None) -> float:
        return self.clock_for(tid).now()

    # -- snapshot ------------------------------------------------------------------------------
    def snapshot(self, tid: str | None = None) -> dict:
        if tid is not None:
            t = self.tenants.get(tid)
            tenants = {tid: t.to_dict()} if t else {}
            return {"version": SNAPSHOT_VERSION, "tenants": tenants}
        return {
            "version": SNAPSHOT_VERSION,
            "clock": self.clock.to_dict(),
            "tenants": {k: t.to_dict() for k, t in sorted(self.tenants.items())},
        }

    @staticmethod
    def parse_snapshot(snap: Any) -> tuple[dict[str, Tenant], Clock | None]:
        """Build everything first, so a bad snapshot changes nothing."""
        if not isinstance(snap, dict):
            raise SnapshotError("a snapshot is a JSON object {\"version\": 1, \"tenants\": {...}}")
        if snap.get("version") != SNAPSHOT_VERSION:
            raise SnapshotError(f"version: expected {SNAPSHOT_VERSION}, got {snap.get('version')!r}")
        tenants_raw = snap.get("tenants")
        if not isinstance(tenants_raw, dict):
            raise SnapshotError("tenants: expected an object keyed by tenant id")
        unknown = set(snap) - {"version", "clock", "tenants"}
        if unknown:
            raise SnapshotError(f"{sorted(map(str, unknown))[0]}: unknown key (a snapshot has version, clock, tenants)")
        # Everything checked before anything is built or replaced (issue 14 §12): a snapshot that
        # passes holds only values the sandbox itself could have written, so reads never 500.
        for key, raw in tenants_raw.items():
            if TenantId.parse(key) is None:
                raise SnapshotError(f"tenants: {key!r} is not a tenant id (<access|opp|wpg>:<name>)")
            check_tenant(key, raw)
        if snap.get("clock") is not None:
            check_clock(snap["clock"], "clock")
        # Building a million tokens allocates millions of container objects and none of them form
        # cycles: with the cyclic GC running, each generation-2 pass rescans everything built so
        # far (measured: a 1M-token PUT /_sandbox/state took 42 s with it, 10 s without).
        paused = gc.isenabled()
        gc.disable()
        try:
            tenants = {}
            for key, raw in tenants_raw.items():
                t = Tenant.from_dict(key, raw)
                tenants[t.id] = t
        finally:
            if paused:
                gc.enable()
        clock = None
        if snap.get("clock") is not None:
            try:
                clock = Clock.from_dict(snap["clock"])
            except (KeyError, TypeError, ValueError) as e:
                raise SnapshotError(f"clock: {e!r}") from None
        return tenants, clock

    def restore(self, snap: Any, replace: bool = True) -> None:
        """Replace all state with a snapshot (or, replace=False, merge its tenants in)."""
        tenants, clock = self.parse_snapshot(snap)
        for t in tenants.values():
            if not t.secret:
                t.secret = self.ids.hex(32)
        if replace:
            self._dirty.update(self.tenants)
            if self.unsaved is not None:
                self.unsaved.update(self.tenants)  # dropped tenants: their rows are deleted
            self.tenants = tenants
        else:
            self.tenants.update(tenants)
        self._dirty.update(tenants)
        if self.unsaved is not None:
            self.unsaved.update(tenants)
        if clock is not None:
            self.clock = clock
        self.version += 1
        if sum(len(t.tokens) + len(t.payments) for t in tenants.values()) >= SETTLE_AT:
            settle()

    # -- reset ---------------------------------------------------------------------------------
    def mark_baseline(self) -> None:
        """What reset returns to: the state right after the fixtures were loaded."""
        self._baseline = {tid: t.to_dict() for tid, t in self.tenants.items()}
        # The baseline clock comes only from a fixture's `clock:` (set_baseline_clock): a clock a
        # test froze before loading a fixture must not become what every later reset returns to.
        self._baseline_seed = self.ids.seed
        self._dirty.clear()
        if sum(len(t.tokens) + len(t.payments) for t in self.tenants.values()) >= SETTLE_AT:
            settle()

    def set_baseline_clock(self, clock: dict | None) -> None:
        self._baseline_clock = clock

    def reset(self, tid: str | None = None) -> None:
        if tid is not None:
            self._restore_tenant(tid)
            self._dirty.discard(tid)
        else:
            for d in list(self._dirty):
                self._restore_tenant(d)
            self._dirty.clear()
            self.clock = Clock.from_dict(self._baseline_clock) if self._baseline_clock else Clock()
            self.ids.reseed(self._baseline_seed)
        self.version += 1

    def _restore_tenant(self, tid: str) -> None:
        if self.unsaved is not None:
            self.unsaved.add(tid)
        raw = self._baseline.get(tid)
        if raw is None:
            self.tenants.pop(tid, None)
        else:
            self.tenants[tid] = Tenant.from_dict(tid, raw)
