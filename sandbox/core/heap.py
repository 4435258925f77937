"""Heap policy: keep the cyclic GC's full passes short however large the store grows.

Why. CPython's cyclic GC rescans every tracked object of the oldest generation on each full
collection, and one runs whenever that generation has grown by a quarter. The store's tokens,
payments and registrations live as long as the store, so under write-heavy load each full pass
took longer than the last (issue 18: OPP payments p50 3 ms, p99 160-270 ms, max 800 ms in a 60 s
run) and every request queued behind it saw the pause.

What. After each middle or full collection, if at least FREEZE_AFTER objects sit in the oldest
generation, move them to the permanent one with gc.freeze(): a full pass then scans only what
reached the oldest generation since the previous freeze, so a pause is bounded by FREEZE_AFTER
plus one middle pass's survivors, not by the store. (Checking only after full passes, as the
first version did, let three middle passes' survivors, ~17,000 objects of Access creates, build
up before each full pass: 7-11 ms passes. Checking after middle passes too: 1-2 ms.)
Right after a freeze one cheap collection (the old generation is empty by then) resets CPython's
"a quarter larger than last time" baseline, which would otherwise stay at the size just frozen.

Why it is safe. Frozen objects are still freed by reference counting the moment nothing refers to
them; only an unreachable reference *cycle* in the permanent generation is never reclaimed. The
store holds no cycles, and request-scoped garbage is acyclic (checked with gc.DEBUG_SAVEALL over
every benchmark workload: the only cycle is asyncio's own socket transport, one per closed
connection). So what a freeze can strand is the transports of connections open at that moment
that close later: a few KiB per connection per freeze, and freezes happen only once FREEZE_AFTER
new long-lived objects exist, i.e. after megabytes of real growth (`make soak` checks RSS).

Bulk loads (a snapshot of a million tokens) call settle(): one collection, freeze, done.
"""

from __future__ import annotations

import asyncio
import gc

# Objects left in the oldest generation after a full pass before they are frozen, and how many
# middle-generation passes come between full passes (CPython's default is 10). Measured with 60 s
# of OPP payments at 16 connections on the loaded 2-core benchmark machine (CPU time per pass):
#   no policy              full passes 45, 77, 120, 165 ms, growing with the store
#   50,000 after 10        27-65 ms (a pass covers ~100k objects that built up between passes)
#   20,000 after 10        31-44 ms
#   10,000 after 3         15-21 ms, one every ~7 s; p99/p50 2.8 in that run
# Then checked after middle passes too (in process, 40,000 Access creates, CPU per full pass):
#   10,000, full passes only    10 passes, 9-11 ms each after the first
#   5,000, middle passes too    22 passes, 90 % under 1.6 ms (the first, of the start-up objects, 12 ms)
# Smaller still means more freezes, and each can strand what was in flight (see above): one every
# ~1,000 writes here.
FREEZE_AFTER = 5_000
FULL_EVERY = 3

_state = {"installed": False, "freezes": 0, "reset_due": False}


def install() -> None:
    """Adopt the policy for this process (idempotent: apps created in one process share it)."""
    if not _state["installed"]:
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_EVERY)
        gc.callbacks.append(_after_collection)
        _state["installed"] = True


def settle() -> None:
    """After a bulk load: collect once, freeze what survived, reset the growth baseline."""
    gc.collect()
    _freeze()
    gc.collect()  # scans only what is not frozen (nothing): makes the next full pass come early and cheap


def stats() -> dict:
    """Counters for tools and tests: freezes done, objects now frozen, gc thresholds."""
    return {"freezes": _state["freezes"], "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}


def _freeze() -> None:
    gc.freeze()
    _state["freezes"] += 1


def _after_collection(phase: str, info: dict) -> None:
    if phase != "stop":
        return
    # Survivors reach the oldest generation only through middle passes: check after those too,
    # so a full pass never finds more than FREEZE_AFTER plus one middle pass's survivors.
    if info["generation"] >= 1 and len(gc.get_objects(generation=2)) >= FREEZE_AFTER:
        _freeze()
        _state["reset_due"] = True
    if _state["reset_due"]:
        # gc.collect() is a no-op while this callback runs (the collector is still marked busy),
        # so the cheap baseline-resetting pass is queued on the event loop. A collection in
        # another thread (the --state database thread) has no loop: the next one on the loop
        # thread queues it.
        try:
            asyncio.get_running_loop().call_soon(gc.collect)
        except RuntimeError:
            return
        _state["reset_due"] = False
