"""`make bench`: start-up, throughput/latency against a bare aiohttp reference, memory, flatness,
durable writes, a long write-heavy run, and both event loops (docs/performance.md).

    python -m bench.run                 # full run (~13-14 min on 2 cores with every workload answering)
    BENCH_QUICK=1 python -m bench.run   # smoke run (~3 min): 1 s points, one repetition, 100k not 1M

wrk runs on core 0 and the servers on core 1 (taskset), one wrk thread. Every figure is the
median of the repetitions. Results: a markdown table on stdout and bench/results/<time>.json
(+ latest.json and latest.md).
"""

from __future__ import annotations

import compileall
import dataclasses
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from . import servers
from .loop import uvloop_available
from .seed import seed
from .servers import Server
from .workloads import Workload, all_workloads

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
DURATION = int(os.environ.get("BENCH_DURATION", "1" if QUICK else "2"))  # wrk takes whole seconds
REPS = int(os.environ.get("BENCH_REPS", "1" if QUICK else "3"))
LONG_S = int(os.environ.get("BENCH_LONG", "10" if QUICK else "60"))  # the write-heavy run
LONG_WORKLOAD = "opp_pay"  # the worst tail of issue 18
GET_CONNS = (1, 16, 64)  # Access GET: the ceiling comparison at every concurrency
CONNS = (16,)  # every other workload: the concurrency the targets are set at
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
    p50 = statistics.median(r["p50_us"] for r in runs)
    p99 = statistics.median(r["p99_us"] for r in runs)
    return {
        "rps": round(statistics.median(r["rps"] for r in runs), 1),
        "p50_ms": round(p50 / 1000, 3),
        "p99_ms": round(p99 / 1000, 3),
        "p999_ms": round(statistics.median(r.get("p999_us", 0) for r in runs) / 1000, 3),
        "max_ms": round(max(r.get("max_us", 0) for r in runs) / 1000, 3),
        "tail": round(p99 / max(p50, 1), 2),  # p99 / p50: the flat-tail target is <= 3
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
    """Alternate sandbox and reference starts so both see the same machine state.

    The package's bytecode is compiled first, as `pip install` leaves it (and as a checkout has it
    after its first run): with PYTHONDONTWRITEBYTECODE set, as on the project's machine, every
    start would otherwise compile all of the sandbox's sources (~0.1 s) while aiohttp, installed
    by pip, loads compiled; that measures the environment variable, not the start-up."""
    compileall.compile_dir(os.path.join(servers.ROOT, "sandbox"), quiet=1)
    cmds = {"sandbox": servers.sandbox_cmd(), "reference": servers.reference_cmd()}
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(STARTS):
        for name, cmd in cmds.items():
            s = servers.start(name, cmd, SERVER_CPU)
            times[name].append(s.startup_s)
            s.stop()
    return {name: {"median_s": round(statistics.median(t), 3), "runs_s": [round(x, 3) for x in t]}
            for name, t in times.items()}


def start_sandbox(*flags: str, loop: str = "asyncio") -> Server:
    return servers.start("sandbox", servers.sandbox_cmd(*flags, loop=loop), SERVER_CPU)


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
                  large: Server | None = None, large_workloads: list[Workload] | None = None,
                  only: list[str] | None = None, large_reps: int = REPS) -> tuple[dict, dict, dict]:
    """Every workload at its connection counts, each sandbox run paired with a reference GET run
    just before it; at 16 connections also (first repetition) the reference on the same route and
    (the first `large_reps` repetitions) the large store. `only`: the workloads to run (the
    durable server runs the writes)."""
    results, ref_runs, large_results, ref_route = {}, {}, {}, {}
    for i, w in enumerate(workloads):
        if only is not None and w.name not in only:
            continue
        big = large_workloads[i] if large_workloads else None
        if w.name == "admin_reset":
            w.probe(sb)
            if big is not None:
                big.probe(large)
        if w.skipped is not None:
            results[w.name] = {"skipped": w.skipped}
            continue
        conns = GET_CONNS if w.name == "access_get" else CONNS
        wrk(sb, w, 16, 1)  # warm-up
        pairs = {str(c): [] for c in conns}
        same_route, big_runs = [], []
        for rep in range(REPS):
            for c in conns:
                r = wrk(ref, ref_get, c, DURATION)
                ref_runs.setdefault(str(c), []).append(r)
                pairs[str(c)].append((r, wrk(sb, w, c, DURATION)))
            if rep == 0 and only is None:
                same_route.append(wrk(ref, _for_reference(w), 16, DURATION))
            if big is not None and big.skipped is None and rep < large_reps:
                big_runs.append(wrk(large, big, 16, DURATION))
        results[w.name] = {c: paired(p) for c, p in pairs.items()}
        if same_route:
            ref_route[w.name] = {"16": summarize(same_route)}
        if big is not None:
            large_results[w.name] = {"16": summarize(big_runs)} if big_runs else {"skipped": big.skipped}
        r16 = results[w.name]["16"]
        log(f"  {w.name}: 16c {r16['rps']:.0f}/s ({r16['vs_ref_get']:.2f} of ref GET), p99/p50 {r16['tail']}"
            + (f"; {large_results[w.name].get('16', {}).get('rps', 0):.0f}/s with the large store" if big else ""))
    # access_get: every paired GET run (the ceiling); the other keys: the same route at 16 conns.
    reference = {**ref_route, "access_get": {c: summarize(runs) for c, runs in ref_runs.items()}}
    return results, reference, large_results


def long_run(server: Server, label: str, w: Workload | None = None) -> dict:
    """One LONG_S-second write-heavy run at 16 connections: the tail a CI suite or a load test sees.
    With `w` (the reference GET): the control, what the machine itself adds to a tail meanwhile."""
    if w is None:
        w = next(x for x in all_workloads() if x.name == LONG_WORKLOAD)
        w.probe(server)
        if w.skipped is not None:
            return {"skipped": w.skipped}
    before = server.rss_kib()
    r = summarize([wrk(server, w, 16, LONG_S)])
    r.update(workload=w.name, seconds=LONG_S, rss_before_kib=before, rss_after_kib=server.rss_kib())
    log(f"  {LONG_S} s {w.name} ({label}): {r['rps']:.0f}/s p50 {r['p50_ms']} p99 {r['p99_ms']} "
        f"max {r['max_ms']} ms, p99/p50 {r['tail']}")
    return r


def reference_for(workloads: list[Workload], loop: str) -> tuple[Server, Workload]:
    """The reference app on `loop`, answering with the sandbox's own reply bytes."""
    bodies = {}
    for w in workloads:
        if w.sample and w.route not in bodies:
            bodies[w.route] = w.sample
    bodies_file = os.path.join(RESULTS, "reference-bodies.json")
    with open(bodies_file, "w", encoding="utf-8") as f:
        json.dump(bodies, f)
    ref = servers.start("reference", servers.reference_cmd(bodies_file, loop=loop), SERVER_CPU)
    ref_get = _for_reference(next(w for w in workloads if w.name == "access_get"))
    wrk(ref, ref_get, 16, 1)  # warm-up
    return ref, ref_get


def main() -> int:
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (make bench installs it: apt-get install wrk)", file=sys.stderr)
        return 2
    os.makedirs(RESULTS, exist_ok=True)
    t_start = time.perf_counter()
    out: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "cpu": _cpu_model(), "load_before": os.getloadavg()},
        "settings": {"quick": QUICK, "duration_s": DURATION, "reps": REPS, "conns": list(GET_CONNS),
                     "starts": STARTS, "sizes": list(SIZES), "wrk_cpu": WRK_CPU, "server_cpu": SERVER_CPU,
                     "long_s": LONG_S},
    }

    log("start-up: sandbox vs reference (alternating)")
    out["startup"] = startups()
    log(f"  sandbox {out['startup']['sandbox']['median_s']} s, reference {out['startup']['reference']['median_s']} s")

    running: list[Server] = []
    state_dir = tempfile.TemporaryDirectory(prefix="bench-state-")
    try:
        log(f"memory with {SIZES[0]:,} stored tokens (the store for the main table)")
        sb = start_sandbox()
        running.append(sb)
        workloads = probe_all(sb)
        out["memory"] = {str(SIZES[0]): seeded(sb, SIZES[0])}
        large = large_workloads = None
        for n in SIZES[1:]:
            log(f"memory with {n:,} stored tokens")
            other = start_sandbox()
            running.append(other)
            found = probe_all(other)
            out["memory"][str(n)] = seeded(other, n)
            if n == SIZES[-1]:
                large, large_workloads = other, found  # kept running: paired with the small store
            else:
                other.stop()
        ref, ref_get = reference_for(workloads, "asyncio")
        running.append(ref)
        log(f"throughput: {SIZES[0]:,} stored tokens, paired with the reference"
            + (f" and with {SIZES[-1]:,} stored tokens" if large else ""))
        out["sandbox"], out["reference"], large_results = run_workloads(
            sb, ref, ref_get, workloads, large, large_workloads)
        if large is not None:
            out["large"] = {"tokens": SIZES[-1], "results": large_results}
            large.stop()

        log(f"durable: --state, {SIZES[0]:,} stored tokens, the writing workloads")
        durable = start_sandbox("--state", os.path.join(state_dir.name, "bench-state.db"))
        running.append(durable)
        durable_workloads = probe_all(durable)
        seeded(durable, SIZES[0])
        writes = [w.name for w in durable_workloads if w.writes]
        # The same writes into a --state server of the largest size, one repetition: a write's cost
        # must not grow with what the database holds (one row per record, docs/persistence.md).
        log(f"  and a --state server with {SIZES[-1]:,} stored tokens")
        durable_large = start_sandbox("--state", os.path.join(state_dir.name, "bench-state-large.db"))
        running.append(durable_large)
        durable_large_workloads = probe_all(durable_large)
        out["durable_large_seed"] = seeded(durable_large, SIZES[-1])
        out["durable"], _, durable_large_results = run_workloads(
            durable, ref, ref_get, durable_workloads, durable_large, durable_large_workloads, only=writes, large_reps=1)
        out["durable_large"] = {"tokens": SIZES[-1], "results": durable_large_results}
        durable_large.stop()

        log(f"long write-heavy run: {LONG_WORKLOAD} for {LONG_S} s at 16 connections")
        out["long"] = {"memory": long_run(sb, "in memory"), "durable": long_run(durable, "--state"),
                       "reference GET (control)": long_run(ref, "reference GET", ref_get)}
        for server in (sb, durable, ref):
            server.stop()

        if uvloop_available():
            log("event loop: uvloop (sandbox and reference)")
            uv = start_sandbox(loop="uvloop")
            running.append(uv)
            uv_workloads = probe_all(uv)
            seeded(uv, SIZES[0])
            uv_ref, uv_ref_get = reference_for(uv_workloads, "uvloop")
            running.append(uv_ref)
            out["uvloop"], _, _ = run_workloads(uv, uv_ref, uv_ref_get, uv_workloads,
                                                only=[w.name for w in uv_workloads if w.name != "admin_reset"])
        else:
            out["uvloop"] = {"skipped": "uvloop is not importable here (install token-sandbox[fast])"}
    finally:
        for server in running:
            server.stop()
        state_dir.cleanup()

    out["labels"] = {w.name: w.label for w in all_workloads()}
    out["elapsed_s"] = round(time.perf_counter() - t_start, 1)
    out["machine"]["load_after"] = os.getloadavg()
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
