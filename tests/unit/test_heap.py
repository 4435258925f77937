"""Unit tests of the heap policy (sandbox/core/heap.py, issue 18 "flat tails"): what survives a
full collection in bulk leaves the collector's rescans, and frozen objects are still freed.

No HTTP and no timing: what is checked is where objects end up, which decides what every later
full pass has to scan.
"""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from sandbox.core import heap


class Record:  # stands in for a stored token: an ordinary tracked object without cycles
    def __init__(self, i: int) -> None:
        self.fields = {"id": i, "tags": [i]}


@pytest.fixture
def policy():
    """The policy installed for the test, and the interpreter's collector as it was afterwards."""
    installed = heap._after_collection in gc.callbacks
    threshold = gc.get_threshold()
    heap.install()
    yield
    if not installed:
        gc.callbacks.remove(heap._after_collection)
        heap._state["installed"] = False
        gc.set_threshold(*threshold)
    heap._state["reset_due"] = False
    gc.unfreeze()
    gc.collect()


def test_install_is_idempotent(policy):
    """Apps created in one process (tests, reloads) must not stack one callback each."""
    heap.install()
    heap.install()
    assert gc.callbacks.count(heap._after_collection) == 1
    assert gc.get_threshold()[2] == heap.FULL_EVERY  # full passes come often, so each one is small


def test_survivors_of_a_full_pass_are_frozen_past_the_threshold(policy):
    """issue 18: long-lived objects are not rescanned by every full collection. Once enough new
    objects survive a full pass, the next full pass no longer sees them."""
    gc.collect()
    before = heap.stats()["freezes"]
    kept = [Record(i) for i in range(heap.FREEZE_AFTER)]  # 3 tracked objects each
    gc.collect()
    assert heap.stats()["freezes"] > before  # automatic full passes may already have frozen some
    young_and_old = {id(o) for o in gc.get_objects()}
    assert id(kept[0]) not in young_and_old and id(kept[-1].fields) not in young_and_old
    assert gc.get_freeze_count() >= len(kept)


def test_survivors_of_middle_passes_are_frozen_before_a_full_pass_sees_them(policy):
    """issue 18: survivors reach the oldest generation through middle passes; frozen there, they
    never pile up into one long full pass (7-11 ms for Access creates when only full passes froze)."""
    gc.collect()
    before = heap.stats()["freezes"]
    kept = [Record(i) for i in range(heap.FREEZE_AFTER)]
    gc.collect(1)  # a middle pass: the survivors move to the oldest generation, no full pass runs
    assert heap.stats()["freezes"] > before
    assert id(kept[0]) not in {id(o) for o in gc.get_objects(generation=2)}
    assert gc.get_freeze_count() >= len(kept)


def test_few_survivors_stay_in_the_collector(policy):
    """Below the threshold nothing is frozen: an idle sandbox keeps the plain GC behaviour."""
    gc.collect()
    before = heap.stats()["freezes"]
    kept = [Record(i) for i in range(100)]
    gc.collect()
    assert heap.stats()["freezes"] == before
    assert id(kept[0]) in {id(o) for o in gc.get_objects()}


def test_frozen_objects_are_still_freed_by_reference_counting(policy):
    """Why freezing is safe for the store: an acyclic object leaves memory when its last reference
    goes (a reset, a deleted token), frozen or not."""
    kept = [Record(i) for i in range(heap.FREEZE_AFTER)]
    gc.collect()
    probe = weakref.ref(kept[123])
    assert probe() is not None and id(kept[123]) not in {id(o) for o in gc.get_objects()}
    del kept
    assert probe() is None


def test_settle_freezes_a_bulk_load_and_leaves_nothing_to_rescan(policy):
    """store.restore() of a large snapshot calls settle(): the loaded objects leave the collector at
    once, and the generation a full pass scans is empty right after."""
    kept = [Record(i) for i in range(1000)]
    heap.settle()
    assert id(kept[0]) not in {id(o) for o in gc.get_objects()}
    assert len(gc.get_objects(generation=2)) < 1000


def test_the_baseline_reset_runs_on_the_event_loop(policy):
    """After a freeze, one cheap full collection follows on the loop (a collection cannot start
    inside the collector's callback): CPython's "a quarter larger than last time" baseline then
    starts from what is left unfrozen, so the next full pass comes early and small."""

    async def scenario() -> tuple[int, int, bool]:
        kept = [Record(i) for i in range(heap.FREEZE_AFTER)]
        gc.collect()
        queued = not heap._state["reset_due"]
        before = gc.get_stats()[2]["collections"]
        await asyncio.sleep(0)  # the loop runs what the callback queued
        del kept
        return before, gc.get_stats()[2]["collections"], queued

    before, after, queued = asyncio.run(scenario())
    assert queued and after > before  # one per freeze (automatic passes may have frozen too)
