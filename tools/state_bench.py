"""Health latency under a write load with a large `--state` store, and hostile-body refusal times.

    PYTHONPATH=. .venv/bin/python tools/state_bench.py [--tokens 200000] [--tenants 200] [--seconds 10]

Issue 14 "done when": with `--state` and 200,000 stored tokens, `/_sandbox/health` p99 under a write
load; a 1 MiB hostile XML or YAML body refused while health keeps answering. Numbers go to
docs/persistence.md and docs/reliability.md; nothing here is asserted (speed is never a test).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.client import SandboxProcess  # noqa: E402
from sandbox.core.cards import luhn_ok  # noqa: E402

MEDIA = "application/vnd.worldpay.tokens-v3.hal+json"


def pan(n: int) -> str:
    body = f"4{n:014d}"
    return next(body + c for c in "0123456789" if luhn_ok(body + c))


def snapshot(tokens: int, tenants: int) -> dict:
    per = tokens // tenants
    out = {}
    k = 0
    for t in range(tenants):
        rows = []
        for _ in range(per):
            k += 1
            rows.append({"id": f"99{k:017d}", "owner": None, "pan": pan(k), "expiryMonth": 5, "expiryYear": 2035,
                         "holder": "Bench Holder", "address": None, "createdAt": 1.9e9, "expiresAt": 2.5e9,
                         "lastUsedAt": 1.9e9, "updates": [], "meta": {}})
        out[f"access:seed{t}"] = {"secret": f"{t:032x}", "clock": None, "tokens": rows, "payments": [], "data": {}}
    return {"version": 1, "tenants": out}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def health_under(url: str, seconds: float, load) -> dict:
    """Poll health for `seconds` while `load(stop)` runs in threads; latencies in ms."""
    stop = threading.Event()
    counts: list[int] = []
    threads = [threading.Thread(target=load, args=(i, stop, counts)) for i in range(4)]
    for th in threads:
        th.start()
    session = requests.Session()
    lat = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        session.get(url + "/_sandbox/health", timeout=30)
        lat.append(time.monotonic() - t0)
        time.sleep(0.005)
    stop.set()
    for th in threads:
        th.join()
    return {"samples": len(lat), "p50_ms": round(percentile(lat, 0.5), 2), "p99_ms": round(percentile(lat, 0.99), 2),
            "max_ms": round(max(lat) * 1000, 2), "writes_per_s": round(sum(counts) / seconds, 1)}


def writer(url: str, tenant_of, rate: float = 0):
    """Four threads creating tokens as fast as they can, or (rate > 0) paced to `rate` creates/s in all."""
    def load(i: int, stop: threading.Event, counts: list[int]) -> None:
        s = requests.Session()
        n = 0
        start = time.monotonic()
        while not stop.is_set():
            if rate:
                wait = start + n * 4 / rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            n += 1
            body = {"paymentInstrument": {"type": "card/front", "cardNumber": pan(10**9 * (i + 1) + n),
                                          "cardHolderName": "W", "cardExpiryDate": {"month": 5, "year": 2035}},
                    "merchant": {"entity": "default"}}
            r = s.post(url + "/tokens", json=body, auth=(tenant_of(i, n), "pw"),
                       headers={"Content-Type": MEDIA, "Accept": MEDIA}, timeout=30)
            assert r.status_code == 201, r.text
        counts.append(n)
    return load


def hostile(url: str) -> dict:
    """1 MiB bodies: paymentService sibling flood, YAML alias bomb padded to 1 MiB."""
    out = {}
    xml = ('<?xml version="1.0"?><paymentService version="1.4" merchantCode="M"><submit>'
           + "<x/>" * 262_000 + "</submit></paymentService>").encode()
    pad = "# padding\n" * 100_000
    bomb = "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + pad
    late = pad + "a: &a [x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    cases = {
        "xml_sibling_flood": ("/jsp/merchant/xml/paymentService.jsp", xml, "text/xml", ("M", "pw")),
        "yaml_alias_first": ("/_sandbox/fixtures", bomb.encode(), "application/yaml", None),
        "yaml_alias_after_1MiB": ("/_sandbox/fixtures", late.encode(), "application/yaml", None),
    }
    for name, (path, body, ctype, auth) in cases.items():
        result: dict = {}

        def send(path=path, body=body, ctype=ctype, auth=auth, result=result):
            t0 = time.monotonic()
            r = requests.post(url + path, data=body, headers={"Content-Type": ctype}, auth=auth, timeout=120)
            result["ms"] = round((time.monotonic() - t0) * 1000, 1)
            result["status"] = r.status_code
            result["refused"] = 'code="2"' in r.text or r.status_code == 400

        th = threading.Thread(target=send)
        th.start()
        lat = []
        while th.is_alive():
            t0 = time.monotonic()
            requests.get(url + "/_sandbox/health", timeout=30)
            lat.append(time.monotonic() - t0)
            time.sleep(0.005)
        th.join()
        result["bytes"] = len(body)
        result["health_max_ms"] = round(max(lat, default=0) * 1000, 1)
        out[name] = result
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=200_000)
    ap.add_argument("--tenants", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--no-hostile", action="store_true", help="skip the hostile-body timings")
    ap.add_argument("--no-state", action="store_true", help="the same without --state (a baseline)")
    ap.add_argument("--rate", type=float, default=0, help="writes per second in all (0: as fast as they go)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        state = [] if args.no_state else ["--state", str(Path(tmp) / "state.db")]
        proc = SandboxProcess(*state, "--journal-size", "0", timeout=60)
        try:
            url = proc.url
            t0 = time.monotonic()
            body = json.dumps(snapshot(args.tokens, args.tenants)).encode()
            r = requests.put(url + "/_sandbox/state", data=body, headers={"Content-Type": "application/json"},
                             timeout=600)
            assert r.status_code == 200, r.text
            report = {"tokens": args.tokens, "tenants": args.tenants, "load_s": round(time.monotonic() - t0, 1),
                      "db_mb": 0 if args.no_state else round((Path(tmp) / "state.db").stat().st_size / 1e6, 1)}
            report["idle"] = health_under(url, 3, lambda i, stop, counts: None)
            report["writes_new_tenants"] = health_under(url, args.seconds, writer(url, lambda i, n: f"w{i}", args.rate))
            per = args.tokens // args.tenants
            report[f"writes_into_{per}_token_tenants"] = health_under(
                url, args.seconds, writer(url, lambda i, n: f"seed{(i * 7 + n) % args.tenants}", args.rate))
            print(json.dumps(report, indent=1), flush=True)  # the write-load part, even if what follows fails
            if not args.no_hostile:
                report["hostile_bodies"] = hostile(url)
        finally:
            proc.stop()
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
