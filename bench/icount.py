"""Instructions per request, counted by valgrind: an A/B for one change that other load on the
machine cannot move.

    .venv/bin/python -m bench.icount [workload ...] [--n 200]

Runs bench/inproc.py under `valgrind --tool=cachegrind --cache-sim=no` twice per workload, with
n and 3n requests per round, and divides the difference in instructions executed by the
difference in requests: start-up, imports and the probe cancel out. Wall-clock timings on a
shared 2-core machine move by +-30 % with whatever else runs; instruction counts move by well
under 1 % (fresh card numbers and ids differ from run to run). Instructions are not time (a cache
miss costs more than an add), so a change that trades instructions for memory traffic still
needs a paired wrk run (bench/pair.py). About 10-20 s per workload. Needs valgrind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from .inproc import ROUNDS
from .workloads import all_workloads

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(workload: str, n: int) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0")
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, "-m", "bench.inproc", workload, "--n", str(n)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), timeout=1800)
    m = _REFS.search(out.stderr)
    if m is None or "skipped" in out.stdout:
        raise RuntimeError(f"{workload}: no count ({out.stdout.strip()[-200:]} {out.stderr.strip()[-300:]})")
    return int(m.group(1).replace(",", ""))


def main() -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    args = sys.argv[1:]
    n = 200
    if "--n" in args:
        i = args.index("--n")
        n = int(args[i + 1])
        del args[i : i + 2]
    names = args or [w.name for w in all_workloads()]
    for name in names:
        low, high = instructions(name, n), instructions(name, 3 * n)
        per = (high - low) / (ROUNDS * 2 * n)
        print(f"{name:18} {per / 1000:8.1f} k instructions per request", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
