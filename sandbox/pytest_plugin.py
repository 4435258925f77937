"""pytest plugin (entry point `pytest11`): the `sandbox` fixture (DESIGN §4.4).

One server per test session on a free port, reset before each test. `--sandbox-url URL` (or
`SANDBOX_URL`) points the same tests at a sandbox that is already running.
"""

from __future__ import annotations

import os
import shlex

import pytest

from .client import SandboxClient, SandboxProcess


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("token-sandbox")
    group.addoption("--sandbox-url", default=os.environ.get("SANDBOX_URL"),
                    help="use the Token Sandbox at this URL instead of starting one (env SANDBOX_URL)")
    parser.addini("sandbox_args", "extra `sandbox serve` flags for the session server", default="")


@pytest.fixture(scope="session")
def sandbox_session(request: pytest.FixtureRequest):
    """The session's sandbox server (started here unless --sandbox-url is given)."""
    url = request.config.getoption("--sandbox-url")
    token = os.environ.get("SANDBOX_ADMIN_TOKEN")
    if url:
        yield SandboxClient(url, admin_token=token)
        return
    proc = SandboxProcess(*shlex.split(request.config.getini("sandbox_args")))
    try:
        yield SandboxClient(proc.url, admin_token=token)
    finally:
        proc.stop()


@pytest.fixture
def sandbox(sandbox_session: SandboxClient) -> SandboxClient:
    """A clean sandbox for this test: everything reset to the loaded fixtures first."""
    sandbox_session.reset()
    return sandbox_session
