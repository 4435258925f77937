"""Who and under which rules an Access operation runs: the core, the tenant, the policy.

The adapter resolves it once per request (apis/access/context.py); fixtures build tokens with the
same policy (Policy.of), so both paths apply the same options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..tenants import TenantId
from .tokens import Policy

if TYPE_CHECKING:  # core/__init__ imports this package: no import cycle at run time
    from .. import Core


@dataclass(frozen=True, slots=True)
class Scope:
    core: Core
    tid: TenantId
    policy: Policy

    def now(self) -> float:
        return self.core.store.now(self.tid)
