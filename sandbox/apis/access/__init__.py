"""Access Worldpay: Tokens v3 (JSON HAL: `/tokens`, per-field links, network tokens, discovery),
Verified Tokens (`/verifiedTokens`) and payments with tokens (`/api/payments`, Card Payments v7)."""

from __future__ import annotations

from ...web.adapter import Adapter
from .errors import transport_error
from .routes import setup

API = Adapter(name="access", prefixes=("/tokens", "/rels", "/api/payments", "/verifiedTokens", "/cardPayments", "/payments/"), setup=setup, error=transport_error)
