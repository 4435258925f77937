"""Typed reads of one fixture mapping; every mistake names file, line and key."""

from __future__ import annotations

from typing import Any

from ..core.clock import parse_duration, parse_iso
from .source import Located, Path_

_MISSING = object()


class Fields:
    """One mapping of a fixture at `path`, with only `allowed` keys."""

    def __init__(self, loc: Located, path: Path_, value: Any, allowed: set[str] | None = None) -> None:
        if not isinstance(value, dict):
            raise loc.error(path, "expected a mapping")
        if allowed is not None:
            unknown = sorted(str(k) for k in set(value) - allowed)
            if unknown:
                raise loc.error(path + (unknown[0],), f"unknown key (allowed: {', '.join(sorted(allowed))})")
        self.loc, self.path, self.d = loc, path, value

    def has(self, key: str) -> bool:
        return self.d.get(key) is not None

    def err(self, key: str | None, message: str):
        return self.loc.error(self.path + ((key,) if key else ()), message)

    def raw(self, key: str, default: Any = None) -> Any:
        value = self.d.get(key)
        return default if value is None else value

    def text(self, key: str, default: Any = None, required: bool = False, max_len: int | None = None) -> Any:
        value = self.d.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise self.err(key, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.err(key, "expected text")
        value = str(value)
        if not value or (max_len is not None and len(value) > max_len):
            raise self.err(key, f"expected 1 to {max_len or 'any number of'} characters")
        return value

    def integer(self, key: str, default: Any = None, lo: int | None = None, hi: int | None = None) -> Any:
        value = self.d.get(key)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.err(key, "expected a whole number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.err(key, f"expected a number from {lo} to {hi}")
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.d.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.err(key, "expected true or false")
        return value

    def mapping(self, key: str) -> dict | None:
        value = self.d.get(key)
        if value is not None and not isinstance(value, dict):
            raise self.err(key, "expected a mapping")
        return value

    def items(self, key: str) -> list:
        value = self.d.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.err(key, "expected a list")
        return value

    def sub(self, key: str, allowed: set[str] | None = None) -> Fields | None:
        value = self.d.get(key)
        return None if value is None else Fields(self.loc, self.path + (key,), value, allowed)

    def time(self, key: str, now: float, default: Any = None) -> Any:
        """An ISO 8601 date-time (`2027-01-31T00:00:00Z`) or a duration from the fixture's now
        (`P2D` ahead, `-P30D` ago)."""
        value = self.d.get(key)
        if value is None:
            return default
        if hasattr(value, "timestamp") and getattr(value, "tzinfo", None) is not None:
            return value.timestamp()  # YAML read an unquoted date-time with an offset
        if not isinstance(value, str):
            raise self.err(key, "expected an ISO 8601 date-time with Z, or a duration like P2D / -P30D")
        text = value.strip()
        try:
            if text.lstrip("-").startswith("P"):
                return now + parse_duration(text, now)
            return parse_iso(text)
        except ValueError:
            raise self.err(key, f"{value!r} is not an ISO 8601 date-time with Z or an offset, "
                                "nor a duration like P2D / -P30D") from None
