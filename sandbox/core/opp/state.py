"""What an OPP entity holds beside its registrations and transactions: checkouts (opp.md E7-E10)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class OppState:
    INDEX_TOKENS = False  # registrations never match one another: each request creates one

    checkouts: dict[str, dict] = field(default_factory=dict)  # checkout id -> session (checkouts.py)

    def empty(self) -> bool:
        return not self.checkouts

    def to_dict(self) -> dict:
        return {"checkouts": self.checkouts} if self.checkouts else {}

    @classmethod
    def from_dict(cls, d: dict) -> OppState:
        unknown = set(d) - {"checkouts"}
        if unknown:
            raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
        checkouts = d.get("checkouts") or {}
        if not isinstance(checkouts, dict) or not all(isinstance(c, dict) for c in checkouts.values()):
            raise ValueError("checkouts: expected an object of checkout sessions")
        return cls(checkouts=dict(checkouts))
