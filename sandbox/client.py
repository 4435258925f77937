"""SandboxClient: drive the control plane from tests without building admin URLs by hand.

Standard library only (urllib), so it works in any test suite, sync or async.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from typing import Any

READY = re.compile(r"Token Sandbox listening on (http://\S+)")


class SandboxError(RuntimeError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"control plane answered {status}: {body}")
        self.status = status
        self.body = body


class SharedSandboxError(RuntimeError):
    """A call that changes every tenant, made on a sandbox other test sessions share."""


class SandboxClient:
    """`shared=True` (the pytest plugin's `--sandbox-url`): the server is used by other test
    sessions or xdist workers too, so the calls that change every tenant at once (reset without
    a tenant, restore, clearing the journal) raise SharedSandboxError instead of disturbing them."""

    def __init__(self, url: str, admin_token: str | None = None, timeout: float = 30.0,
                 shared: bool = False) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.timeout = timeout
        self.shared = shared
        self.clock = ClockControl(self)
        self.faults = FaultControl(self)

    # -- plumbing ------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, query: dict | None = None,
             content_type: str = "application/json") -> Any:
        """Call a control-plane endpoint; returns the decoded JSON, raises SandboxError on 4xx/5xx."""
        qs = {k: v for k, v in (query or {}).items() if v is not None}
        url = f"{self.url}{path}" + (f"?{urllib.parse.urlencode(qs)}" if qs else "")
        data = None
        headers = {}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                decoded = json.loads(raw)
            except ValueError:
                decoded = raw.decode("utf-8", "replace")
            raise SandboxError(e.code, decoded) from None
        return json.loads(raw) if raw else None

    # -- control plane -------------------------------------------------------------------------
    def health(self) -> dict:
        return self.call("GET", "/_sandbox/health")

    def _not_shared(self, what: str) -> None:
        if self.shared:
            raise SharedSandboxError(
                f"{what} would change every tenant of the shared sandbox at {self.url} (--sandbox-url), "
                "disturbing the other sessions and workers using it; reset(tenant=...) or the "
                "sandbox_tenant fixture's own tenants instead")

    def reset(self, tenant: str | None = None) -> dict:
        """Everything (or one tenant) back to the loaded fixtures; the journal is kept."""
        if tenant is None:
            self._not_shared("a global reset")
        return self.call("POST", "/_sandbox/reset", query={"tenant": tenant})

    def state(self, tenant: str | None = None) -> dict:
        return self.call("GET", "/_sandbox/state", query={"tenant": tenant})

    def restore(self, snapshot: dict) -> dict:
        """Replace all state with a snapshot (the shape `state()` returns)."""
        self._not_shared("restoring a snapshot")
        return self.call("PUT", "/_sandbox/state", snapshot)

    def journal(self, tenant: str | None = None, api: str | None = None, since: int = 0) -> list[dict]:
        return self.call("GET", "/_sandbox/journal", query={"tenant": tenant, "api": api, "since": since})["entries"]

    def clear_journal(self) -> None:
        self._not_shared("clearing the journal")
        self.call("DELETE", "/_sandbox/journal")

    def cards(self) -> dict:
        return self.call("GET", "/_sandbox/cards")

    def load(self, fixture: str | os.PathLike | dict, baseline: bool = False) -> dict:
        """Load a scenario fixture: a file path (YAML or JSON) or a dict.

        By default (baseline=False) the next reset undoes it, so one test's world does not leak
        into the next; baseline=True makes it part of what every reset returns to.
        """
        if isinstance(fixture, dict):
            body, ctype, name = json.dumps(fixture).encode(), "application/json", None
        else:
            path = os.fspath(fixture)
            with open(path, "rb") as f:
                body = f.read()
            ctype = "application/json" if path.endswith(".json") else "application/yaml"
            name = path
        query = {"baseline": "true" if baseline else "false", "name": name}
        return self.call("POST", "/_sandbox/fixtures", body, query=query, content_type=ctype)["loaded"]


class ClockControl:
    """`sandbox.clock.advance("P30D")`, `.set(...)`, `.freeze()`; `tenant=` for one tenant's clock."""

    def __init__(self, client: SandboxClient) -> None:
        self._client = client

    def _post(self, body: dict, tenant: str | None) -> dict:
        return self._client.call("POST", "/_sandbox/clock", body, query={"tenant": tenant})

    def now(self, tenant: str | None = None) -> datetime:
        view = self._client.call("GET", "/_sandbox/clock", query={"tenant": tenant})
        return datetime.fromisoformat(view["now"].replace("Z", "+00:00"))

    def advance(self, by: str | timedelta | float, tenant: str | None = None) -> dict:
        if isinstance(by, timedelta):
            by = by.total_seconds()
        if isinstance(by, int | float):
            by = f"PT{float(by)}S"
        return self._post({"advance": by}, tenant)

    def set(self, when: str | datetime, tenant: str | None = None) -> dict:
        if isinstance(when, datetime):
            when = when.isoformat()
        return self._post({"set": when}, tenant)

    def freeze(self, tenant: str | None = None) -> dict:
        return self._post({"freeze": True}, tenant)

    def unfreeze(self, tenant: str | None = None) -> dict:
        return self._post({"freeze": False}, tenant)

    def reset(self, tenant: str | None = None) -> dict:
        return self._post({"reset": True}, tenant)


class FaultControl:
    """`sandbox.faults.add(api="wpg", action="temporary-failure", times=2)`, `.list()`, `.clear()`."""

    def __init__(self, client: SandboxClient) -> None:
        self._client = client

    def add(self, rule: dict | None = None, **fields: Any) -> dict:
        """Add one rule (a dict, or keyword fields); returns it with its id."""
        return self._client.call("POST", "/_sandbox/faults", {**(rule or {}), **fields})["rules"][0]

    def list(self) -> list[dict]:
        return self._client.call("GET", "/_sandbox/faults")["rules"]

    def remove(self, rule_id: str) -> None:
        self._client.call("DELETE", f"/_sandbox/faults/{urllib.parse.quote(rule_id, safe='')}")

    def clear(self) -> None:
        self._client.call("DELETE", "/_sandbox/faults")


class SandboxProcess:
    """`sandbox serve --port 0` as a child process; `.url` once the ready line is printed."""

    def __init__(self, *args: str, env: dict | None = None, timeout: float = 20.0) -> None:
        self.args = ["--port", "0", *args] if "--port" not in args else list(args)
        cmd = [sys.executable, "-m", "sandbox", "serve", *self.args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})},
        )
        self.output: list[str] = []
        self.url = self._wait_ready(timeout)
        # Keep draining stdout/stderr so the child never blocks on a full pipe.
        self._drains = [threading.Thread(target=self._drain, args=(s,), daemon=True)
                        for s in (self.proc.stdout, self.proc.stderr)]
        for t in self._drains:
            t.start()

    def _wait_ready(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise RuntimeError(f"sandbox exited before it was ready: {err.strip()}")
            self.output.append(line)
            m = READY.search(line)
            if m:
                return m.group(1)
        self.proc.kill()
        raise RuntimeError("sandbox did not print its ready line in time")

    def _drain(self, stream) -> None:
        for line in stream:
            self.output.append(line)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._drains:
            t.join(timeout=2)
        return self.proc.returncode

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
