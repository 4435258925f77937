"""`make bench`: start-up, throughput/latency against a bare aiohttp reference, memory, flatness.

    python -m bench.run            # full run (~12 min on 2 cores)
    BENCH_QUICK=1 python -m bench.run   # smoke run (~1-2 min): 1 s runs, one repetition, 100k not 1M

wrk runs on core 0 and the servers on core 1 (taskset), one wrk thread. Every figure is the
median of the repetitions. Results: a markdown table on stdout and bench/results/<time>.json
(+ latest.json and latest.md).
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

from . import servers
from .seed import seed
from .servers import Server
from .workloads import Workload, all_workloads

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
DURATION = int(os.environ.get("BENCH_DURATION", "1" if QUICK else "3"))  # wrk takes whole seconds
REPS = int(os.environ.get("BENCH_REPS", "1" if QUICK else "3"))
CONNS = (1, 16, 64)
STARTS = 3 if QUICK else 7
SIZES = (1_000, 100_000) if QUICK else (1_000, 100_000, 1_000_000)
WRK_CPU, SERVER_CPU = (0, 1) if (os.cpu_count() or 1) >= 2 else (None, None)
RESULTS = os.path.join(servers.ROOT, "bench", "results")
LUA = os.path.join(servers.ROOT, "bench", "lua", "workload.lua")

_pan_base = [10_000_000_000_000]


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def wrk(server: Server, w: Workload, conns: int, duration: float) -> dict:
    _pan_base[0] += 10_000_000  # a fresh card range per run: every {{PAN}} request is a NEW card
    env = dict(os.environ, BENCH_METHOD=w.method, BENCH_PATH=w.path, BENCH_BODY=w.body or "",
               BENCH_HEADERS="\n".join(f"{k}: {v}" for k, v in w.headers.items()),
               BENCH_PAN_BASE=str(_pan_base[0]))
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", LUA, server.url + w.path]
    if WRK_CPU is not None:
        cmd = ["taskset", "-c", str(WRK_CPU), *cmd]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60).stdout
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out[-500:]}")
    r = json.loads(line[6:])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def summarize(runs: list[dict]) -> dict:
    return {
        "rps": round(statistics.median(r["rps"] for r in runs), 1),
        "p50_ms": round(statistics.median(r["p50_us"] for r in runs) / 1000, 3),
        "p99_ms": round(statistics.median(r["p99_us"] for r in runs) / 1000, 3),
        "errors": sum(sum(r["errors"].values()) for r in runs),
        "runs": [round(r["rps"], 1) for r in runs],
    }


def paired(pairs: list[tuple[dict, dict]]) -> dict:
    """Sandbox runs each taken right after a reference run: ratios per pair, then the median,
    so load from anything else on the machine hits both sides of each ratio alike."""
    out = summarize([s for _, s in pairs])
    out["vs_ref_get"] = round(statistics.median(s["rps"] / r["rps"] for r, s in pairs), 3)
    out["p99_vs_ref_get"] = round(statistics.median(s["p99_us"] / max(r["p99_us"], 1) for r, s in pairs), 2)
    return out


def startups() -> dict:
    """Alternate sandbox and reference starts so both see the same machine state."""
    cmds = {"sandbox": servers.sandbox_cmd(), "reference": servers.reference_cmd()}
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(STARTS):
        for name, cmd in cmds.items():
            s = servers.start(name, cmd, SERVER_CPU)
            times[name].append(s.startup_s)
            s.stop()
    return {name: {"median_s": round(statistics.median(t), 3), "runs_s": [round(x, 3) for x in t]}
            for name, t in times.items()}


def start_sandbox() -> Server:
    return servers.start("sandbox", servers.sandbox_cmd(), SERVER_CPU)


def probe_all(server: Server) -> list[Workload]:
    workloads = all_workloads()
    for w in workloads:
        if w.name != "admin_reset":  # probing reset now would drop what the probes created
            w.probe(server)
            log(f"  probe {w.name}: {'ok' if w.skipped is None else 'SKIP ' + w.skipped}")
    return workloads


def seeded(server: Server, n: int) -> dict:
    before = server.rss_kib()
    info = seed(server, n)
    time.sleep(0.5)
    after = server.rss_kib()
    info.update(rss_before_kib=before, rss_after_kib=after,
                bytes_per_token=round((after - before) * 1024 / n, 1))
    log(f"  seeded {n:,} tokens: {info['bytes_per_token']} B/token RSS, PUT {info['put_s']} s")
    return info


def run_workloads(sb: Server, ref: Server, ref_get: Workload, workloads: list[Workload],
                  large: Server | None, large_workloads: list[Workload] | None) -> tuple[dict, dict, dict]:
    """Every workload at every connection count, each sandbox run paired with a reference GET run
    just before it; at 16 connections also the reference on the same route and the large store."""
    results, ref_runs, large_results = {}, {str(c): [] for c in CONNS}, {}
    ref_route = {}
    for i, w in enumerate(workloads):
        big = large_workloads[i] if large_workloads else None
        if w.name == "admin_reset":
            w.probe(sb)
            if big is not None:
                big.probe(large)
        if w.skipped is not None:
            results[w.name] = {"skipped": w.skipped}
            continue
        wrk(sb, w, 16, 1)  # warm-up
        pairs = {str(c): [] for c in CONNS}
        same_route, big_runs = [], []
        for _ in range(REPS):
            for c in CONNS:
                r = wrk(ref, ref_get, c, DURATION)
                ref_runs[str(c)].append(r)
                pairs[str(c)].append((r, wrk(sb, w, c, DURATION)))
            same_route.append(wrk(ref, _for_reference(w), 16, DURATION))
            if big is not None and big.skipped is None:
                big_runs.append(wrk(large, big, 16, DURATION))
        results[w.name] = {c: paired(p) for c, p in pairs.items()}
        ref_route[w.name] = {"16": summarize(same_route)}
        if big is not None:
            large_results[w.name] = {"16": summarize(big_runs)} if big_runs else {"skipped": big.skipped}
        log(f"  {w.name}: " + ", ".join(f"{c}c {results[w.name][str(c)]['rps']:.0f}/s "
                                         f"({results[w.name][str(c)]['vs_ref_get']:.2f} of ref GET)" for c in CONNS)
            + (f"; {large_results[w.name].get('16', {}).get('rps', 0):.0f}/s with the large store" if big else ""))
    # access_get: every paired GET run (the ceiling); the other keys: the same route at 16 conns.
    reference = {**ref_route, "access_get": {c: summarize(runs) for c, runs in ref_runs.items()}}
    return results, reference, large_results


def main() -> int:
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (make bench installs it: apt-get install wrk)", file=sys.stderr)
        return 2
    os.makedirs(RESULTS, exist_ok=True)
    t_start = time.perf_counter()
    out: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "cpu": _cpu_model()},
        "settings": {"quick": QUICK, "duration_s": DURATION, "reps": REPS, "conns": list(CONNS),
                     "starts": STARTS, "sizes": list(SIZES), "wrk_cpu": WRK_CPU, "server_cpu": SERVER_CPU},
    }

    log("start-up: sandbox vs reference (alternating)")
    out["startup"] = startups()
    log(f"  sandbox {out['startup']['sandbox']['median_s']} s, reference {out['startup']['reference']['median_s']} s")

    sb = ref = large = None
    try:
        log(f"memory with {SIZES[0]:,} stored tokens (the store for the main table)")
        sb = start_sandbox()
        workloads = probe_all(sb)
        out["memory"] = {str(SIZES[0]): seeded(sb, SIZES[0])}
        large_workloads = None
        for n in SIZES[1:]:
            log(f"memory with {n:,} stored tokens")
            other = start_sandbox()
            found = probe_all(other)
            out["memory"][str(n)] = seeded(other, n)
            if n == SIZES[-1]:
                large, large_workloads = other, found  # kept running: paired with the small store
            else:
                other.stop()
        bodies = {}
        for w in workloads:
            if w.sample and w.route not in bodies:
                bodies[w.route] = w.sample
        bodies_file = os.path.join(RESULTS, "reference-bodies.json")
        with open(bodies_file, "w", encoding="utf-8") as f:
            json.dump(bodies, f)
        ref = servers.start("reference", servers.reference_cmd(bodies_file), SERVER_CPU)
        ref_get = _for_reference(next(w for w in workloads if w.name == "access_get"))
        wrk(ref, ref_get, 16, 1)  # warm-up
        log(f"throughput: {SIZES[0]:,} stored tokens, paired with the reference"
            + (f" and with {SIZES[-1]:,} stored tokens" if large else ""))
        out["sandbox"], out["reference"], large_results = run_workloads(
            sb, ref, ref_get, workloads, large, large_workloads)
        if large is not None:
            out["large"] = {"tokens": SIZES[-1], "results": large_results}
    finally:
        for server in (sb, ref, large):
            if server is not None:
                server.stop()

    out["labels"] = {w.name: w.label for w in all_workloads()}
    out["elapsed_s"] = round(time.perf_counter() - t_start, 1)
    out["targets"] = targets(out)
    md = render(out)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"{stamp}.json", "latest.json"):
        with open(os.path.join(RESULTS, name), "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
    with open(os.path.join(RESULTS, "latest.md"), "w", encoding="utf-8") as f:
        f.write(md)
    print(md)
    log(f"done in {out['elapsed_s']} s; JSON in bench/results/{stamp}.json")
    return 0


# Where the reference is called when the sandbox's own setup could not fill in a path.
_REF_PATH = {"access.get": "/tokens/bench", "opp.pay": "/v1/registrations/bench/payments"}


def _for_reference(w: Workload) -> Workload:
    """The same request (path, headers, body) sent to the reference app."""
    return dataclasses.replace(w, path=w.path or _REF_PATH.get(w.route, "/"), prepare=None)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        return ""


from .report import render, targets  # noqa: E402  (kept apart: the report is long)

if __name__ == "__main__":
    raise SystemExit(main())
