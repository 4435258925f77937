"""The card catalogue in force: issuer BIN table and each API's magic test values.

It starts from the `catalogue:` section of the packaged `sandbox/data/default.yaml` (the vendors' documented test
cards and magic values) and fixtures add to it. Each API reads its own part with `magic()`; the
outcome objects are in that API's own terms (OPP result codes, paymentService lastEvent, ...).
"""

from __future__ import annotations

import copy
from typing import Any

from ..data import DEFAULT_FIXTURE  # package data, read with importlib.resources
from .cards import BinInfo, BinTable, CardProfile
from .errors import FixtureError

KINDS = ("cards", "holders", "names")


class Catalogue:
    def __init__(self) -> None:
        self.bins = BinTable()
        self.magic: dict[str, dict[str, dict[str, dict]]] = {}
        self._loaded = False

    def _ensure(self) -> None:
        # Loaded on first use: YAML parsing stays off the start-up path.
        if not self._loaded:
            self._loaded = True
            # Present in every complete install (`sandbox serve` checks it at start-up);
            # a missing file is an error here too, never a silently empty catalogue.
            from .fixture_file import read_fixture_file

            doc = read_fixture_file(DEFAULT_FIXTURE)
            self.merge(doc.get("catalogue") or {}, str(DEFAULT_FIXTURE))

    def merge(self, section: dict, source: str = "<fixture>") -> None:
        """Add a fixture's `catalogue:` section; later entries override earlier ones."""
        if not isinstance(section, dict):
            raise FixtureError(f"{source}: catalogue: expected a mapping")
        if source != str(DEFAULT_FIXTURE):
            self._ensure()
        for key, value in section.items():
            if key == "bins":
                if not isinstance(value, list):
                    raise FixtureError(f"{source}: catalogue.bins: expected a list")
                for i, row in enumerate(value):
                    self.bins.add(_bin_row(row, f"{source}: catalogue.bins[{i}]"))
            elif key in ("access", "opp", "wpg"):
                if not isinstance(value, dict):
                    raise FixtureError(f"{source}: catalogue.{key}: expected a mapping")
                api = self.magic.setdefault(key, {})
                for kind, entries in value.items():
                    if not isinstance(entries, dict):
                        raise FixtureError(f"{source}: catalogue.{key}.{kind}: expected a mapping")
                    for k, outcome in entries.items():
                        if not isinstance(outcome, dict):
                            raise FixtureError(f"{source}: catalogue.{key}.{kind}.{k}: expected a mapping")
                    api.setdefault(str(kind), {}).update({str(k): v for k, v in entries.items()})
            else:
                raise FixtureError(f"{source}: catalogue.{key}: unknown key (bins, access, opp, wpg)")

    def snapshot(self) -> tuple | None:
        """What reset returns to; None while the default has not even been loaded yet."""
        if not self._loaded:
            return None
        return self.bins.rows(), copy.deepcopy(self.magic)

    def restore(self, snap: tuple | None) -> None:
        if snap is None:
            self.__init__()  # back to loading the default lazily
            return
        rows, magic = snap
        self.bins = BinTable(rows)
        self.magic = copy.deepcopy(magic)
        self._loaded = True

    def magic_for(self, api: str, kind: str, key: str) -> dict | None:
        """The outcome a magic value triggers in one API, or None."""
        self._ensure()
        return self.magic.get(api, {}).get(kind, {}).get(key)

    def entries(self, api: str, kind: str) -> dict[str, dict]:
        self._ensure()
        return self.magic.get(api, {}).get(kind, {})

    def profile(self, pan: str) -> CardProfile:
        self._ensure()
        return self.bins.profile(pan)

    def to_dict(self) -> dict[str, Any]:
        self._ensure()
        return {
            "bins": [
                {
                    k: v
                    for k, v in {
                        "prefix": r.prefix,
                        "brand": r.brand,
                        "funding": r.funding,
                        "country": r.country,
                        "subBrand": r.sub_brand,
                        "coBrand": r.co_brand,
                    }.items()
                    if v is not None
                }
                for r in self.bins.rows()
            ],
            **copy.deepcopy(self.magic),
        }


def _bin_row(row: Any, where: str) -> BinInfo:
    if not isinstance(row, dict) or "prefix" not in row:
        raise FixtureError(f"{where}: expected a mapping with a 'prefix'")
    prefix = str(row["prefix"])
    if not prefix.isdigit() or not 1 <= len(prefix) <= 19:
        raise FixtureError(f"{where}.prefix: expected 1 to 19 digits, got {prefix!r}")
    unknown = set(row) - {"prefix", "brand", "funding", "country", "subBrand", "coBrand"}
    if unknown:
        raise FixtureError(f"{where}.{sorted(unknown)[0]}: unknown key")
    return BinInfo(
        prefix=prefix,
        brand=row.get("brand"),
        funding=row.get("funding", "credit"),
        country=row.get("country"),
        sub_brand=row.get("subBrand"),
        co_brand=row.get("coBrand"),
    )
