"""Payments with an Access token (Payments API 2024-06-01, `/api/payments`): authorise, settle
(full, partial), cancel, refund (full, partial), reverse, query.

Facts (docs/access.md "Payments", sources there): the token is named by its href or by tokenId
(+ namespace); the Try issuer simulator decides by the cardholder name stored in the token
(`AUTHORISED` or any other name authorises, `REFUSED`/`REFUSED<n>` refuse with the refusal code
table, `ERROR` is a 500); an authorisation that reaches the issuer is a use of the token (seed
002's extension rule); the first payment bundles its scheme reference with the token and later
merchant-initiated payments reuse it. Payments are the tenant's `payments` (shared Payment state
machine, core/payments.py), so reset, snapshot, journal and fixtures treat them like tokens.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .. import payments as machine
from ..cards import CardProfile
from ..errors import DomainError, TokenNotFound
from ..payments import AUTHORISED, CAPTURED, REFUSED, Payment
from ..tokens import Token
from . import tokens
from .operations import TokenView, create_token, token_from_href
from .scope import Scope

API = "payments"  # Payment.meta["api"]: which wire the payment was made on
CARD_PAYMENTS = "cardPayments"  # Card Payments v7 (/cardPayments/...), the same engine

# Try refusal test values: cardHolderName `REFUSED<code>` (developer.worldpay.com/products/
# payments/testing, /products/reference/refusal-response). Codes not listed refuse as REFUSED.
REFUSALS = {
    4: "HOLD CARD", 5: "REFUSED", 8: "APPROVE AFTER IDENTIFICATION", 13: "INVALID AMOUNT",
    15: "INVALID CARD ISSUER", 17: "ANNULATION BY CLIENT", 28: "ACCESS DENIED",
    29: "IMPOSSIBLE REFERENCE NUMBER", 33: "CARD EXPIRED", 34: "FRAUD SUSPICION",
    38: "SECURITY CODE EXPIRED", 41: "LOST CARD", 43: "STOLEN CARD, PICK UP", 51: "LIMIT EXCEEDED",
    55: "INVALID SECURITY CODE",
}
CVC_NOT_MATCHED = ("444", "4444")  # Try CVC magic: not matched (555 / 6666 match)
AVS_NOT_MATCHED = {"CCCC": ("address",), "FFFF": ("postcode",), "JJJJ": ("address", "postcode")}


class PaymentTokenUnknown(DomainError):
    """The token named in the payment is unknown, deleted or expired (vendor silent: refused as an
    invalid value at `json_path`, docs/access.md)."""

    def __init__(self, json_path: str) -> None:
        super().__init__(f"no live token at {json_path}")
        self.json_path = json_path


class IssuerError(DomainError):
    """The `ERROR` magic name: the issuer simulator fails (Payments API: 500)."""


class DuplicateTransaction(DomainError):
    """A transactionReference already used by this merchant (400 transactionHasAlreadyBeenProcessed)."""


class PaymentNotFound(DomainError):
    """No payment behind this link for this merchant."""


class ActionNotOffered(DomainError):
    """The payment's state does not offer this action (its `_actions` do not list it)."""

    def __init__(self, action: str) -> None:
        super().__init__(f"{action} is not offered in this state")
        self.action = action


class AmountNotAvailable(DomainError):
    """A partial amount above what is left, or in another currency (`json_path` names which)."""

    def __init__(self, json_path: str, reason: str) -> None:
        super().__init__(reason)
        self.json_path = json_path


@dataclass(slots=True)
class Agreement:
    type: str  # cardOnFile | subscription | installment | unscheduled
    stored_card_usage: str | None = None  # first | subsequent
    scheme_reference: str | None = None
    installment_type: str | None = None


@dataclass(slots=True)
class AuthorizeRequest:
    transaction_reference: str
    entity: str
    amount: int
    currency: str
    narrative: str
    token_href: str | None = None
    token_id: str | None = None
    namespace: str | None = None
    cvc: str | None = None
    order_reference: str | None = None
    channel: str | None = None
    agreement: Agreement | None = None
    auto_settle: bool = False
    wire: str = API  # API or CARD_PAYMENTS: where the payment's actions are offered
    card: tokens.CardDetails | None = None  # a `plain` instrument instead of a token
    token_creation: dict | None = None  # {"namespace"?, "description"?}: store the plain card


@dataclass(slots=True)
class Authorization:
    payment: Payment
    token: Token | None  # the token paid with, or the one `tokenCreation` stored; None for a plain card
    profile: CardProfile
    created: TokenView | None = None  # set when this payment stored the card (the reply's `token`)

    @property
    def outcome(self) -> str:
        return self.payment.meta["outcome"]


def _token(scope: Scope, req: AuthorizeRequest, now: float) -> Token:
    if req.token_href is not None:
        try:
            return token_from_href(scope, req.token_href)[1]
        except TokenNotFound:
            raise PaymentTokenUnknown("$.instruction.paymentInstrument.href") from None
    tenant = scope.core.store.peek(scope.tid)
    try:
        token = tokens.find(tenant.tokens if tenant else None, req.token_id, now)
    except TokenNotFound:
        raise PaymentTokenUnknown("$.instruction.paymentInstrument.tokenId") from None
    if token.owner != req.namespace:
        raise PaymentTokenUnknown("$.instruction.paymentInstrument.namespace")
    return token


def issuer_decision(holder: str | None, expiry: tuple[int | None, int | None], now: float) -> tuple[int, str] | None:
    """(refusalCode, refusalDescription) or None for an authorisation; IssuerError for `ERROR`.
    Magic names are case-sensitive (the vendor's SFCC cartridge keeps their case)."""
    name = (holder or "").strip()
    if name == "ERROR":
        raise IssuerError("ERROR magic value")
    if name.startswith("REFUSED"):
        code = name[len("REFUSED"):]
        if code == "":
            return 5, REFUSALS[5]
        if code.isdigit():
            return int(code), REFUSALS.get(int(code), "REFUSED")
    month, year = expiry
    today = datetime.fromtimestamp(now, UTC)
    if month and year and (year, month) < (today.year, today.month):
        return 33, REFUSALS[33]  # the issuer refuses an expired card (the REFUSED33 outcome)
    return None


def _risk_factors(address: dict | None, cvc: str | None) -> list[dict]:
    cvc_risk = "notSupplied" if cvc is None else "notMatched" if cvc in CVC_NOT_MATCHED else "notChecked"
    postcode = ((address or {}).get("postalCode") or "").upper()
    avs = AVS_NOT_MATCHED.get(postcode, ())
    return [{"risk": cvc_risk, "type": "cvc"}] + [
        {"risk": "notMatched" if detail in avs else "notChecked", "detail": detail, "type": "avs"}
        for detail in ("address", "postcode")
    ]


def authorize(scope: Scope, req: AuthorizeRequest) -> Authorization:
    """POST /api/payments (or a v7 transaction): with a token, or with a plain card that
    `tokenCreation` may store ("Use a stored card": the first payment creates the token, through
    the same create_token as POST /tokens, only when it is authorised). Everything that can
    refuse (token, duplicate reference, ERROR magic) is checked before the tenant is written."""
    store, now, policy = scope.core.store, scope.now(), scope.policy
    token = _token(scope, req, now) if req.card is None else None
    card = req.card or tokens.CardDetails(token.pan, token.holder, token.expiry_month, token.expiry_year,
                                          token.address)
    tenant = store.peek(scope.tid)
    if tenant is not None and reference_taken(tenant, req.transaction_reference):
        raise DuplicateTransaction(req.transaction_reference)
    refusal = issuer_decision(card.holder, (card.month, card.year), now)
    profile = scope.core.catalogue.profile(card.pan)
    created = None
    if refusal is None and req.token_creation is not None:
        created = create_token(scope, tokens.CreateRequest(
            card=card, namespace=req.token_creation.get("namespace"),
            description=req.token_creation.get("description"), entity=req.entity))
        token = created.token
    tenant = store.write(scope.tid, whole=False)
    if token is not None:
        tenant.tokens.touch(token)  # used, or given its scheme reference
    if token is not None and created is None:
        tokens.use(token, now, policy)  # an authorisation that reached the issuer is a use (seed 002)
    agreement = req.agreement
    scheme = (agreement.scheme_reference if agreement else None) or (token.meta.get(tokens.STR) if token else None)
    if scheme is None:
        scheme = store.ids.digits(15)
        if refusal is None and token is not None:  # bundled with the token for later MITs
            token.meta[tokens.STR] = scheme
    payment = new_payment(new_payment_id(store.ids), req, card, token.id if token else None, scheme, refusal,
                          now, None if refusal else store.ids.digits(6))
    payment.meta["commandId"] = store.ids.hex(24)  # Card Payments v7 names each command (21-36 characters)
    tenant.payments[payment.id] = payment
    remember_reference(tenant, req.transaction_reference)
    if refusal is None and req.auto_settle:
        machine.capture(payment, None, now, store.ids.hex(24))
        payment.meta["outcome"] = "sentForSettlement"
    return Authorization(payment, token, profile, created)


def reference_taken(tenant, reference: str) -> bool:
    """Whether a payment of this tenant already carries `reference`. The index is rebuilt whenever
    the payments counted differ (a fixture, a restore or a reset put payments there), so it can never
    miss one; between those, each authorisation adds its own reference."""
    state = tenant.state
    counted = state.references
    if counted is None or counted[0] != len(tenant.payments):
        refs = {p.meta.get("transactionReference") for p in tenant.payments.values()}
        counted = state.references = (len(tenant.payments), refs)
    return reference in counted[1]


def remember_reference(tenant, reference: str) -> None:
    """After one payment was added: count it in the index (or leave the index to be rebuilt)."""
    counted = tenant.state.references
    if counted is not None and counted[0] == len(tenant.payments) - 1:
        counted[1].add(reference)
        tenant.state.references = (len(tenant.payments), counted[1])


def new_payment_id(ids) -> str:
    return "payI" + base64.urlsafe_b64encode(ids.bytes(15)).decode()


def new_payment(pid: str, req: AuthorizeRequest, card: tokens.CardDetails, token_id: str | None, scheme: str,
                refusal: tuple[int, str] | None, now: float, authorization_code: str | None) -> Payment:
    """An Access payment as an authorisation stores it: the one constructor `authorize` and the
    fixture builder (sandbox/scenario/access.py) share."""
    agreement = req.agreement
    meta = {
        "api": req.wire, "outcome": "authorized" if refusal is None else "refused",
        "transactionReference": req.transaction_reference, "orderReference": req.order_reference,
        "entity": req.entity, "channel": req.channel, "narrative": req.narrative,
        "agreement": None if agreement is None else {k: getattr(agreement, k) for k in agreement.__slots__},
        "schemeReference": scheme, "riskFactors": _risk_factors(card.address, req.cvc),
        "card": {"bin": card.pan[:6], "lastFour": card.pan[-4:], "month": card.month, "year": card.year,
                 "par": _par(card.pan)},
    }
    if refusal is None:
        meta["authorizationCode"] = authorization_code
    else:
        meta["refusalCode"], meta["refusalDescription"] = str(refusal[0]), refusal[1]
    return Payment(id=pid, amount=req.amount, currency=req.currency, created_at=now, token_id=token_id,
                   status=AUTHORISED if refusal is None else REFUSED, meta=meta)


def _par(pan: str) -> str:
    from .network import payment_account_reference

    return payment_account_reference(pan)


# -- actions on an authorised payment (`_actions`) -------------------------------------------------
SETTLE, PARTIAL_SETTLE, CANCEL, REFUND, PARTIAL_REFUND, REVERSE = (
    "settlePayment", "partiallySettlePayment", "cancelPayment", "refundPayment", "partiallyRefundPayment",
    "reversePayment")


def actions(p: Payment) -> list[str]:
    """The actions the payment's state offers, in the vendor's reply order."""
    if p.status == AUTHORISED:  # a zero-value verification has nothing to settle
        return [CANCEL, SETTLE, PARTIAL_SETTLE, REVERSE] if p.amount else [CANCEL]
    if p.status != CAPTURED:
        return []
    if p.refunded:
        return [PARTIAL_REFUND]
    if p.captured < p.amount and not p.meta.get("remainderCancelled"):
        return [REFUND, PARTIAL_REFUND, PARTIAL_SETTLE, CANCEL, REVERSE]
    return [REFUND, PARTIAL_REFUND, REVERSE]


def last_event(p: Payment) -> str:
    """The Payments API `lastEvent` for the payment's latest command."""
    if p.status == REFUSED:
        return "Refused"
    kind = p.events[-1]["type"] if p.events else None
    return {
        "capture": "Sent for Settlement", "refund": "Sent for Refund", "cancel": "Sent for Cancellation",
    }.get(kind, "Authorized")


def find(scope: Scope, payment_id: str, wire: str = API) -> Payment:
    """The payment behind a link of `wire` (a Payments API link never reaches a v7 payment)."""
    tenant = scope.core.store.peek(scope.tid)
    p = tenant.payments.get(payment_id) if tenant is not None else None
    if p is None or p.meta.get("api") != wire:
        raise PaymentNotFound(payment_id)
    return p


@dataclass(slots=True)
class ActionRequest:
    action: str
    amount: int | None = None  # partial settle / refund
    currency: str | None = None
    reference: str | None = None
    sequence: dict | None = field(default=None)


def act(scope: Scope, payment_id: str, req: ActionRequest, wire: str = API) -> Payment:
    """Apply one offered action. The state and the amount are checked before the write."""
    p = find(scope, payment_id, wire)
    if req.action not in actions(p):
        raise ActionNotOffered(req.action)
    if req.amount is not None:
        if req.currency != p.currency:
            raise AmountNotAvailable("$.value.currency", f"the payment is in {p.currency}")
        left = (p.amount - p.captured) if req.action == PARTIAL_SETTLE else (p.captured - p.refunded)
        if not 0 < req.amount <= left:
            raise AmountNotAvailable("$.value.amount", f"at most {left} is left")
    store, now = scope.core.store, scope.now()
    store.write(scope.tid, whole=False).payments.touch(p)
    event_id = store.ids.hex(24)  # also the v7 commandId of this command
    if req.action in (SETTLE, PARTIAL_SETTLE):
        _settle(p, p.amount - p.captured if req.action == SETTLE else req.amount, now, event_id)
    elif req.action == CANCEL:
        if p.status == AUTHORISED:
            machine.cancel(p, now, event_id)
        else:  # the remainder of a partly settled authorisation
            p.meta["remainderCancelled"] = True
            p.events.append({"type": "cancel", "amount": p.amount - p.captured, "at": now, "id": event_id})
    elif req.action in (REFUND, PARTIAL_REFUND):
        machine.refund(p, req.amount, now, event_id)
    else:  # REVERSE: cancel an authorisation, refund a settled payment
        if p.status == AUTHORISED:
            machine.cancel(p, now, event_id)
        else:
            machine.refund(p, None, now, event_id)
    if req.reference:
        p.events[-1]["reference"] = req.reference
    return p


def _settle(p: Payment, amount: int, now: float, event_id: str) -> None:
    if p.status == AUTHORISED:
        machine.capture(p, amount, now, event_id)
    else:  # a further partial settlement of the same authorisation
        p.captured += amount
        p.events.append({"type": "capture", "amount": amount, "at": now, "id": event_id})

