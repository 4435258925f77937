"""Start servers the way users do, pinned to a core, and talk to them with the standard library."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_READY = re.compile(r"listening on http://([^\s:]+|\[[^\]]+\]):(\d+)")


def _python(target: str, loop: str | None) -> list[str]:
    """This interpreter and this checkout (cwd=ROOT puts it first on the path): a worktree without
    its own venv benchmarks its own code. With `loop`, through bench/loop.py on that event loop."""
    if loop is not None:
        return [sys.executable, "-m", "bench.loop", loop, target]
    return [sys.executable, target] if target.endswith(".py") else [sys.executable, "-m", target]


def sandbox_cmd(*flags: str, loop: str | None = None) -> list[str]:
    return [*_python("sandbox.cli", loop), "serve", "--port", "0", "--log-level", "warning", *flags]


def reference_cmd(bodies: str | None = None, loop: str | None = None) -> list[str]:
    cmd = [*_python(os.path.join(ROOT, "bench", "reference_app.py"), loop), "--port", "0"]
    return cmd + (["--bodies", bodies] if bodies else [])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    host: str
    port: int
    startup_s: float  # process start to the first 200 from /_sandbox/health

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict | None = None, timeout: float = 600.0) -> tuple[int, dict, bytes]:
        return request(self.host, self.port, method, path, body, headers, timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def request(host: str, port: int, method: str, path: str, body=None, headers=None,
            timeout: float = 600.0) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def start(name: str, cmd: list[str], cpu: int | None) -> Server:
    """Start `cmd` (pinned to `cpu` with taskset), wait for its ready line and a 200 from health."""
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    t0 = time.perf_counter()
    errors = tempfile.TemporaryFile("w+")  # a file, not a pipe: nobody reads it while serving
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    m = _READY.search(line)
    if not m:
        proc.kill()
        proc.wait()
        errors.seek(0)
        raise RuntimeError(f"{name} did not print its ready line: {line!r}; stderr: {errors.read()[-1500:]}")
    host, port = m.group(1).strip("[]"), int(m.group(2))
    while True:  # the ready line comes after bind; the first 200 is what a CI job waits for
        try:
            status, _, _ = request(host, port, "GET", "/_sandbox/health", timeout=5)
            if status == 200:
                break
        except OSError:
            pass
        if time.perf_counter() - t0 > 30:
            proc.kill()
            raise RuntimeError(f"{name} never answered 200 on /_sandbox/health")
        time.sleep(0.001)
    return Server(name, proc, host, port, time.perf_counter() - t0)
