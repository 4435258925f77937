"""The control plane under `/_sandbox/` (DESIGN §4.3): JSON in, JSON out.

One module per resource, each with its own `setup(app)`; helpers they share are in `http.py`.
"""

from __future__ import annotations

from aiohttp import web

from . import dashboard, faults, fixtures, keys, notifications, routes
from .errors import admin_error

__all__ = ["admin_error", "setup"]


def setup(app: web.Application) -> None:
    routes.setup(app)  # health, reset, state, journal, clock, cards, openapi.json
    dashboard.setup(app)  # the HTML dashboard at /_sandbox/ and the example merchant pages
    faults.setup(app)
    fixtures.setup(app)
    keys.setup(app)  # paymentService detokenisation keys
    notifications.setup(app)  # paymentService order notifications
