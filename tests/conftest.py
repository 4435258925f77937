"""Shared test helpers. The `sandbox` fixture itself comes from our pytest plugin (sandbox.pytest_plugin).

Every test talks to a real server over real HTTP: the plugin's session server, or one started
with its own flags by `start_sandbox`.
"""

from __future__ import annotations

import os
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


if os.environ.get("SANDBOX_TEST_DURABLE") == "1":
    # `make test-durable`: the whole suite against a session server with `--state` and the commit
    # check on (persistence.py `_check`): any write that saves less than it changed answers 503,
    # so every behaviour test doubles as a test of per-record persistence.
    @pytest.fixture(scope="session")
    def sandbox_session(tmp_path_factory: pytest.TempPathFactory):
        path = tmp_path_factory.mktemp("durable") / "state.db"
        proc = SandboxProcess("--state", str(path), env={"SANDBOX_STATE_CHECK": "1"})
        try:
            yield SandboxClient(proc.url, admin_token=os.environ.get("SANDBOX_ADMIN_TOKEN"))
        finally:
            proc.stop()


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
