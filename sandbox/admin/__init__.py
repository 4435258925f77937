"""The control plane under `/_sandbox/` (DESIGN §4.3): JSON in, JSON out."""

from __future__ import annotations

from .errors import admin_error
from .routes import setup

__all__ = ["admin_error", "setup"]
