"""Unit tests of per-record persistence (issue 14 §3 "write cost does not grow with the store";
docs/persistence.md): a write declared `whole=False` saves the tenant's head and the records its
books logged, whatever the tenant's size; every other write saves the tenant whole; what is read
back equals memory, in memory's order. The HTTP side (every API path under the commit check)
is `make test-durable`."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from sandbox.core.payments import Payment
from sandbox.core.store import Store
from sandbox.core.tenants import TenantId
from sandbox.core.tokens import Token
from sandbox.persistence import StateFile, StateWriteError
from sandbox.state_db import read_state_file

TID = TenantId.of("wpg", "BIG")


def token(i: int) -> Token:
    return Token(id=f"tok{i:07d}", owner=None, pan=f"4444{i:012d}", expiry_month=5, expiry_year=2030,
                 holder="A", address=None, created_at=1.0, expires_at=None, last_used_at=1.0)


@pytest.fixture
def saved(tmp_path):
    """A store whose tenant holds `n` tokens, saved to a fresh state file."""
    opened = []

    def make(n: int) -> tuple[Store, StateFile]:
        store = Store()
        tenant = store.write(TID)
        for i in range(n):
            tenant.tokens.add(token(i))
        state = StateFile(tmp_path / f"state-{n}.db", store)
        state.restore()
        opened.append(state)
        return store, state

    yield make
    for state in opened:
        state.close()


def rows_written(state: StateFile) -> int:
    before = state._db.total_changes
    state._commit(state._collect())
    return state._db.total_changes - before


def test_a_precise_write_costs_the_same_in_a_tenant_of_any_size(saved):
    costs = []
    for n in (10, 20_000):
        store, state = saved(n)
        tenant = store.write(TID, whole=False)
        tenant.tokens.add(token(n))  # a new token
        tenant.tokens.touch(tenant.tokens.get("tok0000003")).holder = "B"  # one changed in place
        tenant.payments[f"order{n}"] = Payment(id=f"order{n}", amount=1, currency="EUR", status="AUTHORISED",
                                               created_at=2.0)
        batch = state._collect()
        assert not batch.whole and [r[2] for r in batch.records] == [f"tok{n:07d}", "tok0000003", f"order{n}"]
        store.write(TID, whole=False)  # the same changes again: collected afresh below
        tenant.tokens.touch(tenant.tokens.get("tok0000003"))
        costs.append(rows_written(state))
    assert costs[0] == costs[1] <= 2, costs  # one token row (and the head, when it changed)


def test_a_write_not_declared_precise_saves_the_tenant_whole(saved):
    store, state = saved(100)
    store.write(TID).tokens.get("tok0000001").holder = "changed in place, never touched"
    assert rows_written(state) > 100
    assert read_state_file(state.path)["tenants"][TID]["tokens"][1]["holder"] == "changed in place, never touched"


def test_read_back_equals_memory_in_memory_order(saved):
    store, state = saved(50)
    tenant = store.write(TID, whole=False)
    tenant.tokens.remove("tok0000010")
    for i in (70, 60, 65):  # added out of id order: listings show insertion order
        tenant.tokens.add(token(i))
    tenant.tokens.touch(tenant.tokens.get("tok0000000")).holder = "C"
    state._commit(state._collect())
    assert read_state_file(state.path)["tenants"] == store.snapshot()["tenants"]


def test_a_removed_tenant_loses_every_row(saved):
    store, state = saved(20)
    store.restore({"version": 1, "tenants": {}})
    state._commit(state._collect())
    db = sqlite3.connect(state.path)
    assert db.execute("SELECT COUNT(*) FROM records").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM tenants").fetchone() == (0,)
    db.close()


def test_a_failed_commit_is_retried_whole(saved, monkeypatch):
    """The records a failed commit carried were taken from the books: the retry saves the tenant whole."""
    store, state = saved(5)
    store.write(TID, whole=False).tokens.add(token(99))

    def disk_full(batch):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(state, "_commit", disk_full)
    with pytest.raises(StateWriteError):
        asyncio.run(state.flush())
    monkeypatch.undo()
    again = state._collect()
    assert [t.id for t in again.whole] == [TID] and not again.records
    state._commit(again)
    assert read_state_file(state.path)["tenants"] == store.snapshot()["tenants"]


def test_a_change_a_finished_commit_carried_is_not_committed_again(saved):
    """Group commit (docs/persistence.md): a request waits for the commit that carries its change,
    and does not start another one once that commit has finished."""
    store, state = saved(5)

    async def requests_finishing_together():
        store.write(TID, whole=False).tokens.add(token(50))
        first = store.version
        store.write(TID, whole=False).tokens.add(token(51))
        second = store.version
        await asyncio.gather(state.flush(first), state.flush(second))

    before = state.writes
    asyncio.run(requests_finishing_together())
    assert state.writes == before + 1
    asyncio.run(state.flush(store.version))  # nothing new since
    assert state.writes == before + 1
    assert read_state_file(state.path)["tenants"] == store.snapshot()["tenants"]


def test_requests_read_in_one_event_loop_pass_share_one_commit(saved):
    """Group commit (docs/persistence.md, issue 18 durable writes): each request makes its change
    and then flushes, as a handler does; those run in the same pass of the event loop join one
    commit instead of the first committing alone and the rest after it."""
    store, state = saved(5)

    async def request(i: int) -> None:
        store.write(TID, whole=False).tokens.add(token(60 + i))
        await state.flush(store.version)

    async def requests_read_together():
        await asyncio.gather(*(request(i) for i in range(4)))

    before = state.writes
    asyncio.run(requests_read_together())
    assert state.writes == before + 1
    assert read_state_file(state.path)["tenants"] == store.snapshot()["tenants"]


def test_a_global_clock_change_is_committed(saved):
    """A request that changed only the global virtual clock (control plane) is durable too."""
    store, state = saved(1)
    store.clock = type(store.clock).from_dict({"now": 1_900_000_000.0, "frozen": True})
    store.touch()
    asyncio.run(state.flush(store.version))
    assert read_state_file(state.path)["clock"] == store.clock.to_dict()


def test_a_request_waiting_on_a_failed_commit_commits_again(saved, monkeypatch):
    """The commit that failed answers its own request 503; a request that waited on it tries again."""
    store, state = saved(5)
    real, calls = state._commit, []

    def fails_once(batch):
        calls.append(batch)
        if len(calls) == 1:
            time.sleep(0.05)  # long enough for the second request to queue behind it
            raise sqlite3.OperationalError("disk I/O error")
        real(batch)

    monkeypatch.setattr(state, "_commit", fails_once)

    async def two_requests():
        store.write(TID, whole=False).tokens.add(token(60))
        first = asyncio.ensure_future(state.flush(store.version))
        await asyncio.sleep(0.01)
        store.write(TID, whole=False).tokens.add(token(61))
        second = asyncio.ensure_future(state.flush(store.version))
        return await asyncio.gather(first, second, return_exceptions=True)

    first, second = asyncio.run(two_requests())
    assert isinstance(first, StateWriteError) and second is None and len(calls) == 2
    assert read_state_file(state.path)["tenants"] == store.snapshot()["tenants"]
