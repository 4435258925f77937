"""The three protocol adapters and how the app finds which one owns a request.

Each adapter package exposes `API`: its name, the paths it owns, a `setup(app)` that adds its
routes, and `error(request, status, message)`, the one constructor of its transport-level error
envelope (body too large, unknown route, injected fault, internal error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True)
class Api:
    name: str
    prefixes: tuple[str, ...]
    setup: Callable[[web.Application], None]
    error: Callable[[web.Request, int, str], web.Response]


def all_apis() -> list[Api]:
    from .access import API as ACCESS
    from .opp import API as OPP
    from .wpg import API as WPG

    return [WPG, OPP, ACCESS]
