"""What the OPP domain refuses, as domain errors carrying the vendor's result code.

The adapter's `apis/opp/errors.py` holds the one table from these to HTTP status and envelope.
`fields` are the facts the refusal still reports (`id`, `paymentBrand`, `card`...: opp.md §6
"a failed store still echoes id"); `errors` are parameterErrors entries `{name, value, message}`.
"""

from __future__ import annotations

from ..errors import DomainError

INVALID_PARAMETER = "200.300.404"


class OppError(DomainError):
    """A request refused with an OPP result code (card data, reference, test mode ...)."""

    def __init__(self, code: str, fields: dict | None = None, description: str | None = None,
                 errors: list[dict] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields or {}
        self.description = description
        self.errors = errors


class Invalid(OppError):
    """Parameter validation: 200.300.404 listing every violation (opp.md §6)."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(INVALID_PARAMETER, errors=errors)


class Declined(OppError):
    """A transaction the outcome rules refused (bank decline, 3-D Secure, forced code); its HTTP
    status is the `opp.decline_status` option (opp.md §7: unconfirmed)."""
