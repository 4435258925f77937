"""Typed paymentService requests: what the adapter's parser builds from the XML and the core
functions take. Fixtures build the same objects, so they run the same code as the API."""

from __future__ import annotations

from dataclasses import dataclass

from .tokens import Card


@dataclass(slots=True)
class Amount:
    value: int  # minor units
    currency: str
    exponent: int


@dataclass(slots=True)
class CreateToken:
    """`createToken` inside an order or paymentTokenCreate (wpg.md §3.3)."""

    scope: str  # shopper | merchant
    reference: str | None  # tokenEventReference of this request
    reason: str | None
    expires_at: float | None  # paymentTokenExpiry, epoch seconds


@dataclass(slots=True)
class TokenUse:
    """TOKEN-SSL: pay with a stored token, optionally overriding expiry/holder for this payment."""

    scope: str
    token_id: str
    override: Card


@dataclass(slots=True)
class OrderRequest:
    order_code: str
    amount: Amount
    card: Card | None  # CARD-SSL / VISA-SSL / ... (None when paying with a token)
    token: TokenUse | None
    shopper: str | None
    create_token: CreateToken | None = None
    stored_credentials: bool = False
    scheme_id: str | None = None  # storedCredentials/schemeTransactionIdentifier sent by the merchant
    payout: bool = False  # paymentDetails action="REFUND": a credit to the card (ActiveMerchant `credit`)


@dataclass(slots=True)
class ModifyRequest:
    order_code: str
    action: str  # capture | cancel | refund | cancelOrRefund | voidSale
    amount: Amount | None
