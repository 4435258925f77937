"""Registrations and payments (opp.md E1-E3): the domain decisions and the facts they store.

Shared by server-to-server calls, checkouts and fixtures, so a widget payment and a REST payment
decide the same way. Order in every operation: everything checked, the outcome decided, and only
then the write (a refused request never changes the store). A payment keeps FACTS in
`Payment.meta` (result code, brand, card facts, echo fields, registration id, 3-D Secure state);
the adapter's render.py builds the vendor's JSON from them:

    paymentType, paymentBrand, testMode, code[, description], descriptor, echo{...},
    customParameters{...}, standingInstruction{...}, card{bin,last4Digits,...}, risk,
    registrationId (created by this payment), citId, threeDSecure{...}, redirect{...},
    pending{...} (waiting for 3-D Secure), referencedId (CP/RF/RV)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import payments
from ..payments import Payment
from ..tenants import TenantId
from ..tokens import Token
from . import cardonfile, currencies, merchant, registrations
from .accounts import account_error
from .errors import Declined, Invalid, OppError
from .outcomes import Outcome, card_error, decide, expiry_end, opp_brand
from .results import PENDING_OK, SUCCESS, classify, describe, success_code
from .scope import Scope

APPROVAL_BRANDS = ("PAYPAL",)  # virtual accounts the shopper approves at the provider


@dataclass(slots=True)
class TxRequest:
    """A validated registration or payment request (apis/opp/parse.py builds it from the wire)."""

    payment_type: str | None = None
    amount: str | None = None
    minor: int = 0
    currency: str | None = None
    brand: str | None = None
    card: dict | None = None
    account: dict | None = None  # {"bankAccount": {...}} (SEPA) or {"virtualAccount": {...}} (PayPal)
    create_registration: bool = False
    si: dict | None = None
    cit: bool = True
    custom: dict = field(default_factory=dict)
    test_mode: str | None = None
    echo: dict = field(default_factory=dict)  # merchantTransactionId, descriptor, customer{}, billing{}...
    shopper_result_url: str | None = None
    checkout_id: str | None = None

    def extras(self) -> dict:
        """The request fields every reply echoes (opp.md §6)."""
        extras = dict(self.echo)
        if self.custom:
            extras["customParameters"] = dict(self.custom)
        if self.si:
            extras["standingInstruction"] = dict(self.si)
        return extras


def card_facts(core, pan: str, holder: str | None, month, year) -> dict:
    """What a reply shows of a card: BIN, last four, holder, expiry, BIN country; never the PAN."""
    view = {"bin": pan[:6], "last4Digits": pan[-4:], "holder": holder,
            "expiryMonth": f"{int(month):02d}" if month else None, "expiryYear": str(year) if year else None}
    country = core.catalogue.profile(pan).country
    if country:
        view["binCountry"] = country
    return {k: v for k, v in view.items() if v is not None}


def token_card_facts(core, token: Token) -> dict:
    return card_facts(core, token.pan, token.holder, token.expiry_month, token.expiry_year)


def _card_check(scope: Scope, req: TxRequest, brand: str | None, require_cvv: bool) -> None:
    code = card_error(req.card, brand, scope.now, require_cvv)
    if code:
        card = req.card
        fields: dict = {"id": scope.new_id()}
        if brand:
            fields["paymentBrand"] = brand
        if card.get("number"):
            fields["card"] = card_facts(scope.core, card["number"], card.get("holder"), card.get("expiryMonth"),
                                        card.get("expiryYear"))
        raise OppError(code, fields)


def _need_brand(brand: str | None) -> None:
    # No paymentBrand and a number outside every known BIN range: the brand cannot be derived.
    if brand is None:
        raise Invalid([{"name": "paymentBrand", "value": None, "message": "may not be empty"}])


# -- E1 standalone registration ----------------------------------------------------------------
def register(scope: Scope, req: TxRequest) -> tuple[Token, Outcome]:
    """A standalone registration; Declined (nothing stored) unless the outcome succeeds."""
    if req.account is not None:
        return _register_account(scope, req)
    card = req.card
    brand = req.brand or opp_brand(card.get("number") or "")
    _card_check(scope, req, brand, scope.option("opp.registration_requires_cvv"))
    _need_brand(brand)
    magic = scope.core.catalogue.magic_for("opp", "cards", card["number"])
    outcome = decide(mode=scope.mode, test_mode=req.test_mode, custom=req.custom, magic=magic,
                     stage="registration", cit=True)
    token_id = scope.new_id()
    if not SUCCESS.match(outcome.code):
        facts = {"id": token_id, "paymentBrand": brand,
                 "card": card_facts(scope.core, card["number"], card.get("holder"), card["expiryMonth"],
                                    card["expiryYear"]), **req.extras()}
        raise Declined(outcome.code, facts, outcome.description)
    token = registrations.new_registration(token_id, card, scope.now, _token_meta(req, brand, None))
    registrations.add(scope.writable(whole=False).tokens, token)
    return token, outcome


def _register_account(scope: Scope, req: TxRequest) -> tuple[Token, Outcome]:
    """SEPA or PayPal registration (opp.md §13.1): account checks, then the outcome."""
    token_id = scope.new_id()
    facts = {"id": token_id, "paymentBrand": req.brand, **req.account, **req.extras()}
    code = account_error(req.account)
    if code:
        raise OppError(code, facts)
    outcome = decide(mode=scope.mode, test_mode=req.test_mode, custom=req.custom, magic=None,
                     stage="registration", cit=True)
    if not SUCCESS.match(outcome.code):
        raise Declined(outcome.code, facts, outcome.description)
    token = registrations.new_account_registration(token_id, req.account, scope.now,
                                                   _token_meta(req, req.brand, None))
    registrations.add(scope.writable(whole=False).tokens, token)
    return token, outcome


def _token_meta(req: TxRequest, brand: str, initial: str | None) -> dict:
    return registrations.registration_meta(brand, req.test_mode, req.echo.get("customer"), req.echo.get("billing"),
                                           req.custom, initial)


# -- E2 / E3 payments ---------------------------------------------------------------------------
def pay(scope: Scope, req: TxRequest, token: Token | None, base_url: str,
        token_owner: TenantId | None = None) -> Payment:
    """A PA/DB payment with a new card (optionally tokenised) or with a stored registration.

    Returns the stored payment; a declined one is stored too (status REFUSED, its code in the
    facts), as the platform's reporting finds every transaction that reached it (opp.md §13.2)."""
    core = scope.core
    if not currencies.valid(req.currency):
        raise OppError(currencies.INVALID_CURRENCY, {"id": scope.new_id()})
    brand, instrument, pan = _instrument(scope, req, token)
    tx_id = scope.new_id()
    if req.minor == 0 and req.payment_type != "PA":
        # Zero-amount account verification is a PA (opp.md E2); a zero debit is refused.
        raise OppError("100.550.300", {"id": tx_id, "paymentType": req.payment_type, "paymentBrand": brand,
                                       "amount": req.amount, "currency": req.currency, **instrument})
    echo = dict(req.echo)
    meta: dict = {"paymentType": req.payment_type, "paymentBrand": brand, "testMode": req.test_mode,
                  "descriptor": echo.pop("descriptor", None) or descriptor(scope), "echo": echo,
                  "customParameters": dict(req.custom), **instrument, "risk": "100" if pan else None}
    meta["standingInstruction"] = cardonfile.chain_mit(scope, dict(req.si) if req.si else None, req.cit, token)
    magic = core.catalogue.magic_for("opp", "cards", pan) if pan else None
    outcome = decide(mode=scope.mode, test_mode=req.test_mode, custom=req.custom, magic=magic,
                     stage="payment", cit=req.cit and bool(pan))
    if brand in APPROVAL_BRANDS and token is None and outcome.status == "success":
        # The shopper approves at PayPal first: pending with a redirect (opp.md §13.1).
        outcome = Outcome(PENDING_OK, describe(PENDING_OK), "pending", three_ds={"flow": "approval"})
    meta["code"] = outcome.code
    if outcome.description != describe(outcome.code):
        meta["description"] = outcome.description
    payment = Payment(id=tx_id, amount=req.minor, currency=req.currency, status=payments.PENDING,
                      created_at=scope.now, token_id=token.id if token else None, meta=meta)
    if outcome.status == "rejected":
        payment.status = payments.REFUSED
    else:
        _three_ds(meta, outcome, tx_id, base_url)
    tenant = scope.writable(whole=False)  # the payment is added below; a used registration touched
    if outcome.status == "pending":
        meta["pending"] = _pending(req, token, token_owner, brand, pan, outcome)
    elif outcome.status != "rejected":
        _succeeded(scope, req, payment, token, token_owner, brand, pan, outcome)
    tenant.payments[tx_id] = _compact(payment)
    return payment


def _pending(req: TxRequest, token: Token | None, token_owner, brand: str, pan: str | None,
             outcome: Outcome) -> dict:
    """What completing a 3-D Secure challenge or a PayPal approval needs (backoffice.py)."""
    new_card = None if token is not None or not pan else {
        k: req.card.get(k) for k in ("number", "holder", "expiryMonth", "expiryYear")}
    return {"createRegistration": req.create_registration and token is None, "card": new_card,
            "account": req.account if token is None else None, "kind": (outcome.three_ds or {}).get("flow"),
            "brand": brand, "checkoutId": req.checkout_id, "shopperResultUrl": req.shopper_result_url,
            "tokenMeta": _token_meta(req, brand, None), "cit": bool(req.cit and pan), "tokenOwner": token_owner}


def _succeeded(scope: Scope, req: TxRequest, payment: Payment, token: Token | None, token_owner,
               brand: str, pan: str | None, outcome: Outcome) -> None:
    """Money moved: settle, give a card CIT its scheme id, restart or create the registration."""
    meta = payment.meta
    settle(payment, req.payment_type)
    scheme_id = cardonfile.cit_succeeded(scope.core.store.ids, meta) if req.cit and pan else None
    if token is not None:
        merchant.record_use(scope, token, token_owner)
        if scheme_id and req.si and not token.meta.get("initialTransactionId"):
            token.meta["initialTransactionId"] = scheme_id
    elif req.create_registration and SUCCESS.match(outcome.code):
        # Only a payment the documented regex calls successful tokenises ("review" codes do not).
        reg_id = scope.new_id()
        meta_new = _token_meta(req, brand, scheme_id)
        new = (registrations.new_registration(reg_id, req.card, scope.now, meta_new) if pan else
               registrations.new_account_registration(reg_id, req.account, scope.now, meta_new))
        registrations.add(scope.writable(whole=False).tokens, new)
        meta["registrationId"] = reg_id


def _compact(payment: Payment) -> Payment:
    """Drop empty facts (None, {}, []) so stored state stays small and stable."""
    # Written out rather than `v not in (None, {}, [])`, which builds a new dict, list and tuple
    # and compares against each for every fact; "" / 0 / False are facts and stay.
    payment.meta = {k: v for k, v in payment.meta.items()
                    if v or (v is not None and not isinstance(v, (dict, list)))}
    return payment


def declined(payment: Payment) -> bool:
    """Refused by the outcome rules (seeded payments carry no code: their status says it)."""
    code = payment.meta.get("code")
    if code is None:
        return payment.status in (payments.REFUSED, payments.ERROR)
    return classify(code) == "rejected"


def _instrument(scope: Scope, req: TxRequest, token: Token | None) -> tuple[str, dict, str | None]:
    """(brand, the facts the reply shows of the card or account, the PAN for magic cards)."""
    core = scope.core
    if token is not None and not registrations.is_card(token):
        account = {k: token.meta[k] for k in ("bankAccount", "virtualAccount") if k in token.meta}
        return token.meta.get("paymentBrand"), account, None
    if token is not None:
        brand = token.meta.get("paymentBrand") or opp_brand(token.pan)
        cvv = req.card.get("cvv") if req.card else None
        if cvv is not None and (not cvv.isdigit() or len(cvv) != (4 if brand == "AMEX" else 3)):
            raise OppError("100.100.601", {"id": scope.new_id()})
        if token.expiry_year and expiry_end(token.expiry_year, token.expiry_month) < scope.now:
            raise OppError("100.100.303", {"id": scope.new_id(), "card": token_card_facts(core, token)})
        return brand, {"card": token_card_facts(core, token)}, token.pan
    if req.account is not None:
        code = account_error(req.account)
        if code:
            raise OppError(code, {"id": scope.new_id(), "paymentBrand": req.brand, **req.account})
        return req.brand, dict(req.account), None
    brand = req.brand or opp_brand(req.card.get("number") or "")
    _card_check(scope, req, brand, True)
    _need_brand(brand)
    c = req.card
    return brand, {"card": card_facts(core, c["number"], c.get("holder"), c["expiryMonth"], c["expiryYear"])}, c["number"]


def result_code(mode: str, payment: Payment) -> str:
    """The stored result code; a seeded payment without one reads as its status says."""
    code = payment.meta.get("code")
    if code:
        return code
    if payment.status in (payments.REFUSED, payments.ERROR):
        return "800.100.100" if payment.status == payments.REFUSED else "900.100.100"
    return success_code(mode, payment.meta.get("testMode"))


def settle(payment: Payment, payment_type: str) -> None:
    """A successful PA is authorised; DB, PA.CP and CD move the money at once."""
    if payment_type == "PA":
        payment.status = payments.AUTHORISED
    else:
        payment.status = payments.CAPTURED
        payment.captured = payment.amount


def _three_ds(meta: dict, outcome: Outcome, tx_id: str, base_url: str) -> None:
    if outcome.three_ds is None:
        return
    if outcome.three_ds["flow"] == "approval":
        # PayPal: our own stand-in approval page completes it (routes.py).
        meta["redirect"] = {"url": f"{base_url}/v1/approval/{tx_id}", "method": "GET", "parameters": []}
    elif outcome.status == "pending":
        # The shopper must pass a challenge: our own stand-in ACS page completes it (routes.py).
        # Shaped like the platform's 3-D Secure redirect (opp.md §13.8): a form POST of its parameters.
        meta["redirect"] = {"url": f"{base_url}/v1/threeDSecure/{tx_id}", "method": "POST", "parameters": [
            {"name": "MD", "value": tx_id}, {"name": "connector", "value": "THREEDSECURE"},
            {"name": "TermUrl", "value": f"{base_url}/v1/threeDSecure/{tx_id}"}]}
        meta["threeDSecure"] = {"challengeIndicator": "04"}
    else:
        meta["threeDSecure"] = {"eci": outcome.three_ds["eci"], "version": "2.2.0", "authenticationStatus": "Y"}


def descriptor(scope: Scope) -> str:
    """`dddd.dddd.dddd <channel name>` (opp.md §13.8): a new number for every transaction."""
    d = scope.core.store.ids.digits(12)
    return f"{d[:4]}.{d[4:8]}.{d[8:]} Token_Sandbox"
