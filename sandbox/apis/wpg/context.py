"""The per-request context: the core Env (store, catalogue, options, tenant) plus what only the
wire needs (the merchantCode to echo, the request's options read once)."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.wpg.env import Env


@dataclass(slots=True)
class Ctx(Env):
    merchant: str = ""
    request: object = None  # the aiohttp request: only a 3-D Secure challenge needs its address

    @property
    def base_url(self) -> str:
        """scheme://host the request came to (3-D Secure page URLs), read only when asked."""
        return f"{self.request.scheme}://{self.request.host}"

    def option(self, key: str):
        return self.core.options[key]
