"""Profile one workload: the sandbox under cProfile (pinned to CPU 1), wrk on CPU 0.

    .venv/bin/python -m bench.profile access_get [seconds] [conns]

Prints the top functions by own and cumulative time. Not part of `make bench`: a developer tool
for finding where a workload's time goes before changing the hot path.
"""

from __future__ import annotations

import pstats
import sys
import tempfile

from . import run
from .servers import sandbox_cmd, start
from .workloads import all_workloads


def main() -> int:
    name = sys.argv[1] if len(sys.argv) > 1 else "access_get"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    out = tempfile.NamedTemporaryFile(suffix=".prof", delete=False).name
    cmd = [sys.executable, "-m", "cProfile", "-o", out, *sandbox_cmd()[1:]]  # -m sandbox.cli serve ...
    server = start("sandbox", cmd, 1)
    try:
        w = next(x for x in all_workloads() if x.name == name)
        w.probe(server)
        if w.skipped:
            print(f"skipped: {w.skipped}")
            return 1
        r = run.wrk(server, w, conns, seconds)
        print(f"{name}: {r['rps']:.0f} req/s under cProfile (slower than real)")
    finally:
        server.stop()
    stats = pstats.Stats(out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
