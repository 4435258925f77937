"""A merchant's channels: the entities that share registrations (opp.md §3, §13.3).

Real integrations tokenise on one entity (3-D Secure / CIT) and charge renewals on another
(recurring / MIT) of the same merchant. Here a merchant is the set of entities used with one
credential: in permissive mode the entities presented with one Bearer token (each entity records
the merchant key of the token that last used it, `OppState.merchant`, shown in GET /_sandbox/state
as `data.merchant`); with `--credentials`, the entities listed under one credential as well.

Registrations stay in the tenant of the entity that created them (`opp:<entityId>`); any entity
of the same merchant finds them there. Another merchant's registration is unknown (100.150.200).
Referencing a transaction (CP/RF/RV) made on another channel of the same merchant answers
700.400.700 "initial and referencing channel-ids do not match", unless the
`opp.cross_channel_references` option allows it (VR pay's "multichannel" MOTO entity).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..tenants import Tenant, TenantId
from ..tokens import Token
from . import registrations
from .scope import Scope


def join(scope: Scope) -> None:
    """Record the entity's merchant when it changed (a rotated or different Bearer token); an
    entity that holds nothing yet is not created by a read."""
    tenant = scope.tenant
    if scope.merchant is not None and tenant is not None and tenant.state.merchant != scope.merchant:
        scope.writable()


def channels(scope: Scope) -> Iterator[Tenant]:
    """The other entities of the scope's merchant."""
    if scope.merchant is None and not scope.entities:
        return
    for tid, tenant in scope.core.store.tenants.items():
        if tenant.api != "opp" or tid == scope.tid:
            continue
        if (scope.merchant is not None and tenant.state.merchant == scope.merchant) or \
                (scope.entities and tenant.name in scope.entities):
            yield tenant


def find_registration(scope: Scope, registration_id: str, operation: str = "use") -> tuple[Token, TenantId]:
    """The usable registration and the tenant that holds it: this entity's, else a channel's."""
    own = scope.tenant
    book = own.tokens if own is not None else None
    key = registration_id.lower()
    if registrations.REGISTRATION_ID.match(registration_id) and (book is None or book.get(key) is None):
        for tenant in channels(scope):
            if tenant.tokens.get(key) is not None:
                return registrations.find(tenant.tokens, registration_id, scope.now, operation), tenant.id
    return registrations.find(book, registration_id, scope.now, operation), scope.tid


def peek_registration(scope: Scope, registration_id: str) -> Token | None:
    """The registration wherever the merchant holds it, in any state; None when unknown."""
    key = registration_id.lower()
    own = scope.tenant
    if own is not None and own.tokens.get(key) is not None:
        return own.tokens.get(key)
    return next((t.tokens.get(key) for t in channels(scope) if t.tokens.get(key) is not None), None)


def find_payment_elsewhere(scope: Scope, tx_id: str):
    """(tenant, payment) of a transaction made on another channel of this merchant, else (None, None)."""
    for tenant in channels(scope):
        payment = tenant.payments.get(tx_id)
        if payment is not None:
            return tenant, payment
    return None, None


# -- registration operations, for any entity of the merchant (opp.md E3-E6) ----------------------
def deregister(scope: Scope, registration_id: str) -> Token:
    """E5: DELETE; the registration is kept, marked, so a later use answers 100.150.202."""
    token, owner = find_registration(scope, registration_id, "deregister")
    scope.core.store.write(owner, whole=False).tokens.touch(token)  # marked changed before it is
    registrations.deregister(token, scope.now)
    return token


def extend(scope: Scope, registration_id: str) -> Token:
    """E6: extendlife -- the longer retention period (core/opp/registrations.py)."""
    token, owner = find_registration(scope, registration_id, "extend")
    scope.core.store.write(owner, whole=False).tokens.touch(token)
    registrations.extend(token, scope.now)
    return token


def record_use(scope: Scope, token: Token, owner: TenantId | None) -> None:
    """A transaction used the registration: its retention clock restarts (opp.md §10)."""
    scope.core.store.write(owner or scope.tid, whole=False).tokens.touch(token)
    registrations.record_use(token, scope.now)
