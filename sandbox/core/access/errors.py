"""Access domain errors: conditions the Access core refuses, named after the vendor's condition.

The shared ones (TokenNotFound, OwnerFull, UpdateLimitExceeded, InvalidTransition) live in
core/errors.py; these are Access's own. sandbox/apis/access/errors.py holds the one table that
turns each into the vendor's status and `errorName`.
"""

from __future__ import annotations

from ..errors import DomainError


class UnrecognizedCardBrand(DomainError):
    """The card's BIN names no brand we know (Tokens v3: 422 unrecognizedCardBrand)."""


class DetokenizeDenied(DomainError):
    """`masked=false` from credentials without the detokenisation right (access.md §5, S13)."""


class NetworkTokensDisabled(DomainError):
    """The account is not configured for network tokens (`access.npt_enabled=false`).

    `operation` says which route asked: the vendor names the 403 differently per operation."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"network tokens are not enabled ({operation})")
        self.operation = operation


class NetworkTokenUnknown(DomainError):
    """No network token with that reference or number (`operation` as above)."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"unknown network token ({operation})")
        self.operation = operation


class LinkDoesNotOffer(DomainError):
    """The link exists but does not offer the operation asked (a per-field link is update-only,
    the token link cannot be updated): the adapter answers 405 naming the link's methods."""

    def __init__(self, field: str) -> None:
        super().__init__(f"the {field} link does not offer this operation")
        self.field = field


class NetworkCardExpired(DomainError):
    """A network token asked for from a stored token whose card expiry has passed: the same
    refusal the vendor documents for card details ("Card expiry date must not be in the past")."""
