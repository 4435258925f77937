"""OPP transaction facts (core/opp/transactions.py): what a stored payment keeps."""

from __future__ import annotations

from collections import OrderedDict

from sandbox.core.opp import transactions
from sandbox.core.payments import Payment


def test_compact_drops_only_empty_facts():
    meta = {"a": None, "b": {}, "c": [], "d": OrderedDict(), "e": "", "f": 0, "g": False, "h": (), "i": "x",
            "j": {"k": None}, "l": [None], "m": True}
    payment = Payment(id="x", amount=0, currency="EUR", status="PENDING", created_at=0.0, meta=dict(meta))
    kept = transactions._compact(payment).meta
    assert kept == {k: v for k, v in meta.items() if v not in (None, {}, [])}
    assert list(kept) == ["e", "f", "g", "h", "i", "j", "l", "m"]
