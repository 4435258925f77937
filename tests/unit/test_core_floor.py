"""Unit tests of the shared floor of the domain core (no HTTP): tenants, store, tokens, payments,
clock. The behaviours follow DESIGN §2-§3 and §6 and the documents each test names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.core import Core, clock
from sandbox.core.clock import Clock, add_months, iso, parse_duration, parse_iso
from sandbox.core.errors import InvalidTransition, OwnerFull, SnapshotError, UpdateLimitExceeded
from sandbox.core.payments import AUTHORISED, CANCELLED, CAPTURED, REFUNDED, Payment, cancel, capture, refund
from sandbox.core.tenants import TenantId
from sandbox.core.tokens import DAY, Outcome, Token, TokenBook, check_update_allowed, record_update, tokenize

T0 = parse_iso("2026-01-15T10:00:00Z")


def token(tid="t1", owner="ns", pan="4444333322221111", holder="A", expires=None) -> Token:
    return Token(id=tid, owner=owner, pan=pan, expiry_month=5, expiry_year=2030, holder=holder, address=None,
                 created_at=T0, expires_at=expires, last_used_at=T0)


# -- tenants (DESIGN §3) ---------------------------------------------------------------------------
def test_tenant_id_knows_its_parts_and_one_name_rule_applies():
    tid = TenantId.of("wpg", "MYMERCHANT")
    assert tid == "wpg:MYMERCHANT" and tid.api == "wpg" and tid.name == "MYMERCHANT"
    assert TenantId.parse("opp:8a8294174b7ecb28014b9699220015cc").api == "opp"
    for bad in ("evil shop", "", "x" * 129, "tab\tname", "nul\x00"):
        assert TenantId.of("access", bad) is None, bad
    assert TenantId.of("stripe", "x") is None
    assert TenantId.parse("no-colon") is None and TenantId.parse(3) is None


# -- store: write is the one entry point; reads never create ---------------------------------------
def test_peek_never_creates_and_write_marks_changed_for_reset():
    core = Core.create(seed=1)
    store, tid = core.store, TenantId.of("access", "shop")
    assert store.peek(tid) is None and store.tenants == {}
    version = store.version
    store.write(tid).tokens.add(token())
    assert store.version > version and len(store.peek(tid).tokens) == 1
    store.reset()
    assert store.peek(tid) is None  # not in the baseline: gone


def test_reset_returns_to_the_baseline_and_snapshots_round_trip():
    core = Core.create(seed=1)
    store, tid = core.store, TenantId.of("wpg", "M")
    store.write(tid).tokens.add(token(owner="shopper1"))
    store.mark_baseline()
    store.write(tid).tokens.add(token("t2", pan="5555555555554444", owner="shopper1"))
    snap = store.snapshot()
    assert len(snap["tenants"]["wpg:M"]["tokens"]) == 2
    store.reset()
    assert list(store.peek(tid).tokens.by_id) == ["t1"]
    store.restore(snap)
    assert sorted(store.peek(tid).tokens.by_id) == ["t1", "t2"]


@pytest.mark.parametrize("bad", [
    {"version": 1, "tenants": {"nope": {}}},
    {"version": 1, "tenants": {"opp:x": {"data": {"free": "form"}}}},  # typed state refuses unknown keys
    {"version": 1, "tenants": {"wpg:x": {"data": {"wpg": {"outbox": "x"}}}}},
    {"version": 1, "tenants": {"access:x": {"tokens": [{"id": "1"}]}}},
])
def test_a_bad_snapshot_changes_nothing(bad):
    core = Core.create(seed=1)
    core.store.write(TenantId.of("access", "kept"))
    before = core.store.snapshot()
    with pytest.raises(SnapshotError):
        core.store.restore(bad)
    assert core.store.snapshot()["tenants"] == before["tenants"]


# -- tokens: NEW / MATCH / CONFLICT, caps, update windows (access.md §4, seed 003) ---------------
def _tokenize(book, pan="4444333322221111", owner="ns", holder="A", cap=2, now=T0):
    made = []

    def new_token():
        t = token(f"t{len(book) + 1}", owner=owner, pan=pan, holder=holder, expires=now + 7 * DAY)
        made.append(t)
        return t

    return tokenize(book, owner=owner, pan=pan, requested={"holder": holder}, compare=("holder",), now=now,
                    cap=cap, new_token=new_token)


def test_tokenize_new_match_conflict_keeps_stored_data():
    book = TokenBook()
    assert _tokenize(book)[0] is Outcome.NEW
    assert _tokenize(book)[0] is Outcome.MATCH
    outcome, stored, conflicts = _tokenize(book, holder="B")
    assert outcome is Outcome.CONFLICT and conflicts == {"holder": "B"} and stored.holder == "A"


def test_the_owner_cap_refuses_before_storing_and_an_expired_token_frees_its_slot():
    book = TokenBook()
    _tokenize(book, pan="4444333322221111")
    _tokenize(book, pan="5555555555554444")
    with pytest.raises(OwnerFull):
        _tokenize(book, pan="4111111111111111")
    assert len(book) == 2
    later = T0 + 8 * DAY  # both expired
    assert _tokenize(book, pan="4111111111111111", now=later)[0] is Outcome.NEW


def test_rolling_update_window():
    t = token()
    for i in range(3):
        check_update_allowed(t, T0 + i, 3, 30)
        record_update(t, T0 + i, 30)
    with pytest.raises(UpdateLimitExceeded):
        check_update_allowed(t, T0 + 10, 3, 30)
    check_update_allowed(t, T0 + 31 * DAY, 3, 30)  # the window rolled on


# -- payments state machine (shared by OPP payments and paymentService orders) ------------------
def test_capture_refund_cancel_transitions():
    p = Payment(id="p", amount=1000, currency="EUR", status=AUTHORISED, created_at=T0)
    assert capture(p, 600, T0) == 600 and p.status == CAPTURED
    with pytest.raises(InvalidTransition):
        capture(p, 100, T0)
    assert refund(p, 200, T0) == 200 and p.status == CAPTURED
    with pytest.raises(InvalidTransition):
        refund(p, 500, T0)
    assert refund(p, None, T0) == 400 and p.status == REFUNDED
    q = Payment(id="q", amount=1000, currency="EUR", status=AUTHORISED, created_at=T0)
    cancel(q, T0)
    assert q.status == CANCELLED
    with pytest.raises(InvalidTransition):
        refund(q, None, T0)


# -- the virtual clock (DESIGN §4.3) -------------------------------------------------------------
def test_clock_freeze_set_advance_and_calendar_months():
    c = Clock(start=T0, frozen=True)
    assert c.now() == T0
    c.advance(parse_duration("P30D"))
    assert c.now() == T0 + 30 * DAY
    jan31 = parse_iso("2027-01-31T00:00:00Z")
    assert add_months(jan31, 1) == parse_iso("2027-02-28T00:00:00Z")
    assert parse_duration("P1M", jan31) == 28 * DAY
    with pytest.raises(ValueError):
        parse_duration("P")


# iso() and add_months() take cached paths per second and per day (issue 18); each must give
# what datetime gives, including fractions that round up into the next second.
_INSTANTS = [0.0, 1.5, 86399.9999995, 86399.9999994, 1796000000.123456, 1796000000.9999996, 1735689599.999999,
             1709164800.5, 4102444799.0000005, 253402300799.0]


@pytest.mark.parametrize("ts", _INSTANTS)
def test_iso_matches_datetime_at_every_rounding_edge(ts):
    assert iso(ts) == datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@given(st.floats(min_value=0, max_value=4.1e9, allow_nan=False), st.sampled_from([-13, -1, 0, 1, 3, 13, 84, 120]))
@settings(max_examples=2000, deadline=None)
def test_add_months_by_day_matches_the_datetime_arithmetic(ts, months):
    assert clock._add_months(ts, months) == clock._add_months_exact(ts, months)
