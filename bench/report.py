"""The targets of issue 8 and the markdown report, from the JSON the harness writes."""

from __future__ import annotations


def _rps(block: dict | None, conns: str) -> float | None:
    if not block or "skipped" in block or conns not in block:
        return None
    return block[conns]["rps"]


def _pair(block: dict | None, conns: str, key: str) -> float | None:
    """A ratio measured pairwise against the reference GET run just before (see run.paired)."""
    if not block or "skipped" in block or conns not in block:
        return None
    return block[conns][key]


def _target(name: str, value, limit, ok, unit: str = "") -> dict:
    return {"target": name, "value": value, "limit": limit, "unit": unit, "met": ok}


def targets(out: dict) -> list[dict]:
    sb = out["sandbox"]
    rows = [_target("start-up to first 200, median", out["startup"]["sandbox"]["median_s"], 0.4,
                    out["startup"]["sandbox"]["median_s"] <= 0.4, "s")]
    ratio = _pair(sb.get("access_get"), "16", "vs_ref_get")
    rows.append(_target("Access GET req/s at 16 conns / reference GET", ratio, 0.60,
                        None if ratio is None else ratio >= 0.60))
    ratio = _pair(sb.get("access_get"), "64", "p99_vs_ref_get")
    rows.append(_target("Access GET p99 at 64 conns / reference p99", ratio, 2.0,
                        None if ratio is None else ratio <= 2.0))
    for name in ("access_create", "opp_pay", "wpg_inquiry", "wpg_create"):
        ratio = _pair(sb.get(name), "16", "vs_ref_get")
        rows.append(_target(f"{name} req/s at 16 conns / reference GET", ratio, 0.30,
                            None if ratio is None else ratio >= 0.30))
    large = out.get("large")
    if large:
        for name, block in large["results"].items():
            big, small = _rps(block, "16"), _rps(sb.get(name), "16")
            ratio = round(big / small, 3) if big and small else None
            rows.append(_target(f"{name} at {large['tokens']:,} tokens / at {out['settings']['sizes'][0]:,}",
                                ratio, 0.90, None if ratio is None else ratio >= 0.90))
    biggest = str(out["settings"]["sizes"][-1])
    per = out["memory"][biggest]["bytes_per_token"]
    rows.append(_target(f"RSS per stored token at {int(biggest):,} tokens", per, 2048, per <= 2048, "B"))
    return rows


def _fmt(x, digits: int = 0) -> str:
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


def render(out: dict) -> str:
    s = out["settings"]
    m = out["machine"]
    lines = [
        f"Run {out['when']} on {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}; "
        f"wrk 1 thread on CPU {s['wrk_cpu']}, server on CPU {s['server_cpu']}; "
        f"{s['reps']} x {s['duration_s']:g} s per point, medians{' (BENCH_QUICK)' if s['quick'] else ''}.",
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
    ref_get = ref["access_get"]
    lines += [
        "",
        f"**Throughput and latency** ({s['sizes'][0]:,} stored tokens). *vs ref GET*: median over the "
        "repetitions of req/s divided by the reference app's GET req/s measured just before, same "
        "connections; *vs ref route*: over the reference answering the same route with the same bytes "
        "(16 conns).",
        "",
        "| Workload | Conns | req/s | p50 ms | p99 ms | vs ref GET | vs ref route |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in s["conns"]:
        r = ref_get[str(c)]
        lines.append(f"| reference app GET (ceiling) | {c} | {_fmt(r['rps'])} | {r['p50_ms']:.2f} | "
                     f"{r['p99_ms']:.2f} | 1.00 | |")
    labels = out.get("labels", {})
    for name, block in out["sandbox"].items():
        label = labels.get(name, name)
        if "skipped" in block:
            lines.append(f"| {label} | | skipped: {block['skipped'][:80]} | | | | |")
            continue
        for c in s["conns"]:
            r = block[str(c)]
            vs_get = r["vs_ref_get"]
            route = ref.get(name, {}).get("16", {}).get("rps") if c == 16 else None
            vs_route = f"{r['rps'] / route:.2f}" if route else ""
            err = f" ({r['errors']} errors)" if r["errors"] else ""
            lines.append(f"| {label} | {c} | {_fmt(r['rps'])}{err} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                         f"{vs_get:.2f} | {vs_route} |")

    lines += ["", "**Memory** (RSS growth after `PUT /_sandbox/state`, divided by the tokens added)", "",
              "| Stored tokens | Snapshot MB | RSS before MiB | RSS after MiB | Bytes per token |", "|---|---|---|---|---|"]
    for n, r in out["memory"].items():
        lines.append(f"| {int(n):,} | {r['snapshot_bytes'] / 1e6:.1f} | {r['rss_before_kib'] / 1024:.0f} | "
                     f"{r['rss_after_kib'] / 1024:.0f} | {_fmt(r['bytes_per_token'])} |")

    large = out.get("large")
    if large:
        lines += ["", f"**Flat with size** (16 conns): {s['sizes'][0]:,} vs {large['tokens']:,} stored tokens", "",
                  f"| Workload | req/s at {s['sizes'][0]:,} | req/s at {large['tokens']:,} | ratio |", "|---|---|---|---|"]
        for name, block in large["results"].items():
            small, big = _rps(out["sandbox"].get(name), "16"), _rps(block, "16")
            ratio = f"{big / small:.2f}" if big and small else "n/a"
            lines.append(f"| {labels.get(name, name)} | {_fmt(small)} | {_fmt(big)} | {ratio} |")

    lines += ["", "**Targets**", "", "| Target | Measured | Limit | Met |", "|---|---|---|---|"]
    for t in out["targets"]:
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {t['value'] if t['value'] is not None else 'n/a'}{t['unit']} | "
                     f"{t['limit']}{t['unit']} | {met} |")
    return "\n".join(lines) + "\n"
