"""Unit tests of the Access payment engine (sandbox/core/access/payments.py), no HTTP: issuer
magic, the actions each state offers, partial amounts, and what a refused request leaves behind.
Sources as in docs/access.md "Payments" (vendor OpenAPI, Try testing page, seed 002)."""

from __future__ import annotations

import pytest

from sandbox.core import Core
from sandbox.core.access import operations as ops
from sandbox.core.access import payments as pay
from sandbox.core.access.scope import Scope
from sandbox.core.access.tokens import CardDetails, CreateRequest, Policy
from sandbox.core.clock import Clock
from sandbox.core.tenants import TenantId
from sandbox.core.tokens import DAY

START = 1_900_000_000.0  # 2030-03-17


def setup(holder: str = "Sherlock Holmes", month: int = 5, year: int = 2035):
    core = Core.create(seed=2)
    core.store.clock = Clock(START, frozen=True)
    scope = Scope(core, TenantId.of("access", "unit-pay"), Policy())
    view = ops.create_token(scope, CreateRequest(CardDetails("4444333322221111", holder, month, year, None)))
    return scope, view.token


def authorize(scope, token_id: str, ref: str = "tx-1", amount: int = 1000, **kw) -> pay.Authorization:
    return pay.authorize(scope, pay.AuthorizeRequest(transaction_reference=ref, entity="default", amount=amount,
                                                     currency="GBP", narrative="n", token_id=token_id, **kw))


def test_issuer_decision_by_magic_name():
    """Try testing page: REFUSED -> 5, REFUSED<n> -> the refusal table, ERROR fails, others pass;
    an expired card is refused 33 CARD EXPIRED."""
    assert pay.issuer_decision("Bob", (5, 2035), START) is None
    assert pay.issuer_decision("REFUSED", (5, 2035), START) == (5, "REFUSED")
    assert pay.issuer_decision("REFUSED41", (5, 2035), START) == (41, "LOST CARD")
    assert pay.issuer_decision("REFUSED99", (5, 2035), START) == (99, "REFUSED")
    assert pay.issuer_decision("refused", (5, 2035), START) is None  # case-sensitive
    assert pay.issuer_decision("Bob", (1, 2020), START) == (33, "CARD EXPIRED")
    with pytest.raises(pay.IssuerError):
        pay.issuer_decision("ERROR", (5, 2035), START)


def test_actions_follow_the_state():
    """Vendor OpenAPI `_actions`: authorised -> cancel/settle/partialSettle/reverse; partly settled
    -> refund, partial refund, further partial settle, cancel the rest, reverse; partly refunded
    -> partial refund only; cancelled -> nothing."""
    scope, token = setup()
    p = authorize(scope, token.id).payment
    assert pay.actions(p) == [pay.CANCEL, pay.SETTLE, pay.PARTIAL_SETTLE, pay.REVERSE]
    pay.act(scope, p.id, pay.ActionRequest(pay.PARTIAL_SETTLE, 400, "GBP"))
    assert pay.actions(p) == [pay.REFUND, pay.PARTIAL_REFUND, pay.PARTIAL_SETTLE, pay.CANCEL, pay.REVERSE]
    pay.act(scope, p.id, pay.ActionRequest(pay.CANCEL))
    assert pay.actions(p) == [pay.REFUND, pay.PARTIAL_REFUND, pay.REVERSE]
    pay.act(scope, p.id, pay.ActionRequest(pay.PARTIAL_REFUND, 100, "GBP"))
    assert pay.actions(p) == [pay.PARTIAL_REFUND] and pay.last_event(p) == "Sent for Refund"
    q = authorize(scope, token.id, ref="tx-2").payment
    pay.act(scope, q.id, pay.ActionRequest(pay.CANCEL))
    assert pay.actions(q) == [] and pay.last_event(q) == "Sent for Cancellation"
    with pytest.raises(pay.ActionNotOffered):
        pay.act(scope, q.id, pay.ActionRequest(pay.SETTLE))


def test_partial_amounts_are_bounded_and_change_nothing_when_refused():
    """A partial amount above what is left, or in another currency, is refused before the write."""
    scope, token = setup()
    p = authorize(scope, token.id).payment
    version = scope.core.store.version
    with pytest.raises(pay.AmountNotAvailable) as e:
        pay.act(scope, p.id, pay.ActionRequest(pay.PARTIAL_SETTLE, 1001, "GBP"))
    assert e.value.json_path == "$.value.amount"
    with pytest.raises(pay.AmountNotAvailable) as e:
        pay.act(scope, p.id, pay.ActionRequest(pay.PARTIAL_SETTLE, 10, "EUR"))
    assert e.value.json_path == "$.value.currency"
    assert scope.core.store.version == version and p.captured == 0


def test_duplicate_reference_error_and_unknown_token_store_nothing():
    """400 transactionHasAlreadyBeenProcessed, the ERROR 500 and an unknown token leave the
    store as it was."""
    scope, token = setup(holder="ERROR")
    version = scope.core.store.version
    with pytest.raises(pay.IssuerError):
        authorize(scope, token.id)
    with pytest.raises(pay.PaymentTokenUnknown):
        authorize(scope, "999999999999999")
    assert scope.core.store.version == version and not scope.core.store.peek(scope.tid).payments
    scope, token = setup()
    authorize(scope, token.id, ref="same")
    with pytest.raises(pay.DuplicateTransaction):
        authorize(scope, token.id, ref="same")


def test_payment_is_a_use_of_the_token_and_bundles_the_scheme_reference():
    """seed 002: a use with under half the lifetime left extends the token; vendor: the first
    payment's scheme reference is bundled with the token and reused."""
    scope, token = setup()
    scope.core.store.clock.advance(4 * DAY)
    first = authorize(scope, token.id, ref="a")
    assert token.expires_at == START + 14 * DAY
    assert token.meta["schemeTransactionReference"] == first.payment.meta["schemeReference"]
    second = authorize(scope, token.id, ref="b", agreement=pay.Agreement("unscheduled"))
    assert second.payment.meta["schemeReference"] == first.payment.meta["schemeReference"]


def test_duplicate_reference_index_follows_the_payments():
    """The duplicate transactionReference check (400 transactionHasAlreadyBeenProcessed) is an index
    that is rebuilt whenever payments arrive another way (fixture, restore, reset)."""
    from types import SimpleNamespace

    from sandbox.core.access.payments import reference_taken, remember_reference
    from sandbox.core.access.state import AccessState
    from sandbox.core.payments import AUTHORISED, Payment

    tenant = SimpleNamespace(state=AccessState(), payments={})

    def add(pid, ref):
        tenant.payments[pid] = Payment(id=pid, amount=1, currency="EUR", status=AUTHORISED, created_at=0.0,
                                       meta={"transactionReference": ref})

    assert not reference_taken(tenant, "r1")
    add("p1", "r1")
    remember_reference(tenant, "r1")
    assert reference_taken(tenant, "r1") and tenant.state.references[0] == 1
    add("p2", "r2")  # arrived without remember_reference (a fixture): the count differs, so rebuilt
    add("p3", "r3")
    assert reference_taken(tenant, "r3") and not reference_taken(tenant, "r4")
    assert "references" not in AccessState().to_dict() and AccessState().to_dict() == {}
