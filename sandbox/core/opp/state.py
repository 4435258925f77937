"""What an OPP entity holds beside its registrations and transactions: checkouts (opp.md E7-E10)
and the merchant it belongs to (core/opp/merchant.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class OppState:
    INDEX_TOKENS = False  # registrations never match one another: each request creates one

    checkouts: dict[str, dict] = field(default_factory=dict)  # checkout id -> session (checkouts.py)
    merchant: str | None = None  # merchant key of the credential that last used this entity

    def empty(self) -> bool:
        return not self.checkouts and self.merchant is None

    def to_dict(self) -> dict:
        out: dict = {}
        if self.merchant is not None:
            out["merchant"] = self.merchant
        if self.checkouts:
            out["checkouts"] = self.checkouts
        return out

    @classmethod
    def from_dict(cls, d: dict) -> OppState:
        unknown = set(d) - {"checkouts", "merchant"}
        if unknown:
            raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
        checkouts = d.get("checkouts") or {}
        if not isinstance(checkouts, dict) or not all(isinstance(c, dict) for c in checkouts.values()):
            raise ValueError("checkouts: expected an object of checkout sessions")
        merchant = d.get("merchant")
        if merchant is not None and not isinstance(merchant, str):
            raise ValueError("merchant: expected a text")
        return cls(checkouts=dict(checkouts), merchant=merchant)
