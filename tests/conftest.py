"""Shared test helpers. The `sandbox` fixture itself comes from our pytest plugin (sandbox.pytest_plugin).

Every test talks to a real server over real HTTP: the plugin's session server, or one started
with its own flags by `start_sandbox`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from sandbox.client import SandboxClient, SandboxProcess

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE = SHARED / "reference"
SEEDS = SHARED / "seeds"


def pytest_configure(config: pytest.Config) -> None:
    # Show every skip with its reason in the summary (-rs): a test that needs ../shared/reference
    # must say it did not run, even under a plain `python -m pytest -q`.
    chars = config.option.reportchars or ""
    if "s" not in chars and "a" not in chars and "A" not in chars:
        config.option.reportchars = chars + "s"


class Http(requests.Session):
    """requests.Session with the sandbox's base URL, so tests write paths only."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):  # noqa: D401 - same contract as requests
        if url.startswith("/"):
            url = self.base + url
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def http(sandbox: SandboxClient):
    with Http(sandbox.url) as session:
        yield session


@pytest.fixture
def start_sandbox():
    """Start extra sandboxes with their own flags; all stopped after the test."""
    started: list[SandboxProcess] = []

    def start(*args: str, env: dict | None = None) -> SandboxProcess:
        proc = SandboxProcess(*args, env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def reference_file(name: str) -> Path:
    """A file under ../shared/reference, or skip the test when that folder is absent (a user's machine)."""
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference data {path} is not present (only in the project workspace)")
    return path
