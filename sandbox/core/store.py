"""The tenant-scoped in-memory store, its snapshot, and reset to the loaded fixtures.

A tenant id is `<api>:<name>` (DESIGN §3). Reads use `peek()` and never create a tenant, so a
request that fails leaves the snapshot byte-identical; writes use `tenant()`, which creates it
and marks it changed. Reset restores only the tenants changed since the baseline, so resetting
a sandbox that holds a million seeded tokens costs what the test changed, not the store size.
"""

from __future__ import annotations

import gc
import re
from typing import Any

from .clock import Clock
from .errors import SnapshotError
from .ids import Ids
from .payments import Payment
from .tokens import Token, TokenBook

APIS = ("access", "opp", "wpg")
SNAPSHOT_VERSION = 1
_TENANT_ID = re.compile(r"^(access|opp|wpg):[^\s]{1,128}$")


def valid_tenant_id(tid: str) -> bool:
    return isinstance(tid, str) and bool(_TENANT_ID.match(tid))


SETTLE_AT = 10_000  # stored tokens + payments in one bulk load before it is worth settling


def settle() -> None:
    """After a bulk load: collect once, then gc.freeze() what survived, so the cyclic GC never
    rescans the long-lived store (a million seeded tokens made every full pass slower: the
    "flat with size" benchmark). Store objects hold no reference cycles, so reference counting
    still frees them on reset or delete."""
    gc.collect()
    gc.freeze()


class Tenant:
    __slots__ = ("id", "api", "name", "tokens", "payments", "data", "clock", "secret")

    def __init__(self, tid: str, secret: str) -> None:
        self.id = tid
        self.api, self.name = tid.split(":", 1)
        self.tokens = TokenBook()
        self.payments: dict[str, Payment] = {}
        self.data: dict[str, Any] = {}  # per-API JSON-able state (checkouts, conflicts, settings)
        self.clock: Clock | None = None  # own clock, else the global one
        self.secret = secret  # keys this tenant's opaque links; never leaves the process except in state

    def to_dict(self) -> dict:
        return {
            "secret": self.secret,
            "clock": self.clock.to_dict() if self.clock else None,
            "tokens": [t.to_dict() for t in self.tokens.by_id.values()],
            "payments": [p.to_dict() for p in self.payments.values()],
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, tid: str, d: dict) -> Tenant:
        if not valid_tenant_id(tid):
            raise SnapshotError(f"tenants: {tid!r} is not a tenant id (<access|opp|wpg>:<name>)")
        if not isinstance(d, dict):
            raise SnapshotError(f"tenants.{tid}: expected an object")
        try:
            t = cls(tid, str(d.get("secret") or ""))
            if d.get("clock") is not None:
                t.clock = Clock.from_dict(d["clock"])
            for i, raw in enumerate(d.get("tokens") or []):
                try:
                    tok = Token.from_dict(raw)
                except (KeyError, TypeError, ValueError) as e:
                    raise SnapshotError(f"tenants.{tid}.tokens[{i}]: {e!r}") from None
                # OPP registrations never match one another, so they are not indexed by PAN.
                t.tokens.add(tok, indexed=t.api != "opp")
            for i, raw in enumerate(d.get("payments") or []):
                try:
                    pay = Payment.from_dict(raw)
                except (KeyError, TypeError, ValueError) as e:
                    raise SnapshotError(f"tenants.{tid}.payments[{i}]: {e!r}") from None
                t.payments[pay.id] = pay
            data = d.get("data") or {}
            if not isinstance(data, dict):
                raise SnapshotError(f"tenants.{tid}.data: expected an object")
            t.data = data
        except SnapshotError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise SnapshotError(f"tenants.{tid}: {e!r}") from None
        return t


class Store:
    def __init__(self, ids: Ids | None = None, clock: Clock | None = None) -> None:
        self.ids = ids or Ids()
        self.clock = clock or Clock()
        self.tenants: dict[str, Tenant] = {}
        self.version = 0  # bumped on every write; persistence watches it
        self._dirty: set[str] = set()
        self._baseline: dict[str, dict] = {}
        self._baseline_clock: dict | None = None
        self._baseline_seed = self.ids.seed

    # -- access --------------------------------------------------------------------------------
    def peek(self, tid: str) -> Tenant | None:
        return self.tenants.get(tid)

    def tenant(self, tid: str) -> Tenant:
        """The tenant for a write: created on first use, marked changed."""
        t = self.tenants.get(tid)
        if t is None:
            t = Tenant(tid, self.ids.hex(32))
            self.tenants[tid] = t
        self._dirty.add(tid)
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
        # Building a million tokens allocates millions of container objects and none of them form
        # cycles: with the cyclic GC running, each generation-2 pass rescans everything built so
        # far (measured: a 1M-token PUT /_sandbox/state took 42 s with it, 10 s without).
        paused = gc.isenabled()
        gc.disable()
        try:
            tenants = {tid: Tenant.from_dict(tid, raw) for tid, raw in tenants_raw.items()}
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
            self.tenants = tenants
        else:
            self.tenants.update(tenants)
        self._dirty.update(tenants)
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
        raw = self._baseline.get(tid)
        if raw is None:
            self.tenants.pop(tid, None)
        else:
            self.tenants[tid] = Tenant.from_dict(tid, raw)
