"""pytest plugin (entry point `pytest11`): the `sandbox` and `sandbox_tenant` fixtures (docs/pytest-plugin.md).

Own server (the default): one `sandbox serve --port 0` per test session (per xdist worker),
and before each test everything is reset to the loaded fixtures and the journal emptied.

Shared server (`--sandbox-url URL` or `SANDBOX_URL`): several sessions or xdist workers use one
server, so nothing global is touched. Each test's reset covers only its own tenants: those its
`sandbox_fixture` markers and `sandbox.load()` calls named, and its `sandbox_tenant` names.
A global reset, restore or journal clear on a shared server raises `SharedSandboxError`.
"""

from __future__ import annotations

import hashlib
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .client import SandboxClient, SandboxProcess, SharedSandboxError
from .data import EXAMPLE_PREFIX, resolve_fixture

__all__ = ["SandboxTenant", "SharedSandboxError", "TestSandbox"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("token-sandbox")
    group.addoption("--sandbox-url", default=os.environ.get("SANDBOX_URL"),
                    help="use the Token Sandbox already running at this URL, shared: each test resets "
                         "only its own tenants (env SANDBOX_URL)")
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
        yield SandboxClient(url, admin_token=token, shared=True)
        return
    proc = SandboxProcess(*shlex.split(request.config.getini("sandbox_args")))
    try:
        yield SandboxClient(proc.url, admin_token=token)
    finally:
        proc.stop()


class TestSandbox(SandboxClient):
    """The `sandbox` fixture: the session's client for one test, remembering the tenants the
    test loaded so that a shared server's reset covers those only."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, session: SandboxClient) -> None:
        super().__init__(session.url, admin_token=session.admin_token, timeout=session.timeout,
                         shared=session.shared)
        self.touched: set[str] = set()
        self._since = 0  # journal entries up to here belong to earlier tests or to the reset

    def journal(self, tenant: str | None = None, api: str | None = None, since: int = 0) -> list[dict]:
        """Journal entries since this test's reset. Reading the journal is observation, not
        behaviour, so `/_sandbox/journal` calls themselves are left out."""
        return [e for e in super().journal(tenant, api, max(since, self._since))
                if e.get("path") != "/_sandbox/journal"]

    def fresh_journal(self) -> None:
        """Empty the journal (own server only); the emptying call itself is not shown."""
        self.clear_journal()
        self._since = max((e["seq"] for e in super().journal()), default=0)

    def load(self, fixture, baseline: bool = False) -> dict:
        summary = super().load(fixture, baseline)
        self.touched.update(summary.get("tenants") or ())
        return summary

    def reset_own(self) -> None:
        """Back to the loaded fixtures for the tenants this test touched (shared server)."""
        for tid in sorted(self.touched):
            self.reset(tenant=tid)


@pytest.fixture
def sandbox(sandbox_session: SandboxClient, request: pytest.FixtureRequest):
    """A clean sandbox for this test, then the files of any `@pytest.mark.sandbox_fixture(...)`
    loaded (outermost marker first). Own server: reset everything and empty the journal first.
    Shared server: nothing global is reset; the tenants this test loads are reset after it."""
    client = TestSandbox(sandbox_session)
    if not client.shared:
        client.reset()
        client.fresh_journal()
    for marker in reversed(list(request.node.iter_markers("sandbox_fixture"))):
        for path in marker.args:
            client.load(_fixture_path(request, path))
    yield client
    if client.shared:
        client.reset_own()


def _fixture_path(request: pytest.FixtureRequest, path: str) -> Path:
    """`example:NAME` is a shipped example; relative paths are tried next to the test file,
    then from the rootdir."""
    if path.startswith(EXAMPLE_PREFIX):
        return Path(resolve_fixture(path))
    p = Path(path)
    if p.is_absolute():
        return p
    near = Path(str(request.node.fspath)).parent / p
    return near if near.exists() else Path(str(request.config.rootpath)) / p


@dataclass
class SandboxTenant:
    """Tenant names unique to one test (and xdist worker and process), so parallel runs never
    collide: use them as the Access username, the OPP entityId, the paymentService merchant code.

    `name` is 32 lowercase hex (valid as an Access username and an OPP entityId);
    `merchant_code` is the same in upper case for paymentService.
    """

    name: str
    client: SandboxClient
    _since: int = field(default=0, repr=False)

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
        """Back to the loaded fixtures for these tenants only, and their journal starts afresh
        (safe on a shared sandbox)."""
        for tid in self.ids:
            self.client.reset(tenant=tid)
        entries = self._entries(0)
        self._since = max((e["seq"] for e in entries), default=self._since)

    def state(self) -> dict:
        """The same snapshot document as `sandbox.state(tenant=...)`, `{"version", "tenants"}`,
        with these three tenants (those that exist)."""
        snap: dict = {"version": 1, "tenants": {}}
        for tid in self.ids:
            one = self.client.state(tenant=tid)
            snap["version"] = one["version"]
            snap["tenants"].update(one["tenants"])
        return snap

    def journal(self, api: str | None = None) -> list[dict]:
        """This test's journal entries for these tenants since the last reset, oldest first."""
        return [e for e in self._entries(self._since) if api is None or e.get("api") == api]

    def _entries(self, since: int) -> list[dict]:
        entries = [e for tid in self.ids for e in self.client.journal(tenant=tid, since=since)]
        return sorted(entries, key=lambda e: e["seq"])


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
