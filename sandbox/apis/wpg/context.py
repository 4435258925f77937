"""The per-request context: the core Env (store, catalogue, options, tenant) plus what only the
wire needs (the merchantCode to echo, the request's options read once)."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.wpg.env import Env


@dataclass(slots=True)
class Ctx(Env):
    merchant: str = ""
    base_url: str = ""  # scheme://host the request came to (3-D Secure page URLs)

    def option(self, key: str):
        return self.core.options[key]
