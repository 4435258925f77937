"""Domain errors, named after the vendor conditions. Each adapter maps them to its own envelope."""

from __future__ import annotations


class DomainError(Exception):
    """Base: a request that is well formed but that the domain refuses."""


class TokenNotFound(DomainError):
    """Unknown, deleted, expired or lapsed token (all look the same to a client)."""


class OwnerFull(DomainError):
    """A namespace (Access) or shopper (paymentService) already holds its maximum of cards."""

    def __init__(self, owner: str, cap: int) -> None:
        super().__init__(f"{owner!r} already holds {cap} tokens")
        self.owner = owner
        self.cap = cap


class UpdateLimitExceeded(DomainError):
    """Too many updates to one token in the rolling window."""

    def __init__(self, limit: int, window_days: int) -> None:
        super().__init__(f"more than {limit} updates in {window_days} days")
        self.limit = limit
        self.window_days = window_days


class InvalidTransition(DomainError):
    """A payment modification its current state does not allow (capture twice, refund too much...)."""

    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"{operation}: {reason}")
        self.operation = operation
        self.reason = reason


class TenantLimitReached(DomainError):
    """A write would create a tenant beyond `sandbox.max_tenants` (each tenant costs memory)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the sandbox already holds its maximum of {limit} tenants "
                         "(option sandbox.max_tenants); reset or delete state first")
        self.limit = limit


class SnapshotError(ValueError):
    """A state snapshot that cannot be restored; names where it went wrong."""


class FixtureError(ValueError):
    """A scenario fixture with a mistake; the message names the file, line and key."""
