"""The options registry (sandbox/core/options.py; DESIGN §2 "Options: one registry"): each key
declared once with type, default and allowed values; unknown keys and bad values fail loudly, at
start-up (exit 2, one line naming the key) and from a fixture (400 naming the key), never silently
leaving the default in force."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sandbox.core.options import REGISTRY, OptionError, Options


def test_every_option_has_a_typed_default_and_help():
    assert REGISTRY, "the registry is empty"
    for key, opt in REGISTRY.items():
        assert key.split(".")[0] in ("sandbox", "access", "opp", "wpg"), key
        assert isinstance(opt.default, opt.type), key
        assert opt.help.strip(), key
        assert opt.parse(opt.default) == opt.default, key  # the default passes its own check
        if opt.choices:
            assert opt.default in opt.choices, key


def test_values_are_typed_and_defaults_come_from_the_registry():
    opts = Options()
    assert opts["access.namespace_cap"] == 16
    opts.set({"access.namespace_cap": "3", "access.extend_on_use": "false", "wpg.token_id_format": "alphanumeric"})
    assert opts["access.namespace_cap"] == 3 and opts["access.extend_on_use"] is False
    assert opts["wpg.token_id_format"] == "alphanumeric"


@pytest.mark.parametrize("values", [
    {"access.lifetime": "3"},  # unknown key (the example)
    {"access.namespace_cap": "many"},
    {"access.namespace_cap": "0"},
    {"access.extend_on_use": "maybe"},
    {"wpg.token_id_format": "hex"},
    {"opp.decline_status": True},
])
def test_bad_options_are_refused_and_change_nothing(values):
    opts = Options()
    opts.set({"access.max_updates": "7"})
    before = opts.snapshot()
    with pytest.raises(OptionError) as e:
        opts.set({"access.conflicts_minutes": "5", **values})
    assert list(values)[0] in str(e.value)
    assert opts.snapshot() == before


def _serve(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANDBOX_PORT": "0"}
    return subprocess.run([sys.executable, "-m", "sandbox", "serve", *args], capture_output=True, text=True,
                          timeout=30, env=env)


def test_an_unknown_option_fails_start_up_with_one_line():
    out = _serve("--option", "access.lifetime=3")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "access.lifetime" in lines[0], out.stderr


def test_a_bad_option_value_fails_start_up_with_one_line():
    out = _serve("--option", "access.namespace_cap=lots")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "access.namespace_cap" in lines[0], out.stderr


def test_a_fixture_with_an_unknown_option_is_a_400_naming_the_key(sandbox):
    import requests

    r = requests.post(sandbox.url + "/_sandbox/fixtures", data="version: 1\noptions: {access.lifetime: 3}\n",
                      headers={"Content-Type": "application/yaml"}, timeout=10)
    assert r.status_code == 400 and "access.lifetime" in r.text, r.text
    assert requests.get(sandbox.url + "/_sandbox/health", timeout=10).status_code == 200


def test_docs_options_page_is_the_registry():
    """docs/options.md carries the table generated from the registry: no key undocumented, no
    documented key that does not exist (regenerate with `python -m sandbox.core.options`)."""
    from pathlib import Path

    from sandbox.core.options import markdown_table

    page = (Path(__file__).resolve().parents[2] / "docs" / "options.md").read_text(encoding="utf-8")
    assert markdown_table() in page
