"""paymentService XML at `POST /jsp/merchant/xml/paymentService.jsp`."""

from __future__ import annotations

from ...web.adapter import Adapter
from .errors import transport_error
from .routes import setup

API = Adapter(name="wpg", prefixes=("/jsp/", "/shopper/3ds/"), setup=setup, error=transport_error)
