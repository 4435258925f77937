"""pytest plugin (entry point `pytest11`): the `sandbox` fixture (DESIGN §4.4).

One server per test session on a free port, reset before each test. `--sandbox-url URL` (or
`SANDBOX_URL`) points the same tests at a sandbox that is already running.
"""

from __future__ import annotations

import hashlib
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from .client import SandboxClient, SandboxProcess


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("token-sandbox")
    group.addoption("--sandbox-url", default=os.environ.get("SANDBOX_URL"),
                    help="use the Token Sandbox at this URL instead of starting one (env SANDBOX_URL)")
    parser.addini("sandbox_args", "extra `sandbox serve` flags for the session server", default="")


def pytest_configure(config: pytest.Config) -> None:
    # Registered here, so a user's suite runs with --strict-markers without declaring it.
    config.addinivalue_line(
        "markers", "sandbox_fixture(*paths): load scenario fixture files (or example:NAME) into the "
                   "sandbox for one test; undone by the next reset")


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
def sandbox(sandbox_session: SandboxClient, request: pytest.FixtureRequest) -> SandboxClient:
    """A clean sandbox for this test: everything reset to the loaded fixtures first, then the
    files of any `@pytest.mark.sandbox_fixture("path")` loaded (outermost marker first)."""
    sandbox_session.reset()
    for marker in reversed(list(request.node.iter_markers("sandbox_fixture"))):
        for path in marker.args:
            sandbox_session.load(_fixture_path(request, path))
    return sandbox_session


def _fixture_path(request: pytest.FixtureRequest, path: str) -> Path:
    """Relative paths are tried next to the test file, then from the rootdir."""
    p = Path(path)
    if p.is_absolute():
        return p
    near = Path(str(request.node.fspath)).parent / p
    return near if near.exists() else Path(str(request.config.rootpath)) / p


@dataclass(frozen=True)
class SandboxTenant:
    """Unique tenant names for one test (and xdist worker), so parallel runs never collide.

    `name` is 32 lowercase hex (valid as an Access username and an OPP entityId);
    `merchant_code` is the same in upper case for paymentService.
    """

    name: str
    client: SandboxClient

    @property
    def merchant_code(self) -> str:
        return self.name.upper()

    @property
    def access(self) -> str:
        return f"access:{self.name}"

    @property
    def opp(self) -> str:
        return f"opp:{self.name}"

    @property
    def wpg(self) -> str:
        return f"wpg:{self.merchant_code}"

    @property
    def ids(self) -> tuple[str, str, str]:
        return (self.access, self.opp, self.wpg)

    def reset(self) -> None:
        """Back to the loaded fixtures for these tenants only (safe on a shared sandbox)."""
        for tid in self.ids:
            self.client.reset(tenant=tid)

    def state(self) -> dict:
        tenants: dict = {}
        for tid in self.ids:
            tenants.update(self.client.state(tenant=tid)["tenants"])
        return tenants


@pytest.fixture
def sandbox_tenant(sandbox_session: SandboxClient, request: pytest.FixtureRequest):
    """Tenants unique to this test and worker; only they are reset (before and after the test),
    so tests sharing one sandbox (`--sandbox-url`, `pytest -n`) do not disturb each other."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    digest = hashlib.sha256(f"{worker}|{os.getpid()}|{request.node.nodeid}".encode()).hexdigest()[:32]
    tenant = SandboxTenant(digest, sandbox_session)
    tenant.reset()
    yield tenant
    tenant.reset()
