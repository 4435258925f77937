"""Sample one workload with py-spy: where a request's time goes, without cProfile's distortion.

    .venv/bin/python -m bench.spy access_create [seconds] [conns]

cProfile charges a fixed cost to every Python call, so call-heavy code of ours looks bigger than it
is next to aiohttp's and the C built-ins. py-spy samples the running server from outside (about
1,000 stacks a second, `--nonblocking`, so the server is never paused) and the shares it prints are
the shares of real time on the server's core. Needs `py-spy` (`pip install py-spy`) and ptrace
rights. Prints own time by layer, the top functions by own time and by inclusive time.
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import tempfile

from . import run
from .profile import layer, warmed
from .servers import sandbox_cmd, start


def _frames(line: str) -> tuple[list[tuple[str, str]], int]:
    """One line of py-spy's raw (collapsed) output: frames outermost first, and its count."""
    stack, _, count = line.rpartition(" ")
    frames = []
    for part in stack.split(";"):
        # "function (path/to/file.py:123)"; thread names and idle markers have no "("
        name, _, where = part.partition(" (")
        frames.append((name, where.rstrip(")").rsplit(":", 1)[0]))
    return frames, int(count)


def report(raw: str, top: int = 30) -> None:
    own: collections.Counter = collections.Counter()
    incl: collections.Counter = collections.Counter()
    layers: collections.Counter = collections.Counter()
    total = 0
    with open(raw) as f:
        for line in f:
            if not line.strip():
                continue
            frames, n = _frames(line.strip())
            frames = [fr for fr in frames if fr[1]]
            if not frames:
                continue
            leaf = frames[-1]
            if leaf[0] == "select" and leaf[1].endswith("selectors.py"):  # epoll_wait: not CPU
                layers["idle: waiting in epoll"] += n
                continue
            total += n
            own[f"{leaf[0]} ({_short(leaf[1])})"] += n
            layers[layer("/" + leaf[1])] += n
            for fr in set(frames):
                incl[f"{fr[0]} ({_short(fr[1])})"] += n
    busy = sum(v for k, v in layers.items() if not k.startswith("idle"))
    print(f"\n{total} busy samples; own time by layer:")
    for label, n in layers.most_common():
        print(f"  {n / max(busy, 1) * 100:5.1f} %  {label}")
    print("\nown time (leaf frame):")
    for k, n in own.most_common(top):
        print(f"  {n / busy * 100:5.1f} %  {k}")
    print("\ninclusive time:")
    for k, n in incl.most_common(top + 20):
        print(f"  {n / busy * 100:5.1f} %  {k}")


def _short(path: str) -> str:
    for cut in ("/site-packages/", "/sandbox/", "/python3.11/"):
        if cut in path:
            return path.split(cut, 1)[1]
    return path


def main() -> int:
    name = sys.argv[1] if len(sys.argv) > 1 else "access_get"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 6
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    extra = sys.argv[4:]
    spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    if not os.path.exists(spy):
        print("py-spy is not installed: pip install py-spy", file=sys.stderr)
        return 2
    raw = tempfile.NamedTemporaryFile(suffix=".txt", delete=False).name
    server = start("sandbox", sandbox_cmd(*extra), 1)
    try:
        w = warmed(server, name, conns)
        if w is None:
            return 1
        sampler = subprocess.Popen(
            [spy, "record", "--pid", str(server.proc.pid), "--rate", "997", "--nonblocking",
             "--format", "raw", "--duration", str(int(seconds) + 1), "--output", raw],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = run.wrk(server, w, conns, seconds)
        sampler.wait()
        print(f"{name}: {r['requests']} requests, {r['rps']:.0f} req/s while sampled")
    finally:
        server.stop()
    report(raw)
    if os.environ.get("SPY_KEEP"):
        print(f"raw stacks kept in {raw}")
    else:
        os.unlink(raw)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
