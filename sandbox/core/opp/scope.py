"""Who an OPP operation runs for: the core, the entity's tenant, and the time on its clock.

The adapter resolves it once per request (apis/opp/context.py); fixtures and the control plane
build one the same way, so every entry point calls the same domain functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..tenants import Tenant, TenantId

if TYPE_CHECKING:
    from .. import Core


@dataclass(slots=True)
class Scope:
    core: Core
    tid: TenantId
    entity: str
    now: float
    merchant: str | None = None  # merchant key of the credential (core/opp/merchant.py)
    entities: frozenset[str] | None = None  # the entities a listed credential names

    @property
    def tenant(self) -> Tenant | None:
        """The tenant for reads (None when it has never written anything)."""
        return self.core.store.peek(self.tid)

    def writable(self, whole: bool = True) -> Tenant:
        """The tenant for a write: call only once the request is known to succeed. The entity
        records its merchant with every write (core/opp/merchant.py). `whole=False`: the write
        only adds or removes records through the books or `touch()`es them (Store.write)."""
        tenant = self.core.store.write(self.tid, whole=whole)
        if self.merchant is not None:
            tenant.state.merchant = self.merchant
        return tenant

    def new_id(self) -> str:
        return self.core.store.ids.opp_id()

    @property
    def mode(self) -> str:
        return self.core.mode

    def option(self, key: str):
        return self.core.options[key]

    @classmethod
    def of(cls, core: Core, tid: TenantId) -> Scope:
        return cls(core, tid, tid.name, core.store.now(tid))
