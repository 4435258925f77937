"""Registrations (form-encoded OPP-style REST) under `/v1/`."""

from __future__ import annotations

from ...web.adapter import Adapter
from .errors import transport_error
from .routes import setup

API = Adapter(name="opp", prefixes=("/v1/", "/v1"), setup=setup, error=transport_error)
