"""Our own cost per request, in process: the app's middleware, handler, core and rendering, with
no socket, no HTTP parser and no event-loop wake-ups.

    .venv/bin/python -m bench.inproc [workload ...] [--n 2000] [--profile] [--state FILE]

Each workload of bench/workloads.py is sent through `app._handle` (what aiohttp calls once it has
parsed a request) as a mocked request with the same method, path, headers and body (a fresh
Luhn-valid card number per request where the body holds {{PAN}}). The time is the CPU time per
request, best of 5 rounds: a steadier A/B for one change than a wrk run on a shared machine,
because the machine's other load and the kernel's socket work stay out of it. It is not a
throughput figure; `bench.pair` and `make bench` are.
"""

from __future__ import annotations

import asyncio
import sys
import time

from aiohttp import streams, web
from aiohttp.http import HttpVersion11, RawRequestMessage
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .workloads import all_workloads, luhn_pan

ROUNDS = 5


class _Transport:
    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def is_closing(self) -> bool:
        return False


class _Protocol:
    """What a StreamReader and a Request need of their protocol, without unittest.mock (a Mock
    costs more than the request being measured)."""

    max_field_size = max_line_length = 8190
    max_headers = 128
    peername = ("127.0.0.1", 40000)
    sockname = ("127.0.0.1", 8080)
    ssl_context = None
    _reading_paused = False

    def __init__(self) -> None:
        self.transport = _Transport()
        self.writer = None

    def pause_reading(self, *args, **kwargs) -> None: ...

    def resume_reading(self, *args, **kwargs) -> None: ...


def _request(app, method: str, path: str, headers: dict, body: bytes, loop):
    protocol = _Protocol()
    reader = streams.StreamReader(protocol, 2**16, loop=loop)
    if body:
        reader.feed_data(body)
    reader.feed_eof()
    hdrs = CIMultiDict(headers)
    hdrs["Host"] = "127.0.0.1:8080"
    if body:
        hdrs["Content-Length"] = str(len(body))
    proxy = CIMultiDictProxy(hdrs)
    raw = tuple((k.encode(), v.encode()) for k, v in hdrs.items())
    message = RawRequestMessage(method, path, HttpVersion11, proxy, raw, False, None, False, False, URL(path))
    return web.Request(message, reader, protocol, None, None, loop, client_max_size=app._client_max_size)


class _Direct:
    """Enough of bench.servers.Server for a workload's probe and prepare steps, in process."""

    host, port = "127.0.0.1", 8080

    def __init__(self, app, loop) -> None:
        self.app, self.loop = app, loop

    def request(self, method, path, body=None, headers=None, timeout=600.0):
        if isinstance(body, str):
            body = body.encode()
        req = _request(self.app, method, path, dict(headers or {}), body or b"", self.loop)
        resp = self.loop.run_until_complete(self.app._handle(req))
        return resp.status, dict(resp.headers), resp.body if isinstance(resp.body, bytes) else b""


def measure(names: list[str], n: int, profile: bool, state: str | None = None) -> None:
    from sandbox.app import create_app
    from sandbox.config import Config

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = create_app(Config(state=state))
    app.freeze()
    loop.run_until_complete(app.startup())
    server = _Direct(app, loop)
    base = 10_000_000_000_000 + int(time.time()) % 1_000_000 * 10_000
    counter = 0
    for w in all_workloads():
        if names and w.name not in names:
            continue
        w.probe(server)
        if w.skipped:
            print(f"{w.name:18} skipped: {w.skipped}")
            continue
        fresh = w.body is not None and "{{PAN}}" in w.body

        def bodies(w, fresh: bool, k: int) -> list[bytes]:
            nonlocal counter
            out = []
            for _ in range(k):
                counter += 1
                text = w.body.replace("{{PAN}}", luhn_pan(f"4{base + counter:014d}")) if fresh else (w.body or "")
                out.append(text.encode())
            return out

        async def run(w, batch: list[bytes]) -> None:
            for body in batch:
                resp = await app._handle(_request(app, w.method, w.path, w.headers, body, loop))
                assert resp.status < 500, resp.status

        best = float("inf")
        prof = None
        for r in range(ROUNDS):
            batch = bodies(w, fresh, n)
            if profile and r == ROUNDS - 1:
                import cProfile

                prof = cProfile.Profile(time.process_time)
                prof.enable()
            t0 = time.process_time()
            loop.run_until_complete(run(w, batch))
            best = min(best, (time.process_time() - t0) / n)
            if prof:
                prof.disable()
        print(f"{w.name:18} {best * 1e6:7.1f} us per request (our code, best of {ROUNDS} x {n})")
        if prof:
            import pstats

            pstats.Stats(prof).sort_stats("tottime").print_stats(20)
    loop.run_until_complete(app.cleanup())


def main() -> int:
    args = sys.argv[1:]
    n = 2000
    if "--n" in args:
        i = args.index("--n")
        n = int(args[i + 1])
        del args[i : i + 2]
    state = None
    if "--state" in args:  # durable: each request awaits its commit, one at a time (no group)
        i = args.index("--state")
        state = args[i + 1]
        del args[i : i + 2]
    profile = "--profile" in args
    names = [a for a in args if not a.startswith("--")]
    measure(names, n, profile, state)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
