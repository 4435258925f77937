"""Unit tests of the paymentService domain core (sandbox/core/wpg, no HTTP): token create
NEW/MATCH/CONFLICT, the shopper cap, the update limit, Account Updater, order transitions and the
notification retry schedule. Each test names the document it follows."""

from __future__ import annotations

import pytest

from sandbox.core import Core
from sandbox.core.cards import luhn_ok
from sandbox.core.clock import parse_iso
from sandbox.core.errors import OwnerFull, TokenNotFound, UpdateLimitExceeded
from sandbox.core.payments import AUTHORISED, CANCELLED, CAPTURED, REFUNDED, REFUSED
from sandbox.core.tenants import TenantId
from sandbox.core.wpg import notifications, orders, token_service
from sandbox.core.wpg.env import Env
from sandbox.core.wpg.errors import CardRefused, OrderError, TokenRuleError
from sandbox.core.wpg.requests import Amount, CreateToken, ModifyRequest, OrderRequest, TokenUse
from sandbox.core.wpg.tokens import Card

T0 = parse_iso("2026-01-15T10:00:00Z")
VISA = "4444333322221111"


@pytest.fixture
def env() -> Env:
    core = Core.create(seed=7)
    tid = TenantId.of("wpg", "MYMERCHANT")
    core.store.clock_for(tid).set(T0)
    core.store.clock_for(tid).freeze()  # virtual time moves only when a test moves it
    return Env(core, tid)


def card(pan=VISA, holder="J.Shopper", month=6, year=2031, address=None) -> Card:
    return Card(pan, month, year, holder, address)


def create(env, shopper="shopper1", c=None, scope="shopper"):
    return token_service.create_token(env, shopper, c or card(), CreateToken(scope, "ref1", None, None))


def order(env, code="o1", holder="AUTHORISED", create_token=None, shopper=None, token=None, amount=1000):
    c = None if token else card(holder=holder)
    return orders.authorise(env, OrderRequest(code, Amount(amount, "GBP", 2), c, token, shopper, create_token))


# -- tokens (seed 003 "Create tokens" reference table) --------------------------------------------
def test_create_is_new_then_match_then_conflict_keeping_the_stored_data(env):
    """seed 003: same shopper + PAN gives the existing token; differing holder/expiry is CONFLICT."""
    outcome, first, _ = create(env)
    assert outcome.value == "NEW" and first.meta["reason"].startswith("Created token without payment on 2026-01-15")
    outcome, again, _ = create(env)
    assert outcome.value == "MATCH" and again.id == first.id
    outcome, conflict, _ = create(env, c=card(holder="Someone Else"))
    assert outcome.value == "CONFLICT" and conflict.id == first.id and conflict.holder == "J.Shopper"
    outcome, merchant_token, _ = create(env, shopper=None, scope="merchant")
    assert outcome.value == "NEW" and merchant_token.id != first.id and merchant_token.owner is None


def test_shopper_cap_refuses_the_seventeenth_card_without_writing(env):
    """wpg.md §3.1: at most 16 tokens per authenticatedShopperID."""
    pans = ["4111111111111111", "4012888888881881", "5555555555554444", "5105105105105100"]
    for i in range(16):
        base = pans[i % 4][:-4] + f"{i:02d}"
        pan = next(base + f"{d}{c}" for d in range(10) for c in range(10) if luhn_ok(base + f"{d}{c}"))
        create(env, c=card(pan=pan))
    version = env.store.version
    with pytest.raises(OwnerFull):
        create(env, c=card(pan="4917610000000000"))
    assert env.store.version == version  # refused before any write


def test_update_limit_and_past_expiry_are_refused(env):
    """seed 003 "Update tokens": 10 updates in 30 days; wpg.md §7: a past expiry is refused (issue 15)."""
    _, token, _ = create(env)
    with pytest.raises(CardRefused) as e:
        token_service.update_token(env, "shopper", "shopper1", token.id, Card(None, 12, 2020, None, None))
    assert e.value.code == 7
    for _ in range(10):
        token_service.update_token(env, "shopper", "shopper1", token.id, Card(None, 7, 2032, "New Name", None))
    with pytest.raises(UpdateLimitExceeded):
        token_service.update_token(env, "shopper", "shopper1", token.id, Card(None, 7, 2032, None, None))
    with pytest.raises(TokenRuleError):
        token_service.update_token(env, "shopper", "shopper1", token.id, Card("4111111111111111", None, None, None, None))


def test_account_updater_rewrites_a_token_on_inquiry(env):
    """seed 003 "Account Updater token inquiries": a new PAN gives a format-preserving token a new id."""
    env.core.catalogue.merge({"wpg": {"cards": {"4012888888881881": {"accountUpdater": {
        "newPan": "4111111111111111", "newExpiry": "09/2033"}}}}})
    _, token, _ = create(env, c=card(pan="4012888888881881"))
    old_id = token.id
    found = token_service.inquire(env, "shopper", "shopper1", old_id)
    assert found.token.pan == "4111111111111111" and (found.token.expiry_month, found.token.expiry_year) == (9, 2033)
    assert found.token.id != old_id and found.token.id[2:8] == "411111"
    with pytest.raises(TokenNotFound):
        token_service.inquire(env, "shopper", "shopper1", old_id)
    assert token_service.inquire(env, "shopper", "shopper1", found.token.id).token.id == found.token.id


# -- orders (wpg.md §4.2, §4.3, §7) -----------------------------------------------------------------
def test_order_state_transitions_capture_refund_and_cancel(env):
    """wpg.md §4.3: capture once up to the amount, refund up to the captured amount, cancel before capture."""
    p = order(env)
    assert p.status == AUTHORISED and p.meta["paymentMethod"] == "VISA-SSL"
    with pytest.raises(OrderError, match="exceeds the authorised balance"):
        orders.modify(env, ModifyRequest("o1", "capture", Amount(5000, "GBP", 2)))
    p, done = orders.modify(env, ModifyRequest("o1", "capture", None))
    assert (p.status, done) == (CAPTURED, 1000)
    with pytest.raises(OrderError, match="Order not ready"):
        orders.modify(env, ModifyRequest("o1", "cancel", None))
    p, done = orders.modify(env, ModifyRequest("o1", "refund", Amount(400, "GBP", 2)))
    assert done == 400 and orders.last_event(p) == "SENT_FOR_REFUND"
    p, _ = orders.modify(env, ModifyRequest("o1", "cancelOrRefund", None))  # refunds what is left
    assert p.status == REFUNDED and p.refunded == 1000
    order(env, "o2")
    p, done = orders.modify(env, ModifyRequest("o2", "cancelOrRefund", None))  # only authorised: cancels
    assert p.status == CANCELLED and done is None
    with pytest.raises(OrderError, match="Duplicate Order"):
        order(env, "o2")
    with pytest.raises(OrderError, match=orders.NOT_FOUND):
        orders.modify(env, ModifyRequest("nope", "capture", None))


def test_token_is_created_only_for_an_authorised_order(env):
    """wpg.md §4.2: createToken on a refused order creates nothing; TOKEN-SSL pays with the token."""
    ct = CreateToken("shopper", None, None, None)
    refused = order(env, "r1", holder="REFUSED", create_token=ct, shopper="shopper1")
    assert refused.status == REFUSED and "createdToken" not in refused.meta
    assert not env.store.peek(env.tid).tokens.of_owner("shopper1")
    ok = order(env, "a1", create_token=ct, shopper="shopper1")
    made = ok.meta["createdToken"]
    assert made["event"] == "NEW" and env.store.peek(env.tid).tokens.get(made["id"]).meta["reason"] == \
        "Created during order: a1"
    paid = order(env, "t1", shopper="shopper1", token=TokenUse("shopper", made["id"], Card(None, None, None, None, None)))
    assert paid.token_id == made["id"] and paid.status == AUTHORISED
    with pytest.raises(CardRefused):
        orders.authorise(env, OrderRequest("x", Amount(1, "GBP", 2), card(month=1, year=2020), None, None))


# -- notifications (wpg.md §6) ----------------------------------------------------------------------
def test_notification_retry_schedule_then_failed_and_redeliver(env):
    """wpg.md §6.1: unacknowledged notifications are retried on the virtual clock, then given up."""
    notifications.configure(env.store, env.tid, "http://127.0.0.1:9/notify", None)
    order(env, "n1")
    tenant = env.store.peek(env.tid)
    (note,) = notifications.due(tenant, env.now())
    assert note["event"] == "AUTHORISED" and note["body"] is None  # no adapter listening: rendered at delivery
    now = env.now()
    for wait in notifications.RETRY_AFTER:
        notifications.record_attempt(note, now, status=500, acknowledged=False, error=None)
        assert note["nextAttemptAt"] == now + wait and not notifications.due(tenant, now + wait - 1)
        now += wait
    notifications.record_attempt(note, now, status=None, acknowledged=False, error="refused")
    assert note["status"] == "failed" and notifications.due(tenant, now + 10 ** 7) == []
    woken = []

    class Listener:
        def render(self, tid, p, event, at):
            return f"<{event}/>"

        def wake(self, tid):
            woken.append(tid)

    notifications.listen(env.store, Listener())
    assert notifications.redeliver(env.store, note["id"])["status"] == "pending" and woken == [env.tid]
    orders.modify(env, ModifyRequest("n1", "cancel", None))  # CANCELLED is a default event
    assert notifications.outbox(tenant)[-1]["body"] == "<CANCELLED/>"
    notifications.listen(env.store, None)


# -- 3-D Secure (wpg.md §11.1, §11.2) ---------------------------------------------------------------
def threeds_order(code="t3", holder="3D", **kw) -> OrderRequest:
    return OrderRequest(code, Amount(1500, "GBP", 2), card(holder=holder), None, "shopper1",
                        CreateToken("shopper", None, None, None), session_id="s1", browser_headers=True, **kw)


def test_threeds1_pending_then_second_leg_creates_the_token(env):
    """wpg.md §11.1: the first leg stores the order PENDING (no token); a sandbox PaRes completes it."""
    from sandbox.core.wpg import threeds
    from sandbox.core.wpg.requests import AuthenticationResult

    p = orders.submit(env, threeds_order())
    record = p.meta["threeDS"]
    assert orders.last_event(p) == "SENT_FOR_AUTHORISATION" and record["kind"] == threeds.V1
    assert threeds.challenge_of_pa_request(record["paRequest"]) == record["challengeId"]
    assert not env.store.peek(env.tid).tokens.of_owner("shopper1")
    with pytest.raises(OrderError) as bad:
        orders.submit(env, AuthenticationResult("t3", "s1", threeds.pa_response("someoneelse", "IDENTIFIED"), False))
    assert bad.value.code == 7
    done = orders.submit(env, AuthenticationResult("t3", "s1", threeds.pa_response(record["challengeId"], "IDENTIFIED"),
                                                   False))
    assert done.status == AUTHORISED and done.meta["threeDSResult"] == "Cardholder authenticated"
    assert done.meta["createdToken"]["event"] == "NEW"


def test_threeds_triggers_and_switches(env):
    """wpg.md §11.1-§11.2: no3DS and MPI data never challenge; 3DS1 can be switched off; Flex names."""
    from sandbox.core.wpg import threeds

    assert threeds.challenge_kind(threeds_order(dynamic3ds="no3DS"), "3D", True) is None
    assert threeds.challenge_kind(threeds_order(mpi_authenticated=True), "3DS_V2_CHALLENGE_IDENTIFIED", True) is None
    assert threeds.challenge_kind(threeds_order(), "3D", False) is None
    assert threeds.challenge_kind(threeds_order(dynamic3ds="do3DS"), "Jane", True) == threeds.V1
    assert threeds.challenge_kind(threeds_order(dynamic3ds="do3DS", flex=True), "Jane", True) is None
    assert threeds.challenge_kind(threeds_order(), "3DS_V1_CHALLENGE_IDENTIFIED", True) == threeds.V2
    assert threeds.frictionless("3DS_V2_FRICTIONLESS_REJECTED") == (False, "Cardholder not authenticated")
    assert threeds.read_pa_response("3DERROR") == ("", "3DERROR") and threeds.read_pa_response("junk!") is None


def test_threeds2_result_recorded_by_the_challenge_page(env):
    """wpg.md §11.2: the page's result decides the second leg; UNKNOWN_IDENTITY refuses, no token."""
    from sandbox.core.wpg.requests import AuthenticationResult

    p = orders.submit(env, threeds_order("t4", holder="3DS_V2_CHALLENGE_IDENTIFIED"))
    assert orders.record_challenge(env.store, p.meta["threeDS"]["challengeId"], "UNKNOWN_IDENTITY") is p
    done = orders.submit(env, AuthenticationResult("t4", "s1", None, True))
    assert done.status == REFUSED and "createdToken" not in done.meta


# -- idempotency (wpg.md §11.4) and the life cycle (§11.5) --------------------------------------------
def test_idempotency_keys(env):
    """wpg.md §11.4: UUID keys, replay within the lifetime, code 9 texts."""
    from sandbox.core.wpg import idempotency

    key = "6f1c2b0e-6c1d-4a7e-9a59-2b1f3f4c5d6e"
    idempotency.check_key(key, "on")
    for bad, mode, text in (("nope", "on", idempotency.INVALID), (key, "off", idempotency.NOT_ENABLED)):
        with pytest.raises(idempotency.IdempotencyError) as e:
            idempotency.check_key(bad, mode)
        assert (e.value.code, e.value.text) == (9, text)
    idempotency.remember(env, key, "<reply/>", ttl_days=1)
    assert idempotency.stored_reply(env, key.upper()) == "<reply/>"
    env.store.clock_for(env.tid).advance(86401)
    assert idempotency.stored_reply(env, key) is None


def test_life_cycle_settles_refunds_and_triggers(env):
    """wpg.md §11.5: SETTLED and REFUNDED after the configured virtual delays; REFUND_FAILED on demand."""
    from sandbox.core.wpg import lifecycle

    order(env, "lc1")
    orders.modify(env, ModifyRequest("lc1", "capture", None))
    assert lifecycle.advance(env) == 0
    env.store.clock_for(env.tid).advance(15 * 60)
    assert lifecycle.advance(env) == 1 and orders.last_event(orders.find(env, "lc1")) == "SETTLED"
    orders.modify(env, ModifyRequest("lc1", "refund", Amount(300, "GBP", 2)))
    p, _ = lifecycle.trigger(env, "lc1", "REFUND_FAILED")
    assert orders.last_event(p) == "REFUND_FAILED" and p.refunded == 0 and p.status == CAPTURED
    env.store.clock_for(env.tid).advance(60 * 60)
    lifecycle.advance(env)  # the REFUNDED scheduled for the failed refund was dropped
    assert orders.last_event(p) == "REFUND_FAILED"
    with pytest.raises(OrderError, match="cannot happen now"):
        lifecycle.trigger(env, "lc1", "CHARGEBACK_REVERSED")
    assert notifications.retry_schedule(10, 3) == (10, 50, 150)
    assert notifications.retry_schedule() == notifications.RETRY_AFTER
