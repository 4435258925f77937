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
    pay_as_order: str | None = None  # payAsOrder@orderCode: pay with the card of that earlier order
    description: str = ""
    session_id: str | None = None  # paymentDetails/session@id (3-D Secure legs share it)
    browser_headers: bool = False  # shopper/browser acceptHeader and userAgentHeader both sent
    dynamic3ds: str | None = None  # dynamic3DS@overrideAdvice: do3DS | no3DS
    flex: bool = False  # additional3DSData sent: the merchant runs 3DS2 (Flex)
    mpi_authenticated: bool = False  # paymentDetails/info3DSecure with external MPI data (cavv, eci ...)


@dataclass(slots=True)
class AuthenticationResult:
    """The second leg of a 3-D Secure order: `info3DSecure` (paResponse or completedAuthentication)
    with the first leg's session id (wpg.md §11.1, §11.2)."""

    order_code: str
    session_id: str | None
    pa_response: str | None  # 3DS1
    completed: bool  # 3DS2 completedAuthentication


@dataclass(slots=True)
class ModifyRequest:
    order_code: str
    action: str  # capture | cancel | refund | cancelOrRefund | voidSale
    amount: Amount | None
    reference: str | None = None  # capture@reference / refund@reference (journalReference in notifications)
