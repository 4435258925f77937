"""paymentService orders: authorise with a card (optionally creating a token) or with TOKEN-SSL,
modify (capture, cancel, refund, cancelOrRefund, voidSale) and inquire (wpg.md §4.2, §4.3, §4.9).

Outcomes come from `catalogue.wpg.holders` in fixtures/default.yaml (wpg.md §7): the cardholder
name (from the request, a per-payment override or the token) picks `lastEvent` and an optional
ISO 8583 return code; any other name is AUTHORISED. Orders are `Payment`s keyed by orderCode, so
capture, cancel and refund reuse the shared state machine (core/payments.py). Every function
checks everything against a read-only tenant first and writes (Store.write) only after that.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..cards import CardProfile
from ..catalogue import Catalogue
from ..errors import InvalidTransition
from ..payments import AUTHORISED, CAPTURED, PENDING, REFUNDED, REFUSED, Payment, cancel, capture, refund
from ..tokens import Token
from . import cards, lifecycle, notifications, threeds
from . import tokens as wpg_tokens
from .env import Env
from .errors import OrderError, TokenRuleError
from .requests import AuthenticationResult, ModifyRequest, OrderRequest

NOT_FOUND = "Could not find payment for order"  # GOVUK, WPGJ, AM (wpg.md §5.3)


@dataclass(frozen=True, slots=True)
class Outcome:
    last_event: str  # AUTHORISED | REFUSED | ERROR
    iso_code: int | None = None
    iso_description: str | None = None


def outcome_for(catalogue: Catalogue, holder: str | None) -> Outcome:
    magic = catalogue.magic_for("wpg", "holders", (holder or "").strip().upper())
    if not magic:
        return Outcome(AUTHORISED)
    iso = magic.get("iso")
    return Outcome(str(magic.get("lastEvent", AUTHORISED)), int(iso) if iso is not None else None,
                   magic.get("description"))


def last_event(p: Payment) -> str:
    """The vendor's lastEvent for the payment's state (a refund is SENT_FOR_REFUND first)."""
    if p.meta.get("statusEvent"):
        return p.meta["statusEvent"]  # a later status (lifecycle.py) until the next modification
    if p.events and p.events[-1]["type"] == "refund":
        return "SENT_FOR_REFUND"
    return {REFUNDED: "SENT_FOR_REFUND", PENDING: "SENT_FOR_AUTHORISATION"}.get(p.status, p.status)


CARD_FACTS = ("paymentMethod", "masked", "funding", "expiryMonth", "expiryYear", "holder", "country", "shopper")


def card_facts(profile: CardProfile, *, month: int | None, year: int | None, holder: str | None,
               country: str, shopper: str | None) -> dict:
    """The card facts an order reply shows (`Payment.meta`); fixtures use the same function."""
    return {"paymentMethod": cards.payment_method(profile), "masked": profile.masked,
            "funding": profile.funding, "expiryMonth": month, "expiryYear": year, "holder": holder,
            "country": country, "shopper": shopper}


def card_of(env: Env, tenant, req: OrderRequest, now: float) -> tuple[dict, Token | None]:
    """The card facts the order is paid with (card, TOKEN-SSL or payAsOrder) and the token used."""
    if req.pay_as_order is not None:
        # payAsOrder: the card of an earlier order of this merchant (its facts; the PAN is not kept).
        original = tenant.payments.get(req.pay_as_order) if tenant else None
        if original is None:
            raise OrderError(5, f"{NOT_FOUND} {req.pay_as_order}")
        return {k: original.meta.get(k) for k in CARD_FACTS}, None
    used = None
    if req.token is not None:
        if req.create_token is not None:
            raise OrderError(2, "createToken cannot be combined with TOKEN-SSL: the card is already tokenised")
        use = req.token
        used = wpg_tokens.find(tenant, use.scope, req.shopper if use.scope == "shopper" else None, use.token_id, now)
        if use.override.pan is not None and use.override.pan != used.pan:
            raise TokenRuleError(2, "The card number of a token cannot be overridden")
        # Overrides apply to this payment only (seed 003 "Unlike a manual override ...").
        pan = used.pan
        month, year = ((use.override.expiry_month, use.override.expiry_year) if use.override.expiry_month
                       else (used.expiry_month, used.expiry_year))
        holder = use.override.holder or used.holder
    else:
        pan, month, year, holder = req.card.pan, req.card.expiry_month, req.card.expiry_year, req.card.holder
    profile = env.check_card(pan, month, year)
    return card_facts(profile, month=month, year=year, holder=holder, country=env.country(profile),
                      shopper=req.shopper), used


def submit(env: Env, req: OrderRequest | AuthenticationResult) -> Payment:
    """submit/order: a first authorisation request, or the second leg of a 3-D Secure order."""
    if isinstance(req, AuthenticationResult):
        return complete_authentication(env, req)
    return authorise(env, req)


def authorise(env: Env, req: OrderRequest) -> Payment:
    """Authorise an order with a card, a token (TOKEN-SSL) or an earlier order's card (payAsOrder),
    creating a token on request (`createToken`, only when the authorisation succeeds: wpg.md §4.2).
    A 3-D Secure trigger stores the order PENDING instead (threeds.py). Returns the stored order."""
    now = env.now()
    tenant = env.store.peek(env.tid)
    code = req.order_code
    if tenant is not None and code in tenant.payments:
        raise OrderError(5, f"Duplicate Order: an order with orderCode {code} already exists")
    facts, used = card_of(env, tenant, req, now)
    holder = facts["holder"]
    spec = token_spec(env, req, now)
    kind = threeds.challenge_kind(req, holder, env.core.options["wpg.threeds1"])
    if kind == threeds.V1 and threeds.missing_info(req):
        raise OrderError(5, "Missing info for 3D-secure transaction: session id and browser headers are required")
    if kind is not None:
        return _start_challenge(env, req, kind, facts, now)
    outcome = outcome_for(env.core.catalogue, holder)
    description = None
    friction = threeds.frictionless(holder)
    if friction is not None:
        authenticated, description = friction
        outcome = outcome if authenticated else Outcome(REFUSED)
    return _complete(env, req, facts, used, spec, outcome, now, description)


def token_spec(env: Env, req: OrderRequest, now: float) -> wpg_tokens.CreateRequest | None:
    if req.create_token is None:
        return None
    ct = req.create_token
    spec = wpg_tokens.CreateRequest(ct.scope, req.shopper if ct.scope == "shopper" else None, req.card,
                                    ct.reference, ct.reason, ct.expires_at, req.order_code)
    wpg_tokens.check_create(env.store.peek(env.tid), spec, now)
    return spec


def _start_challenge(env: Env, req: OrderRequest, kind: str, facts: dict, now: float) -> Payment:
    """Store the order PENDING with its first leg, for the challenge reply and the second leg."""
    ids = env.store.ids
    challenge_id = ids.hex(20)
    record = threeds.pending_record(kind, req, challenge_id, ids.digits(19), now, facts["holder"])
    if kind == threeds.V1:
        record["paRequest"] = threeds.pa_request(req.order_code, challenge_id, facts["masked"], req.amount,
                                                 req.description, env.tid.name, now)
    else:
        record["payload"] = threeds.v2_payload(challenge_id, req.order_code)
    p = Payment(id=req.order_code, amount=req.amount.value, currency=req.amount.currency, status=PENDING,
                created_at=now)
    p.meta.update(facts)
    p.meta.update({"exponent": req.amount.exponent, "threeDS": record})
    env.store.write(env.tid, whole=False).payments[p.id] = p
    return p


def complete_authentication(env: Env, leg: AuthenticationResult) -> Payment:
    """The second leg: check the authentication result, then authorise as the first leg asked."""
    p = find(env, leg.order_code)
    record = p.meta.get("threeDS")
    if p.status != PENDING or not record:
        raise OrderError(5, "Order not ready: no 3D Secure authentication is pending for this order")
    if record["kind"] == threeds.V1:
        if leg.pa_response is None:
            raise OrderError(7, "Invalid 3D Secure data: info3DSecure/paResponse is required for this order")
        read = threeds.read_pa_response(leg.pa_response)
        if read is None or (read[0] and read[0] != record["challengeId"]):
            raise OrderError(7, "Invalid 3D Secure data: verification of PaRes failed")  # wpg.md §5.3, §11.1
        result = read[1]
        authenticated = None if result in ("NOT_IDENTIFIED", "3DS_VALID_ERROR") else result not in threeds.V1_FAILED
    else:
        result = record.get("result") or record["suggested"]
        authenticated = None if result in ("VALID_ERROR", "BYPASSED") else result not in threeds.V2_FAILED
    req = threeds.request_of(record)
    now = env.now()
    facts, used = card_of(env, env.store.peek(env.tid), req, now)
    spec = token_spec(env, req, now)
    outcome = outcome_for(env.core.catalogue, facts["holder"]) if authenticated is not False else Outcome(REFUSED)
    return _complete(env, req, facts, used, spec, outcome, now, threeds.DESCRIPTION[authenticated])


def _complete(env: Env, req: OrderRequest, facts: dict, used: Token | None, spec, outcome: Outcome, now: float,
              threeds_description: str | None) -> Payment:
    """Everything is checked: store the authorisation (and the token asked for), notify."""
    code = req.order_code
    if req.payout and outcome.last_event == AUTHORISED:
        spec = None  # a payout credits the card: nothing to tokenise from it here
    created = event = None
    if spec is not None and outcome.last_event == AUTHORISED:
        # Tokens are created for authorised orders only (undocumented, wpg.md §4.2).
        created_outcome, created = wpg_tokens.create(env.store, env.tid, spec, mode=env.core.mode,
                                                     new_id=env.new_token_id)
        event = created_outcome.value
    tenant = env.store.write(env.tid, whole=False)  # adds the order; mark_used touches the token
    scheme = req.scheme_id
    if scheme is None and req.stored_credentials and outcome.last_event == AUTHORISED:
        scheme = env.store.ids.digits(15)  # the scheme's id for later merchant-initiated payments
    p = Payment(id=code, amount=req.amount.value, currency=req.amount.currency, status=outcome.last_event,
                created_at=now, token_id=used.id if used else None)
    p.meta.update(facts)
    p.meta.update({
        "exponent": req.amount.exponent,
        "isoCode": outcome.iso_code,
        "isoDescription": outcome.iso_description,
        "authorisationId": env.store.ids.digits(6) if outcome.last_event == AUTHORISED else None,
        "schemeId": scheme,
    })
    if threeds_description:
        p.meta["threeDSResult"] = threeds_description
    if created is not None:
        p.meta["createdToken"] = {"id": created.id, "event": event, "reference": spec.event_reference,
                                  "reason": spec.reason}
    if req.payout and outcome.last_event == AUTHORISED:
        # A credit to the card: captured and refunded at once, so lastEvent is SENT_FOR_REFUND.
        p.status, p.captured, p.refunded = REFUNDED, p.amount, p.amount
        p.meta["payout"] = True
        p.events.append({"type": "refund", "amount": p.amount, "at": now, "id": None})
    tenant.payments[code] = p
    if used is not None:
        wpg_tokens.mark_used(tenant, used, now)
    notifications.emit(env, p, last_event(p))
    lifecycle.follow_up(env, p, last_event(p))
    return p


def find_challenge(store, challenge_id: str) -> tuple[str, Payment] | None:
    """The pending order (and its tenant) with this 3DS challenge id, for the sandbox ACS pages."""
    for tid, tenant in store.tenants.items():
        if tid.api != "wpg":
            continue
        for p in tenant.payments.values():
            record = p.meta.get("threeDS") if p.status == PENDING else None
            if record and record["challengeId"] == challenge_id:
                return tid, p
    return None


def record_challenge(store, challenge_id: str, result: str) -> Payment | None:
    """The shopper finished the 3DS2 challenge page with `result` (threeds.V2_RESULTS)."""
    found = find_challenge(store, challenge_id)
    if found is None or result not in threeds.V2_RESULTS:
        return None
    tid, p = found
    store.write(tid, whole=False).payments.touch(p)
    p.meta["threeDS"]["result"] = result
    return p


def find(env: Env, order_code: str) -> Payment:
    tenant = env.store.peek(env.tid)
    p = tenant.payments.get(order_code) if tenant else None
    if p is None:
        raise OrderError(5, NOT_FOUND)
    return p


def money(minor: int, currency: str, exponent: int) -> str:
    return f"{currency} {minor / 10 ** exponent:.{exponent}f}"


def modify(env: Env, req: ModifyRequest) -> tuple[Payment, int | None]:
    """Capture, cancel, refund, cancelOrRefund or voidSale; returns the order and the amount the
    modification moved (None for a cancel). Raises OrderError (code 5, vendor texts where known)."""
    p = find(env, req.order_code)
    if req.amount is not None and req.amount.currency != p.currency:
        raise OrderError(5, f"Currency {req.amount.currency} does not match the order currency {p.currency}")
    amount = req.amount.value if req.amount is not None else None
    action = req.action
    if action in ("cancelOrRefund", "voidSale"):
        # Cancel while only authorised, refund in full once captured (wpg.md §4.3; ActiveMerchant, hybris).
        action, amount = ("cancel", None) if p.status == AUTHORISED else ("refund", None)
    exp = int(p.meta.get("exponent", 2))
    if action == "capture" and p.status in (CAPTURED, REFUNDED) and amount in (None, p.captured):
        # A repeated capture of a captured order is a success, nothing captured twice (GOV.UK PR 443, wpg.md §11.4).
        return p, p.captured
    if action == "capture" and amount is not None and amount > p.amount and p.status == AUTHORISED:
        raise OrderError(5, f"Requested capture amount ({money(amount, p.currency, exp)}) exceeds the "
                            f"authorised balance for this payment ({money(p.amount, p.currency, exp)})")
    if action == "refund" and p.status in (CAPTURED, REFUNDED) and amount is not None \
            and amount > p.captured - p.refunded:
        raise OrderError(5, "Refund amount too high")
    now = env.now()
    probe = Payment.from_dict(p.to_dict())  # try the transition on a copy: refuse without writing
    try:
        _apply(probe, action, amount, now, None)
    except InvalidTransition:
        raise OrderError(5, "Order not ready") from None  # AM (wpg.md §5.3)
    env.store.write(env.tid, whole=False).payments.touch(p)
    done = _apply(p, action, amount, now, req.reference)
    p.meta.pop("statusEvent", None)
    notifications.emit(env, p, last_event(p))
    lifecycle.follow_up(env, p, last_event(p))
    return p, done


def _apply(p: Payment, action: str, amount: int | None, now: float, reference: str | None) -> int | None:
    if action == "capture":
        return capture(p, amount, now, reference)
    if action == "refund":
        return refund(p, amount, now, reference)
    cancel(p, now, reference)
    return None
