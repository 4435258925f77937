"""Issue 13 "README for users": the README stays a short user guide, the docs cover every CLI
flag, control-plane route and option key, and the README's copy-paste recipes work against a
real server exactly as printed (only the base URL swapped).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from sandbox.cli import build_parser
from sandbox.core.options import REGISTRY

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def _all_docs() -> str:
    return README.read_text() + "\n".join(p.read_text() for p in sorted(DOCS.glob("*.md")))


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    flags = {s for a in parser._actions for s in a.option_strings if s.startswith("--")}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                flags |= _flags(sub)
    return flags - {"--help"}


def test_readme_is_a_short_user_guide():
    text = README.read_text()
    assert len(text.encode()) < 15 * 1024, len(text.encode())
    for diary in (r"\bseed 00\d", r"\bissue \d", r"§", r"\.\./shared", r"wpg\.md|opp\.md|access\.md §"):
        assert not re.search(diary, text), diary
    for heading in ("## Install", "## Try each API", "## Control plane", "## pytest plugin", "## In CI"):
        assert heading in text


def test_every_cli_flag_is_documented():
    text = _all_docs()
    missing = sorted(f for f in _flags(build_parser()) if f"`{f}" not in text)
    assert not missing, f"flags missing from README.md and docs/*.md: {missing}"


def test_every_option_key_is_documented():
    text = _all_docs()
    missing = sorted(k for k in REGISTRY if f"`{k}`" not in text)
    assert not missing, f"option keys missing from README.md and docs/*.md: {missing}"


def test_every_control_plane_route_is_documented(sandbox):
    """Each (method, path) of GET /_sandbox/openapi.json appears as `METHOD /path` (methods may be
    grouped, `GET\\|PUT /path`; any `{param}` name)."""
    text = _all_docs()
    paths = requests.get(sandbox.url + "/_sandbox/openapi.json", timeout=10).json()["paths"]
    assert len(paths) >= 10
    missing = []
    for path, ops in paths.items():
        path_re = re.sub(r"\\\{[^}]*\\\}", r"\\{[^}]+\\}", re.escape(path))
        for method in ops:
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            pattern = rf"(?:[A-Z]+\\\|)*{method.upper()}(?:\\\|[A-Z]+)* {path_re}(?![\w/.{{])"
            if not re.search(pattern, text):
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"control-plane routes missing from README.md and docs/*.md: {missing}"


def _recipe(marker: str) -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    (block,) = [b for b in blocks if marker in b]
    return block


@pytest.mark.parametrize(("marker", "expect"), [
    ("/tokens -d", ["204\n204\n", '"namespace": "customer-1"']),
    ("/v1/registrations -d", ['"code": "000.100.110"', '"code": "100.390.112"', '"referencedId"']),
    ("paymentService.jsp", ['tokenEvent="NEW"', "<lastEvent>AUTHORISED</lastEvent>", "<deleteTokenReceived"]),
])
def test_readme_recipes_run_as_printed(sandbox, marker, expect):
    """README "Try each API": each recipe runs in bash against the sandbox, every step answers."""
    if not shutil.which("bash") or not shutil.which("curl"):
        pytest.skip("the recipes need bash and curl")
    script = _recipe(marker)
    assert script.startswith("S=http://127.0.0.1:8080\n")
    script = script.replace("S=http://127.0.0.1:8080", f"S={sandbox.url}", 1)
    out = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr + out.stdout
    for needle in expect:
        assert needle in out.stdout, (needle, out.stdout[-3000:])
    assert "<error" not in out.stdout and "Traceback" not in out.stdout


def test_python_examples_run_as_printed(pytester):
    """The README's and docs/pytest-plugin.md's pytest examples pass as a user's suite, with
    --strict-markers (the plugin registers its marker)."""
    sources = [README, DOCS / "pytest-plugin.md"]
    blocks = [b for p in sources for b in re.findall(r"```python\n(.*?)```", p.read_text(), re.S) if "def test_" in b]
    assert len(blocks) >= 4
    for i, block in enumerate(blocks):
        pytester.makepyfile(**{f"test_example_{i}": "import pytest, requests\n" + block})
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=len(blocks))
