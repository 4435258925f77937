"""Reading a fixture while keeping where each key was written, so errors name file, line and key.

YAML is composed (not just loaded) to keep node marks; JSON goes through the same composer (JSON
is YAML) and falls back to the json module, without line numbers, for the rare JSON that
PyYAML's YAML 1.1 reader refuses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import FixtureError
from ..core.fixture_file import read_text, refuse_aliases

Path_ = tuple[str, ...]


class Located:
    """A parsed fixture plus the line of every key path; `error()` builds the FixtureError."""

    def __init__(self, data: Any, source: str, lines: dict[Path_, int] | None = None) -> None:
        self.data = data
        self.source = source
        self.lines = lines or {}

    def line(self, path: Path_) -> int | None:
        while path:
            n = self.lines.get(path)
            if n is not None:
                return n
            path = path[:-1]
        return None

    def error(self, path: Path_, message: str) -> FixtureError:
        n = self.line(path)
        where = f"line {n}: " if n else ""
        key = dotted(path)
        return FixtureError(f"{self.source}: {where}{key + ': ' if key else ''}{message}")


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += part if part.startswith("[") else (f".{part}" if out else part)
    return out


def parse_located(text: str, source: str, json_only: bool = False) -> Located:
    import yaml  # only fixtures need it; kept off the start-up path

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        refuse_aliases(text, source)
        node = yaml.compose(text, Loader=loader_cls)
        data = yaml.load(text, Loader=loader_cls)  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        if json_only or source.endswith(".json"):
            try:
                return Located(json.loads(text), source)
            except json.JSONDecodeError as je:
                raise FixtureError(f"{source}: line {je.lineno}: {je.msg}") from None
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise FixtureError(f"{source}: {where}{problem}") from None
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines, source)
    return Located(data, source, lines)


def _walk(node, path: Path_, lines: dict[Path_, int], source: str) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                raise FixtureError(f"{source}: line {line}: {dotted(path + (key,))}: "
                                   f"duplicate key (first written on line {seen[key]})")
            seen[key] = line
            lines[path + (key,)] = line
            _walk(value_node, path + (key,), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (f"[{i}]",)] = item.start_mark.line + 1
            _walk(item, path + (f"[{i}]",), lines, source)


def read_located(path: str | Path) -> Located:
    return parse_located(read_text(path), str(path))
