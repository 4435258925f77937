"""What every paymentService operation handler needs: core, tenant, merchant, reply helpers."""

from __future__ import annotations

from dataclasses import dataclass

from ...core import Core
from ...core.cards import CardProfile
from ...core.tenants import TenantId


class Scoped(Exception):
    """An error rendered inside `orderStatus[@orderCode]` rather than directly under `reply`."""

    def __init__(self, order_code: str, code: int, text: str) -> None:
        super().__init__(text)
        self.order_code = order_code
        self.code = code
        self.text = text


@dataclass(slots=True)
class Ctx:
    core: Core
    tid: TenantId
    merchant: str
    notifier: object | None  # apis.wpg.notify.Notifier

    @property
    def store(self):
        return self.core.store

    def now(self) -> float:
        return self.core.store.now(self.tid)

    def profile(self, pan: str) -> CardProfile:
        return self.core.catalogue.profile(pan)

    def country(self, profile: CardProfile) -> str:
        # The test service answers "N/A" (seed 003 examples); live mode shows the BIN table's country.
        return (profile.country or "N/A") if self.core.mode == "live" else "N/A"

    @property
    def id_format(self) -> str:
        return self.core.options["wpg.token_id_format"]

    def new_token_id(self, pan: str) -> str:
        tenant = self.store.peek(self.tid)
        while True:
            candidate = self.store.ids.wpg_token_id(pan, self.id_format)
            if tenant is None or tenant.tokens.get(candidate) is None:
                return candidate
