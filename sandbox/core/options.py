"""The options registry: every per-API switch declared once, with type, default, allowed values
and help. `--option KEY=VALUE`, `SANDBOX_OPTIONS` and a fixture's `options:` all go through
`Options.set`, which checks every key and value before changing anything: an unknown key or a
bad value is an error naming the key (start-up exits 2; the fixtures endpoint answers 400),
never a silently ignored switch. README and docs list the same keys (tests/test_options.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class OptionError(ValueError):
    """An unknown option key or a value its declaration does not allow."""


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    type: type  # bool | int | str
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    low: int | None = None
    high: int | None = None

    def parse(self, raw: Any) -> Any:
        """The typed value of `raw` (a string from the command line, or a fixture's scalar)."""
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise OptionError(f"option {self.key}: expected true or false, got {raw!r}")
        if self.type is int:
            if isinstance(raw, bool):
                raise OptionError(f"option {self.key}: expected a whole number, got {raw!r}")
            text = str(raw).strip()
            if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 12):
                raise OptionError(f"option {self.key}: expected a whole number, got {raw!r}")
            value = int(text)
            if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
                raise OptionError(f"option {self.key}: expected {self.low} to {self.high}, got {value}")
            return value
        text = str(raw).strip()
        if self.choices is not None and text not in self.choices:
            raise OptionError(f"option {self.key}: expected one of {', '.join(self.choices)}, got {raw!r}")
        return text


REGISTRY: dict[str, Option] = {o.key: o for o in (
    # The sandbox itself (docs/reliability.md)
    Option("sandbox.max_tenants", int, 10000, "tenants the store may hold; a request that would create "
           "one more gets its API's 503 (each tenant costs memory)", low=1, high=10_000_000),
    # Access Tokens v3 (docs/access.md)
    Option("access.try_lifetime_days", int, 7, "default token lifetime in try mode, in days (the Tokens v3 page "
           "and older docs: 7; the 2025 docs say 90)", low=1, high=3650),
    Option("access.extend_on_use", bool, True, "extend a token by one lifetime when it is used with "
           "under half of its lifetime left (the Tokens v3 page)"),
    Option("access.namespace_cap", int, 16, "cards per namespace before 403 tooManyTokensForNamespace",
           low=1, high=100000),
    Option("access.max_updates", int, 50, "updates per token in the rolling window before 429", low=1, high=100000),
    Option("access.update_window_days", int, 30, "length of the rolling update window, in days", low=1, high=3650),
    Option("access.conflicts_minutes", int, 30, "how long a 409's conflicting values stay applicable",
           low=1, high=525600),
    Option("access.headers", str, "real-clients", "Accept/Content-Type checks: real-clients (what real "
           "clients send passes, the rest gets the vendor's 406/415/400), strict (also require Accept and "
           "a body's Content-Type), lenient (accept anything)", choices=("real-clients", "strict", "lenient")),
    Option("access.strict_headers", bool, False, "older spelling of access.headers=strict"),
    Option("access.forwarded_headers", bool, True, "build hrefs from the Forwarded / X-Forwarded-Proto / "
           "X-Forwarded-Host headers a proxy in front sets (false: from the request as received)"),
    Option("access.npt_enabled", bool, True, "whether the account may use network tokens (false: 403)"),
    # Registrations, OPP (docs/registrations.md)
    Option("opp.decline_status", int, 400, "HTTP status of a declined or refused transaction", low=200, high=599),
    Option("opp.registration_requires_cvv", bool, True, "whether a standalone registration needs card.cvv "
           "for VISA, MASTER and AMEX"),
    Option("opp.mit_requires_initial_transaction", bool, False, "refuse a merchant-initiated payment "
           "that names no standingInstruction.initialTransactionId and whose registration has none "
           "(600.200.501) instead of accepting it as the platform mostly does"),
    Option("opp.cross_channel_references", bool, False, "let an entity capture, refund or reverse a "
           "transaction made on another entity of the same merchant (VR pay 'multichannel'); false: "
           "700.400.700 initial and referencing channel-ids do not match"),
    # paymentService XML (docs/paymentservice.md)
    Option("wpg.token_id_format", str, "format-preserving", "paymentTokenID format for new tokens",
           choices=("format-preserving", "alphanumeric", "luhn-pass", "luhn-fail")),
    Option("wpg.reject_cvc_on_create", bool, False, "refuse paymentTokenCreate carrying a cvc (the vendor's "
           "documented error) instead of ignoring it, as the secure-test service does"),
    Option("wpg.idempotency", str, "on", "Idempotency-Key on authorise, capture, refund and payout: on (replay "
           "the stored reply, code 9 for a bad or busy key), off (code 9 Service not enabled), ignore",
           choices=("on", "off", "ignore")),
    Option("wpg.idempotency_ttl_days", int, 7, "how long a stored Idempotency-Key reply is replayed, in days "
           "(the vendor lets a merchant choose 1 to 365)", low=1, high=365),
    Option("wpg.auto_capture_minutes", int, 0, "virtual minutes after which an authorised order is captured "
           "in full, as the test environment's background capture does (0: the merchant captures)",
           low=0, high=525600),
    Option("wpg.settle_after_minutes", int, 15, "virtual minutes from CAPTURED to SETTLED (the vendor's order-notification life cycle)",
           low=0, high=525600),
    Option("wpg.refund_after_minutes", int, 15, "virtual minutes from SENT_FOR_REFUND to REFUNDED", low=0, high=525600),
    Option("wpg.notify_retry_first_seconds", int, 60, "wait before the first notification retry; later waits "
           "keep the default schedule's proportions (1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h, 24 h)",
           low=1, high=86400),
    Option("wpg.notify_in_order", bool, True, "hold a merchant's later notifications while an earlier one is "
           "being retried, as the vendor does (head-of-line blocking); false: send each when due"),
    Option("wpg.notify_retry_attempts", int, 8, "notification retries before it is marked failed", low=0, high=1000),
    Option("wpg.reply_format", str, "compact", "reply layout: compact (one line) or vendor (indented, CDATA on "
           "padded lines, encryptedPAN base64 wrapped over lines, as the seed's samples)",
           choices=("compact", "vendor")),
    Option("wpg.threeds1", bool, True, "answer the 3DS1 trigger (holder name 3D, dynamic3DS do3DS) with "
           "request3DSecure; false: authorise at once, as secure-test has done since 2023"),
    Option("wpg.strict_event_reference", bool, False, "refuse a tokenEventReference outside the documented "
           "1-64 letters, digits and underscores with code 2 (default: keep it as sent)"),
)}


class Options:
    """The options in force: declared defaults plus what was set. `version` changes with every
    set or restore, so adapters can cache what they derive from options."""

    __slots__ = ("_values", "version")

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self.version = 0

    def __getitem__(self, key: str) -> Any:
        value = self._values.get(key, _MISSING)
        return REGISTRY[key].default if value is _MISSING else value

    @staticmethod
    def parse(values: dict[str, Any]) -> dict[str, Any]:
        """Every key and value checked; the first problem raises OptionError naming its key."""
        typed = {}
        for key, raw in values.items():
            option = REGISTRY.get(str(key))
            if option is None:
                raise OptionError(f"unknown option {key!r} (known: {', '.join(REGISTRY)})")
            typed[option.key] = option.parse(raw)
        return typed

    def set(self, values: dict[str, Any]) -> None:
        typed = self.parse(values)  # all or nothing
        self._values.update(typed)
        self.version += 1

    def overlay(self, values: dict[str, Any]) -> Options:
        """These options with `values` on top, leaving these unchanged (fixture planning)."""
        copy = Options()
        copy._values = {**self._values, **self.parse(values)}
        return copy

    def snapshot(self) -> dict[str, Any]:
        return dict(self._values)

    def restore(self, values: dict[str, Any]) -> None:
        self._values = dict(values)
        self.version += 1

    def to_dict(self) -> dict[str, Any]:
        """Every option in force, for the control plane."""
        return {key: self[key] for key in REGISTRY}


_MISSING = object()


def markdown_table() -> str:
    """docs/options.md's table, generated from the registry (tests/unit/test_options.py keeps the
    page and the registry the same; regenerate with `python -m sandbox.core.options`)."""
    rows = ["| key | type | default | allowed | what |", "|---|---|---|---|---|"]
    for o in REGISTRY.values():
        default = str(o.default).lower() if o.type is bool else str(o.default)
        if o.choices:
            allowed = " \\| ".join(o.choices)
        elif o.type is bool:
            allowed = "true \\| false"
        elif o.low is not None:
            allowed = f"{o.low} to {o.high}"
        else:
            allowed = "text"
        rows.append(f"| `{o.key}` | {o.type.__name__} | `{default}` | {allowed} | {o.help} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
