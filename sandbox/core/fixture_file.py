"""Reading a fixture file (YAML or JSON) with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import FixtureError


def parse_fixture_text(text: str, source: str, json_only: bool = False) -> Any:
    if json_only or source.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise FixtureError(f"{source}: line {e.lineno}: {e.msg}") from None
    import yaml  # only fixtures need it; kept off the start-up path

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        refuse_aliases(text, source)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise FixtureError(f"{source}: {where}{problem}") from None


def refuse_aliases(text: str, source: str) -> None:
    """FixtureError at the first YAML alias (`*name`), before anything is built.

    Aliases let a few hundred bytes name billions of nodes ("billion laughs": a 447-byte body took
    13.5 s and 2.9 GB, issue 14). Fixtures never need them, so the event stream (linear in the
    text, nothing constructed) is scanned and the first alias refused. YAMLError propagates.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            where = f"line {mark.line + 1}: " if mark is not None else ""
            raise FixtureError(f"{source}: {where}YAML aliases (*{event.anchor}) are not allowed in fixtures; "
                               "write the value out")


def read_text(path: str | Path) -> str:
    """A fixture or credentials file as text; unreadable or non-UTF-8 is a FixtureError naming it."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except OSError as e:
        raise FixtureError(f"{p}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise FixtureError(f"{p}: not UTF-8 text") from None


def read_fixture_file(path: str | Path) -> Any:
    return parse_fixture_text(read_text(path), str(path))
