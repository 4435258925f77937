"""The OPP domain core without HTTP (issue 12): retention on the virtual clock, extendlife,
deregistration states, the outcome decision order, and payment state transitions.

Docs: seed ../shared/seeds/000_5debcf6b81dcbf6e.txt ("Token extension") and opp.md §8-§10, E11.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox.core import Core, payments
from sandbox.core.opp import backoffice, registrations, transactions
from sandbox.core.opp.errors import OppError
from sandbox.core.opp.outcomes import decide
from sandbox.core.opp.registrations import RegistrationError
from sandbox.core.opp.scope import Scope
from sandbox.core.tenants import TenantId

ENTITY = "8a8294174b7ecb28014b9699220015cc"
CARD = {"number": "4200000000000000", "holder": "Jane Jones", "expiryMonth": "01", "expiryYear": "2031", "cvv": "123"}


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def core() -> Core:
    return Core.create(seed=7)


def scope(core: Core, when: str) -> Scope:
    core.store.clock.set(at(when))
    core.store.clock.freeze()
    return Scope.of(core, TenantId.of("opp", ENTITY))


def registered(core: Core, when: str = "2030-01-15T00:00:00", **card) -> str:
    req = transactions.TxRequest(brand="VISA", card={**CARD, **card})
    token, outcome = transactions.register(scope(core, when), req)
    assert outcome.code == "000.100.110"
    return token.id


def token_of(core: Core, token_id: str):
    return core.store.peek(TenantId.of("opp", ENTITY)).tokens.get(token_id)


# -- retention (seed "Token extension", opp.md §10) ---------------------------------------------
def test_retention_follows_the_seeds_example(core):
    """Seed: expiry 01/Y1 -> retention starts 1 Feb Y1 -> deleted 1 Apr Y2 (14 months)."""
    token = token_of(core, registered(core))
    assert registrations.state_of(token, at("2032-03-31T23:59:59")) == registrations.VALID
    assert registrations.state_of(token, at("2032-04-01T00:00:00")) == registrations.LAPSED
    with pytest.raises(RegistrationError) as e:
        registrations.find(core.store.peek(TenantId.of("opp", ENTITY)).tokens, token.id, at("2032-04-01T00:00:00"))
    assert e.value.code == "100.150.202"


def test_extendlife_keeps_the_token_24_months_after_expiry(core):
    """Seed: 'can get extended for up to 24-months' (from the same anchor, 1 Feb Y1)."""
    token = token_of(core, registered(core))
    registrations.extend(token, at("2031-06-01T00:00:00"))
    assert registrations.state_of(token, at("2032-04-15T00:00:00")) == registrations.VALID
    assert registrations.state_of(token, at("2033-02-01T00:00:00")) == registrations.LAPSED


def test_a_token_without_card_expiry_lapses_14_months_after_its_last_use(core):
    """opp.md §10: retention runs from the last transaction when there is no card expiry."""
    token = token_of(core, registered(core))
    token.expiry_month = token.expiry_year = None
    registrations.record_use(token, at("2030-06-01T00:00:00"))
    assert registrations.lapse_at(token) == at("2031-08-01T00:00:00")


@pytest.mark.parametrize("operation, codes", [
    ("use", ("100.150.200", "100.150.202")),
    ("deregister", ("100.150.200", "100.350.303")),
    ("extend", ("100.350.316", "100.350.316")),
])
def test_deregistration_states_answer_each_operations_code(core, operation, codes):
    """opp.md §8.3: missing vs deregistered, per operation; a malformed id is 100.150.101."""
    token_id = registered(core)
    book = core.store.peek(TenantId.of("opp", ENTITY)).tokens
    now = at("2030-02-01T00:00:00")
    with pytest.raises(RegistrationError) as missing:
        registrations.find(book, "0" * 32, now, operation)
    registrations.deregister(book.get(token_id), now)
    with pytest.raises(RegistrationError) as gone:
        registrations.find(book, token_id, now, operation)
    assert (missing.value.code, gone.value.code) == codes
    with pytest.raises(RegistrationError) as bad:
        registrations.find(book, "nope", now, operation)
    assert bad.value.code == "100.150.101"


# -- outcome decision order (core/opp/outcomes.py) ----------------------------------------------
def test_outcome_order_forced_code_then_magic_card_then_3ds_then_success():
    """opp.md §9: forceResultCode wins over a magic card, which wins over the 3DS test parameters."""
    magic = {"code": "800.100.152"}
    three_ds = {"3DS2_enrolled": "true"}
    forced = decide(mode="try", test_mode=None, custom={"forceResultCode": "000.100.112", **three_ds}, magic=magic,
                    stage="payment", cit=True)
    assert forced.code == "000.100.112"
    assert decide(mode="try", test_mode=None, custom=three_ds, magic=magic, stage="payment", cit=True).code \
        == "800.100.152"
    pending = decide(mode="try", test_mode=None, custom=three_ds, magic=None, stage="payment", cit=True)
    assert (pending.code, pending.status) == ("000.200.000", "pending")
    mit = decide(mode="try", test_mode=None, custom=three_ds, magic=None, stage="payment", cit=False)
    assert mit.code == "000.100.110"  # no cardholder, no challenge
    assert decide(mode="live", test_mode=None, custom={}, magic=None, stage="payment", cit=True).code == "000.000.000"
    assert decide(mode="try", test_mode="EXTERNAL", custom={}, magic=None, stage="registration",
                  cit=True).code == "000.100.112"
    # a magic card's code applies to standalone registrations only when it says so
    assert decide(mode="try", test_mode=None, custom={}, magic=magic, stage="registration", cit=True).code \
        == "000.100.110"


# -- payments: state transitions and stored facts (opp.md E2, E11) -------------------------------
def pay(core: Core, when: str = "2030-01-15T00:00:00", **kw):
    req = transactions.TxRequest(payment_type=kw.pop("payment_type", "PA"), amount="92.00", minor=9200,
                                 currency="EUR", brand="VISA", card=kw.pop("card", dict(CARD)), **kw)
    return transactions.pay(scope(core, when), req, None, "http://sandbox")


def test_payment_transitions_capture_refund_and_refusals(core):
    """E11: PA -> CP (700.400.100 twice) -> RF up to the captured amount (700.400.200 beyond)."""
    pa = pay(core)
    assert pa.status == payments.AUTHORISED and pa.meta["code"] == "000.100.110"
    s = scope(core, "2030-01-15T01:00:00")
    cp = backoffice.reference(s, pa.id, "CP", None, "EUR", {})
    assert (pa.status, cp.status, cp.amount, cp.meta["referencedId"]) == (payments.CAPTURED, payments.CAPTURED,
                                                                           9200, pa.id)
    with pytest.raises(OppError) as again:
        backoffice.reference(s, pa.id, "CP", None, "EUR", {})
    assert again.value.code == "700.400.100"
    backoffice.reference(s, cp.id, "RF", 5000, "EUR", {})  # a refund may name the capture
    with pytest.raises(OppError) as too_much:
        backoffice.reference(s, pa.id, "RF", 5000, "EUR", {})
    assert too_much.value.code == "700.400.200"
    assert pa.refunded == 5000


def test_reversal_and_unknown_references(core):
    """E11: RV cancels a PA; CP/RF/RV on an unknown id answer 700.400.510/520/530."""
    pa = pay(core)
    s = scope(core, "2030-01-15T01:00:00")
    backoffice.reference(s, pa.id, "RV", None, None, {})
    assert pa.status == payments.CANCELLED
    for kind, code in (("CP", "700.400.510"), ("RF", "700.400.520"), ("RV", "700.400.530")):
        with pytest.raises(OppError) as e:
            backoffice.reference(s, "f" * 32, kind, None, None, {})
        assert e.value.code == code


def test_a_declined_payment_is_stored_refused_with_its_code_and_creates_no_token(core):
    """opp.md §13.2: a decline is a transaction of its own; only success tokenises (§10)."""
    p = pay(core, payment_type="DB", custom={"forceResultCode": "800.100.151"}, create_registration=True)
    tenant = core.store.peek(TenantId.of("opp", ENTITY))
    assert tenant.payments[p.id].status == payments.REFUSED and transactions.declined(p)
    assert p.meta["code"] == "800.100.151" and "registrationId" not in p.meta
    assert len(tenant.tokens) == 0


def test_challenge_keeps_the_payment_pending_until_completed(core):
    """opp.md §9/§12.9: 3DS2_enrolled -> pending; completing it settles and creates the token."""
    p = pay(core, payment_type="DB", custom={"3DS2_enrolled": "true"}, create_registration=True)
    assert p.status == payments.PENDING and p.meta["redirect"]["url"] == f"http://sandbox/v1/threeDSecure/{p.id}"
    done, pending = backoffice.complete_challenge(core, TenantId.of("opp", ENTITY), p.id, True)
    assert done.status == payments.CAPTURED and done.meta["registrationId"] and "redirect" not in done.meta
    assert pending["createRegistration"] is True


def test_card_checks_refuse_before_anything_is_stored(core):
    """opp.md §8.5: a Luhn failure answers 100.100.101 with an id, and stores nothing."""
    with pytest.raises(OppError) as e:
        pay(core, card={**CARD, "number": "4200000000000001"})
    assert e.value.code == "100.100.101" and len(e.value.fields["id"]) == 32
    assert core.store.peek(TenantId.of("opp", ENTITY)) is None


# -- channels, accounts, card-on-file (issue 16) -------------------------------------------------
def test_iban_check_digits_and_account_codes():
    """opp.md §13.1: ISO 7064 mod-97 check digits; the 100.100.x / 100.200.x account codes."""
    from sandbox.core.opp.accounts import bank_account_error, iban_ok

    assert iban_ok("DE23100000001234567890") and iban_ok("GB82WEST12345698765432")
    assert not iban_ok("DE24100000001234567890")
    good = {"iban": "DE23100000001234567890", "holder": "Jane Jones", "country": "DE"}
    assert bank_account_error(good) is None
    assert bank_account_error({**good, "iban": None}) == "100.100.100"
    assert bank_account_error({**good, "holder": "Jo"}) == "100.100.401"
    assert bank_account_error({**good, "country": "FR"}) == "100.200.100"


def test_registrations_are_found_across_the_merchants_entities(core):
    """opp.md §13.3: an entity of the same merchant finds the registration; another merchant does not."""
    from sandbox.core.opp import merchant

    made = Scope(core, TenantId.of("opp", ENTITY), ENTITY, at("2030-01-15T00:00:00"), "m-1")
    token, _ = transactions.register(made, transactions.TxRequest(brand="VISA", card=dict(CARD)))
    sibling = Scope(core, TenantId.of("opp", "recurring1"), "recurring1", made.now, "m-1")
    found, owner = merchant.find_registration(sibling, token.id)
    assert found is token and owner == made.tid
    stranger = Scope(core, TenantId.of("opp", "stranger1"), "stranger1", made.now, "m-2")
    with pytest.raises(RegistrationError) as e:
        merchant.find_registration(stranger, token.id)
    assert e.value.code == "100.150.200"


def test_initial_cit_scheme_id_chains_the_mit(core):
    """opp.md §13.4: the INITIAL CIT's 15-digit id is kept by the registration and given to MITs."""
    si = {"mode": "INITIAL", "type": "RECURRING", "source": "CIT"}
    first = pay(core, payment_type="DB", si=dict(si), create_registration=True)
    initial = first.meta["standingInstruction"]["initialTransactionId"]
    assert len(initial) == 15 and initial.isdigit() and first.meta["citId"] == initial
    tenant = core.store.peek(TenantId.of("opp", ENTITY))
    token = tenant.tokens.get(first.meta["registrationId"])
    assert token.meta["initialTransactionId"] == initial
    mit = transactions.TxRequest(payment_type="DB", amount="1.00", minor=100, currency="EUR", cit=False,
                                 si={"mode": "REPEATED", "type": "RECURRING", "source": "MIT"})
    done = transactions.pay(scope(core, "2030-02-15T00:00:00"), mit, token, "http://sandbox")
    assert done.meta["standingInstruction"]["initialTransactionId"] == initial and "citId" not in done.meta
