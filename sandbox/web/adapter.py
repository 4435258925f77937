"""What an API adapter hands the app: its name, the paths it owns, its routes, its error constructor.

Each package under `sandbox/apis/` exposes one `API = Adapter(...)`; only the composition root
(`sandbox/app.py`) imports it. The middleware and fault rules reach an adapter only through this
record (the owning adapter's `error` is put on the request), never by importing `sandbox.apis`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True)
class Adapter:
    name: str  # access | opp | wpg: the `api` of tenant ids, journal entries and fault rules
    prefixes: tuple[str, ...]
    setup: Callable[[web.Application], None]
    error: Callable[[web.Request, int, str], web.Response]  # the API's transport-level error envelope
