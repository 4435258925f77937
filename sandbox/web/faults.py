"""Fault rules (`/_sandbox/faults`): the hook points the middleware and adapters call.

With no rules the middleware skips every hook, so faults cost nothing on the normal path.
"""

from __future__ import annotations

from aiohttp import web


class FaultInjected(Exception):
    def __init__(self, rule: dict) -> None:
        super().__init__(rule.get("id"))
        self.rule = rule


class ConnectionDropped(Exception):
    pass


class Faults:
    Injected = FaultInjected
    Dropped = ConnectionDropped

    def __init__(self) -> None:
        self.rules: list[dict] = []

    def reset(self) -> None:
        self.rules.clear()

    async def before(self, request: web.Request) -> web.StreamResponse | None:
        return None

    def on_context(self, request: web.Request) -> None:
        return None

    async def after(self, request: web.Request) -> None:
        return None

    async def respond(self, request: web.Request, injected: FaultInjected, error) -> web.StreamResponse:
        rule = injected.rule
        return error(request, int(rule.get("status", 500)), str(rule.get("message", "Injected fault")))
