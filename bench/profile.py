"""Profile one workload: the sandbox under cProfile (pinned to CPU 1), wrk on CPU 0.

    .venv/bin/python -m bench.profile access_get [seconds] [conns]

The profiler runs only while wrk does (switched on and off by signals after the probe and a
warm-up), so start-up and imports stay out of the figures. Prints the own time grouped by layer
(our middleware, adapters, core; aiohttp; asyncio; the rest), then the top functions by own and
cumulative time. Not part of `make bench`: a developer tool for finding where a workload's time
goes before changing the hot path (docs/performance.md has the latest reading).
"""

from __future__ import annotations

import os
import pstats
import signal
import sys
import tempfile
import time

from . import run
from .servers import sandbox_cmd, start
from .workloads import all_workloads

LAYERS = (  # first match wins: (label, path fragment)
    ("sandbox/web (middleware, body, faults)", "/sandbox/web/"),
    ("sandbox/apis (adapters)", "/sandbox/apis/"),
    ("sandbox/core (domain, journal, store)", "/sandbox/core/"),
    ("sandbox (other)", "/sandbox/"),
    ("aiohttp", "/aiohttp/"),
    ("asyncio", "/asyncio/"),
    ("multidict / yarl", "multidict"),
    ("multidict / yarl", "/yarl/"),
)


def layer(filename: str) -> str:
    for label, fragment in LAYERS:
        if fragment in filename:
            return label
    if filename == "~":
        return "C built-ins (socket send, json, re, ...)"
    return "other Python (stdlib, lxml glue)"


def child(out: str, argv: list[str]) -> None:
    """Inside the server process: SIGUSR1 starts the profiler, SIGUSR2 stops it and writes `out`."""
    import cProfile

    # CPU time of this thread, not wall time: on a busy machine a wall-clock profile charges
    # whatever function was running when the OS preempted the server.
    prof = cProfile.Profile(time.thread_time)

    def on(*_):
        prof.enable()

    def off(*_):
        prof.disable()
        prof.dump_stats(out)

    signal.signal(signal.SIGUSR1, on)
    signal.signal(signal.SIGUSR2, off)
    from sandbox.cli import main

    raise SystemExit(main(argv))


def by_layer(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: dict[str, float] = {}
    for (filename, _, func), (_, _, tottime, _, _) in stats.stats.items():
        key = "idle: waiting in epoll (not CPU)" if "select.epoll" in func else layer(filename)
        totals[key] = totals.get(key, 0.0) + tottime
    return sorted(totals.items(), key=lambda kv: -kv[1])


def warmed(server, name: str, conns: int):
    """The named workload probed on `server` and warmed up (caches, the first full GC pass), or
    None when it cannot run (printed). bench/spy.py shares it."""
    w = next(x for x in all_workloads() if x.name == name)
    w.probe(server)
    if w.skipped:
        print(f"skipped: {w.skipped}")
        return None
    run.wrk(server, w, conns, 1)
    return w


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    name = sys.argv[1] if len(sys.argv) > 1 else "access_get"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    out = tempfile.NamedTemporaryFile(suffix=".prof", delete=False).name
    os.unlink(out)
    cmd = [sys.executable, "-m", "bench.profile", "--child", out, *sandbox_cmd()[3:]]  # serve --port 0 ...
    server = start("sandbox", cmd, 1)
    try:
        w = warmed(server, name, conns)
        if w is None:
            return 1
        server.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)
        r = run.wrk(server, w, conns, seconds)
        server.proc.send_signal(signal.SIGUSR2)
        while not os.path.exists(out):
            time.sleep(0.1)
        time.sleep(0.5)  # dump_stats finishing
        print(f"{name}: {r['requests']} requests, {r['rps']:.0f} req/s under cProfile (slower than real)")
    finally:
        server.stop()
    stats = pstats.Stats(out)
    layers = by_layer(stats)
    total = sum(t for label, t in layers if not label.startswith("idle"))
    print(f"\nOwn time by layer ({total:.2f} s profiled, {total / max(r['requests'], 1) * 1e6:.0f} us per request "
          "under the profiler):")
    for label, t in layers:
        print(f"  {t / total * 100:5.1f} %  {label}")
    print()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
