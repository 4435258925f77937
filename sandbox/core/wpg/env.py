"""What every paymentService core operation works on: the core (store, catalogue, options, mode)
and one merchant's tenant id. The adapter builds one per request; fixtures and the control
plane build one too, so every entry point runs the same functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cards import CardProfile
from ..tenants import TenantId
from . import cards

if TYPE_CHECKING:
    from .. import Core


@dataclass(slots=True)
class Env:
    core: Core
    tid: TenantId

    @property
    def store(self):
        return self.core.store

    def now(self) -> float:
        return self.core.store.now(self.tid)

    def profile(self, pan: str) -> CardProfile:
        return self.core.catalogue.profile(pan)

    def country(self, profile: CardProfile) -> str:
        return cards.country(profile, self.core.mode)

    @property
    def id_format(self) -> str:
        return self.core.options["wpg.token_id_format"]

    def new_token_id(self, pan: str) -> str:
        tenant = self.store.peek(self.tid)
        while True:
            candidate = self.store.ids.wpg_token_id(pan, self.id_format)
            if tenant is None or tenant.tokens.get(candidate) is None:
                return candidate

    def check_card(self, pan: str, month: int | None, year: int | None) -> CardProfile:
        profile = self.profile(pan)
        cards.check(profile, pan, month, year, self.now())
        return profile
