"""Access Tokens v3 (JSON HAL): `/tokens`, per-field links, network tokens, discovery."""

from __future__ import annotations

from ...web.adapter import Adapter
from .errors import transport_error
from .routes import setup

API = Adapter(name="access", prefixes=("/tokens", "/rels"), setup=setup, error=transport_error)
