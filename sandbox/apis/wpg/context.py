"""The per-request context: the core Env (store, catalogue, options, tenant) plus what only the
wire needs (the merchantCode to echo, the request's options read once)."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.wpg.env import Env


@dataclass(slots=True)
class Ctx(Env):
    merchant: str = ""

    def option(self, key: str):
        return self.core.options[key]
