"""Paired runs of chosen workloads against the reference app: a quick check of one change.

    .venv/bin/python -m bench.pair access_get wpg_create [--conns 16,64] [--reps 3] [--seconds 2]
                                   [--loop asyncio|uvloop] [--state]

Same method as `make bench` (server on CPU 1, wrk on CPU 0, each sandbox run right after a
reference GET run, ratio per pair, medians), without start-up, memory and large-store runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

from . import run, servers
from .workloads import all_workloads


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="+")
    ap.add_argument("--conns", default="16")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=2)
    ap.add_argument("--loop", default="asyncio", choices=("asyncio", "uvloop"), help="for both servers")
    ap.add_argument("--state", action="store_true", help="the sandbox with --state (durable writes)")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="bench-pair-")
    flags = ("--state", os.path.join(tmp.name, "state.db")) if args.state else ()
    sb = servers.start("sandbox", servers.sandbox_cmd(*flags, loop=args.loop), run.SERVER_CPU)
    ref = None
    try:
        workloads = {w.name: w for w in all_workloads()}
        get = workloads["access_get"]
        get.probe(sb)
        ref = servers.start("reference", servers.reference_cmd(loop=args.loop), run.SERVER_CPU)
        ref_get = run._for_reference(get)
        run.wrk(ref, ref_get, 16, 1)
        for name in args.names:
            w = workloads[name]
            if w is not get:
                w.probe(sb)
            if w.skipped:
                print(f"{name}: skipped: {w.skipped}")
                continue
            run.wrk(sb, w, 16, 1)
            for c in (int(x) for x in args.conns.split(",")):
                pairs = [(run.wrk(ref, ref_get, c, args.seconds), run.wrk(sb, w, c, args.seconds))
                         for _ in range(args.reps)]
                ratio = statistics.median(s["rps"] / r["rps"] for r, s in pairs)
                p99 = statistics.median(s["p99_us"] / r["p99_us"] for r, s in pairs)
                rps = statistics.median(s["rps"] for _, s in pairs)
                tail = statistics.median(s["p99_us"] / max(s["p50_us"], 1) for _, s in pairs)
                print(f"{name:14s} {c:3d}c {rps:8.0f} req/s  {ratio:.2f} of ref GET  p99 {p99:.2f}x ref  "
                      f"p99/p50 {tail:.1f}", flush=True)
    finally:
        for s in (sb, ref):
            if s is not None:
                s.stop()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
