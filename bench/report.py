"""The targets of issues 8 and 18 and the markdown report, from the JSON the harness writes."""

from __future__ import annotations

TAIL_LIMIT = 3.0  # issue 18: p99 within 3x the workload's own p50 at 16 connections
CREATE_LIMIT = 0.33  # issue 18: every create/payment workload >= 0.33 of the reference GET
GET_LIMIT = 0.60
DURABLE_LIMIT = 0.8  # --state create throughput / in-memory


def _at(block: dict | None, conns: str = "16") -> dict | None:
    if not block or "skipped" in block or conns not in block:
        return None
    return block[conns]


def _target(name: str, value, limit, ok, unit: str = "") -> dict:
    return {"target": name, "value": value, "limit": limit, "unit": unit, "met": ok}


def _min(name: str, value, limit, unit: str = "") -> dict:
    return _target(name, value, limit, None if value is None else value >= limit, unit)


def _max(name: str, value, limit, unit: str = "") -> dict:
    return _target(name, value, limit, None if value is None else value <= limit, unit)


def _writes(out: dict) -> list[str]:
    """The create/payment workloads: those the durable server ran (each stores per request)."""
    return list(out.get("durable", {}))


def targets(out: dict) -> list[dict]:
    sb = out["sandbox"]
    start = out["startup"]["sandbox"]["median_s"]
    rows = [_max("start-up to first 200, median", start, 0.4, "s")]
    for loop, block in (("asyncio", sb), ("uvloop", out.get("uvloop"))):
        if not block or "skipped" in block:
            continue
        r = _at(block.get("access_get"))
        rows.append(_min(f"[{loop}] Access GET req/s at 16 conns / reference GET", r and r["vs_ref_get"], GET_LIMIT))
        for name in _writes(out):
            r = _at(block.get(name))
            rows.append(_min(f"[{loop}] {name} req/s at 16 conns / reference GET", r and r["vs_ref_get"],
                             CREATE_LIMIT))
    r = _at(sb.get("access_get"), "64")
    rows.append(_max("Access GET p99 at 64 conns / reference p99", r and r["p99_vs_ref_get"], 2.0))
    tails = [(f"{name} (1,000 tokens)", _at(block)) for name, block in sb.items()]
    large = out.get("large")
    if large:
        tails += [(f"{name} ({large['tokens']:,} tokens)", _at(block)) for name, block in large["results"].items()]
    tails += [(f"{name} (--state)", _at(block)) for name, block in out.get("durable", {}).items()]
    dlarge = out.get("durable_large")
    if dlarge:
        tails += [(f"{name} (--state, {dlarge['tokens']:,} tokens)", _at(block))
                  for name, block in dlarge["results"].items()]
    tails += [(f"{r['workload']} {r['seconds']} s ({where})", r) for where, r in out.get("long", {}).items()
              if "skipped" not in r and "control" not in where]
    for what, r in tails:
        if r is not None:
            rows.append(_max(f"p99/p50 at 16 conns: {what}", r["tail"], TAIL_LIMIT, "x"))
    if large:
        for name, block in large["results"].items():
            big, small = _at(block), _at(sb.get(name))
            ratio = round(big["rps"] / small["rps"], 3) if big and small else None
            rows.append(_min(f"{name} at {large['tokens']:,} tokens / at {out['settings']['sizes'][0]:,}",
                             ratio, 0.90))
    for name, block in out.get("durable", {}).items():
        d, m = _at(block), _at(sb.get(name))
        ratio = round(d["vs_ref_get"] / m["vs_ref_get"], 3) if d and m else None
        rows.append(_min(f"{name} with --state / in memory (each vs its paired reference GET)", ratio, DURABLE_LIMIT))
        big = _at((dlarge or {}).get("results", {}).get(name))
        if big and d:
            rows.append(_min(f"{name} with --state at {dlarge['tokens']:,} tokens / at {out['settings']['sizes'][0]:,}",
                             round(big["rps"] / d["rps"], 3), 0.90))
    biggest = str(out["settings"]["sizes"][-1])
    per = out["memory"][biggest]["bytes_per_token"]
    rows.append(_max(f"RSS per stored token at {int(biggest):,} tokens", per, 2048, "B"))
    return rows


def _fmt(x, digits: int = 0) -> str:
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


def _row(label: str, c, r: dict, extra: str = "") -> str:
    err = f" ({r['errors']} errors)" if r["errors"] else ""
    return (f"| {label} | {c} | {_fmt(r['rps'])}{err} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['p999_ms']:.2f} | {r['tail']:.1f} | {extra}")


def _throughput(out: dict, block: dict, ref_get: dict | None, title: str, route: dict | None = None) -> list[str]:
    labels = out.get("labels", {})
    lines = ["", title, "",
             "| Workload | Conns | req/s | p50 ms | p99 ms | p99.9 ms | p99/p50 | vs ref GET |"
             + (" vs ref route |" if route is not None else ""),
             "|---|---|---|---|---|---|---|---|" + ("---|" if route is not None else "")]
    for c, r in (ref_get or {}).items():
        lines.append(_row("reference app GET (ceiling)", c, r, "1.00 |" + (" |" if route is not None else "")))
    for name, b in block.items():
        label = labels.get(name, name)
        if "skipped" in b:
            lines.append(f"| {label} | | skipped: {b['skipped'][:90]} | | | | | |" + (" |" if route is not None else ""))
            continue
        for c, r in b.items():
            cell = f"{r['vs_ref_get']:.2f} |"
            if route is not None:
                same = route.get(name, {}).get("16", {}).get("rps") if c == "16" else None
                cell += f" {r['rps'] / same:.2f} |" if same else " |"
            lines.append(_row(label, c, r, cell))
    return lines


def _size_table(title: str, size: int, small_runs: dict, large: dict, labels: dict) -> list[str]:
    """The same workloads at the small size and at `large['tokens']`: req/s, their ratio, the tail."""
    lines = ["", title, "", f"| Workload | req/s at {size:,} | req/s at {large['tokens']:,} | ratio | "
             f"p99/p50 at {large['tokens']:,} |", "|---|---|---|---|---|"]
    for name, block in large["results"].items():
        small, big = _at(small_runs.get(name)), _at(block)
        ratio = f"{big['rps'] / small['rps']:.2f}" if big and small else "n/a"
        lines.append(f"| {labels.get(name, name)} | {_fmt(small and small['rps'])} | {_fmt(big and big['rps'])} | "
                     f"{ratio} | {big['tail'] if big else 'n/a'} |")
    return lines


def render(out: dict) -> str:
    s = out["settings"]
    m = out["machine"]
    labels = out.get("labels", {})
    load = m.get("load_before")
    lines = [
        f"Run {out['when']} on {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}; "
        f"wrk 1 thread on CPU {s['wrk_cpu']}, server on CPU {s['server_cpu']}; "
        f"{s['reps']} x {s['duration_s']:g} s per point, medians{' (BENCH_QUICK)' if s['quick'] else ''}"
        + (f"; load average {load[0]:.1f} before, {m['load_after'][0]:.1f} after" if load else "") + ".",
        "",
        "**Start-up to first 200** (`sandbox serve --port 0` to `GET /_sandbox/health` = 200, "
        f"median of {s['starts']})",
        "",
        "| Server | Median | Runs |",
        "|---|---|---|",
    ]
    for name, r in out["startup"].items():
        lines.append(f"| {name} | {r['median_s']:.3f} s | {', '.join(f'{t:.2f}' for t in r['runs_s'])} |")

    ref = out["reference"]
    lines += _throughput(
        out, out["sandbox"], ref["access_get"],
        f"**Throughput and latency** (asyncio loop, {s['sizes'][0]:,} stored tokens). *vs ref GET*: median over "
        "the repetitions of req/s divided by the reference app's GET req/s measured just before, same "
        "connections; *vs ref route*: over the reference answering the same route with the same bytes "
        "(16 conns, first repetition); *p99/p50*: the flat-tail target is <= 3.", route=ref)

    lines += ["", "**Memory** (RSS growth after `PUT /_sandbox/state`, divided by the tokens added)", "",
              "| Stored tokens | Snapshot MB | RSS before MiB | RSS after MiB | Bytes per token | PUT s |",
              "|---|---|---|---|---|---|"]
    for n, r in out["memory"].items():
        lines.append(f"| {int(n):,} | {r['snapshot_bytes'] / 1e6:.1f} | {r['rss_before_kib'] / 1024:.0f} | "
                     f"{r['rss_after_kib'] / 1024:.0f} | {_fmt(r['bytes_per_token'])} | {r['put_s']} |")

    large = out.get("large")
    if large:
        lines += _size_table(f"**Flat with size** (16 conns): {s['sizes'][0]:,} vs {large['tokens']:,} stored tokens",
                             s["sizes"][0], out["sandbox"], large, labels)

    durable = out.get("durable")
    if durable:
        lines += ["", f"**Durable writes** (`--state`, 16 conns, {s['sizes'][0]:,} stored tokens): *ratio* = "
                  "(durable vs ref GET) / (in-memory vs ref GET), each against its own paired reference runs", "",
                  "| Workload | req/s in memory | req/s --state | ratio | p50 ms | p99 ms | p99/p50 |",
                  "|---|---|---|---|---|---|---|"]
        for name, block in durable.items():
            d, mem = _at(block), _at(out["sandbox"].get(name))
            if d is None:
                lines.append(f"| {labels.get(name, name)} | | skipped: {block.get('skipped', '')[:90]} | | | | |")
                continue
            ratio = f"{d['vs_ref_get'] / mem['vs_ref_get']:.2f}" if mem else "n/a"
            lines.append(f"| {labels.get(name, name)} | {_fmt(mem and mem['rps'])} | {_fmt(d['rps'])} | {ratio} | "
                         f"{d['p50_ms']:.2f} | {d['p99_ms']:.2f} | {d['tail']:.1f} |")
    dlarge = out.get("durable_large")
    if durable and dlarge:
        lines += _size_table(f"**Durable writes with size** (`--state`, 16 conns, one repetition at "
                             f"{dlarge['tokens']:,}): {s['sizes'][0]:,} vs {dlarge['tokens']:,} stored tokens",
                             s["sizes"][0], durable, dlarge, labels)

    long = out.get("long")
    if long:
        lines += ["", f"**Long write-heavy run** (one {s['long_s']} s run, 16 conns, after the runs above; the "
                  "control is the reference app's GET for as long, right after: the tail the machine adds)", "",
                  "| Server | Workload | req/s | p50 ms | p99 ms | p99.9 ms | max ms | p99/p50 | RSS MiB before -> after |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for where, r in long.items():
            if "skipped" in r:
                lines.append(f"| {where} | skipped: {r['skipped'][:90]} | | | | | | | |")
                continue
            lines.append(f"| {where} | {labels.get(r['workload'], r['workload'])} | {_fmt(r['rps'])} | "
                         f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['p999_ms']:.2f} | {r['max_ms']:.1f} | "
                         f"{r['tail']:.1f} | {r['rss_before_kib'] / 1024:.0f} -> {r['rss_after_kib'] / 1024:.0f} |")

    uv = out.get("uvloop")
    if uv and "skipped" in uv:
        lines += ["", f"**uvloop**: not measured: {uv['skipped']}."]
    elif uv:
        lines += _throughput(out, uv, None, "**uvloop** (sandbox and reference both on uvloop, 16 conns; "
                             "vs ref GET is against the uvloop reference)")
        lines += ["", "| Workload | asyncio vs ref GET | uvloop vs ref GET | uvloop req/s / asyncio req/s |",
                  "|---|---|---|---|"]
        for name, block in uv.items():
            a, u = _at(out["sandbox"].get(name)), _at(block)
            if a and u:
                lines.append(f"| {labels.get(name, name)} | {a['vs_ref_get']:.2f} | {u['vs_ref_get']:.2f} | "
                             f"{u['rps'] / a['rps']:.2f} |")

    lines += ["", "**Targets**", "", "| Target | Measured | Limit | Met |", "|---|---|---|---|"]
    for t in out["targets"]:
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {t['value'] if t['value'] is not None else 'n/a'}{t['unit']} | "
                     f"{t['limit']}{t['unit']} | {met} |")
    return "\n".join(lines) + "\n"
