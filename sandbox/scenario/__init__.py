"""Scenario fixtures (DESIGN §5): one YAML/JSON file describes a world; README "Scenario fixtures".

`load_file` / `load_text` validate a whole fixture, then apply it to the core and the fault rules.
"""

from __future__ import annotations

from pathlib import Path

from ..core import Core
from ..web.faults import Faults
from .loader import load
from .source import parse_located, read_located


def load_file(path: str | Path, core: Core, faults: Faults, baseline: bool = True, keep: dict | None = None) -> dict:
    return load(read_located(path), core, faults, baseline, keep)


def load_text(text: str, source: str, core: Core, faults: Faults, baseline: bool = True,
              keep: dict | None = None, json_only: bool = False) -> dict:
    return load(parse_located(text, source, json_only), core, faults, baseline, keep)


__all__ = ["load_file", "load_text"]
