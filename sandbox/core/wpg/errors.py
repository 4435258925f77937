"""paymentService domain refusals. Each carries the vendor's error code (wpg.md §5) and text; the
adapter's errors.py is the one table that turns them (and the shared core errors) into `<error>`."""

from __future__ import annotations

from ..errors import DomainError


class WpgError(DomainError):
    """A request the paymentService domain refuses with `<error code=...>`."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class OrderError(WpgError):
    """An order-level refusal (unknown order, wrong state, duplicate orderCode ...)."""


class TokenRuleError(WpgError):
    """A token rule (card number of a token cannot change, expiry window ...)."""


class CardRefused(WpgError):
    """A card the service refuses before authorising (unknown BIN, Luhn, expired)."""

