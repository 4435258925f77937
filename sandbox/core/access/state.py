"""What an Access tenant holds beside its tokens: network tokens (access.md §9)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class AccessState:
    INDEX_TOKENS = True  # tokens match by (namespace, PAN)

    network: dict[str, dict] = field(default_factory=dict)  # token reference -> record (network.py)
    # Derived, never saved: (payments counted, their transactionReferences), so the duplicate check of
    # each payment is one set lookup instead of a scan of every payment (payments.reference_taken).
    references: tuple[int, set[str]] | None = field(default=None, repr=False, compare=False)

    def empty(self) -> bool:
        return not self.network

    def to_dict(self) -> dict:
        return {"accessNetwork": self.network} if self.network else {}

    @classmethod
    def from_dict(cls, d: dict) -> AccessState:
        unknown = set(d) - {"accessNetwork"}
        if unknown:
            raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
        network = d.get("accessNetwork") or {}
        if not isinstance(network, dict) or not all(isinstance(r, dict) for r in network.values()):
            raise ValueError("accessNetwork: expected an object of network token records")
        return cls(network=dict(network))
