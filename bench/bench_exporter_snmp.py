"""Exporter benchmark on the MTPE inventory, everything on 127.0.0.1.

1. Median IF-MIB scrape latency of one 48-port switch, dcops vs Debian's snmp_exporter
   0.21, same run, same snmpsim agent (goal: ratio <= 1.2).
2. The whole MTPE switch fleet (plus routers and firewalls: every if_mib target of the
   rendered config) scraped at once by one exporter process with a 10 s scrape timeout
   (goal: every target succeeds).
3. Exporter RSS.

    .venv/bin/python bench/bench_exporter_snmp.py [--rounds 3] [--samples 40] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
import time
from concurrent.futures import ThreadPoolExecutor

import requests

os.environ.setdefault("DCOPS_LAB_ONLY", "1")

from dcops_inventory import load_inventory  # noqa: E402
from dcops_exporters.prometheus_render import module_targets  # noqa: E402
from dcops_exporters.targets import InventoryIndex  # noqa: E402
from dcops_lab.snmp_lab import start_snmp_lab  # noqa: E402
from dcops_exporters.prometheus_cli import write_tree  # noqa: E402
from dcops_exporters.prometheus_render import RenderOptions, render  # noqa: E402
from dcops_lab.snmp_services import start_dcops_exporter, start_prometheus, start_snmp_exporter  # noqa: E402

SWITCH = "sc-edge-001"  # Catalyst 2960X-48TD-L: 48 access ports + uplinks


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_get(url: str, params: dict, timeout_s: float = 10.0) -> tuple[float, requests.Response]:
    start = time.perf_counter()
    r = requests.get(url, params=params, headers={"X-Prometheus-Scrape-Timeout-Seconds": str(timeout_s)},
                     timeout=timeout_s + 5)
    return time.perf_counter() - start, r


def success(text: str) -> bool:
    return "\ndcops_probe_success 1.0" in "\n" + text


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--workers", type=int, default=None, help="snmpsim processes (default: min(4, CPUs))")
    ap.add_argument("--interval", type=int, default=30, help="Prometheus scrape interval, seconds")
    ap.add_argument("--intervals", type=int, default=2, help="scrape intervals to let Prometheus run")
    args = ap.parse_args()

    inv = load_inventory()
    fleet = module_targets(inv, InventoryIndex.build(inv), "if_mib")
    work = tempfile.mkdtemp(prefix="dcops-bench-")
    t0 = time.monotonic()
    lab, amap = start_snmp_lab(inv, fleet, work, workers=args.workers)
    print(f"snmpsim: {len(fleet)} devices in {len(lab.processes)} processes, ready in {time.monotonic() - t0:.1f}s")
    exporter = ref = None
    try:
        exporter = start_dcops_exporter(None, amap, work, secret_env=lab.env)
        ep = amap.endpoint(SWITCH, "snmp")
        ref = start_snmp_exporter(lab.communities[SWITCH], work)
        ports = len(inv.device_interfaces(inv.device(SWITCH)))

        # 1. single switch latency, interleaved so both see the same agent load
        dcops_url, ref_url = f"{exporter.url}/probe", f"{ref.url}/snmp"
        dparams, rparams = {"target": SWITCH, "module": "if_mib"}, {"target": f"{ep.host}:{ep.port}", "module": "if_mib"}
        for _ in range(3):  # warm-up (dcops learns ifIndex -> ifName on its first probe)
            timed_get(dcops_url, dparams), timed_get(ref_url, rparams)
        ours, theirs = [], []
        for _ in range(args.samples):
            dt, r = timed_get(dcops_url, dparams)
            assert success(r.text), r.text[-300:]
            ours.append(dt)
            dt, r = timed_get(ref_url, rparams)
            assert r.status_code == 200
            theirs.append(dt)
        m_ours, m_ref = statistics.median(ours), statistics.median(theirs)
        print(f"\n[1] IF-MIB scrape of {SWITCH} ({ports} interfaces), {args.samples} samples each")
        print(f"    dcops median {m_ours * 1000:.1f} ms   snmp_exporter 0.21 median {m_ref * 1000:.1f} ms   "
              f"ratio {m_ours / m_ref:.2f} (goal <= 1.2)")

        # 2a. the fleet as a real Prometheus scrapes it: rendered config, 30 s interval, 10 s timeout
        print(f"\n[2a] real Prometheus, rendered MTPE config ({len(fleet)} if_mib targets + wan), "
              f"interval {args.interval}s, timeout 10s, {args.intervals} intervals")
        out = os.path.join(work, "prom")
        write_tree(Path(out), render(inv, RenderOptions(exporter=exporter.url.removeprefix("http://"),
                                                        scrape_interval=f"{args.interval}s", scrape_timeout="10s")))
        with start_prometheus(os.path.join(out, "prometheus.yml"), work) as prom:
            time.sleep(args.interval * args.intervals + 5)
            q = lambda e: requests.get(f"{prom.url}/api/v1/query", params={"query": e}, timeout=30).json()["data"]["result"]
            ok = q('count(min_over_time(dcops_probe_success{job="dcops_if_mib"}[10m]) == 1)')
            seen = q('count(dcops_probe_success{job="dcops_if_mib"})')
            slow = q('max(max_over_time(scrape_duration_seconds{job="dcops_if_mib"}[10m]))')
            med = q('quantile(0.5, avg_over_time(scrape_duration_seconds{job="dcops_if_mib"}[10m]))')
            samples = q('sum(count_over_time(dcops_probe_success{job="dcops_if_mib"}[10m]))')
            val = lambda r: float(r[0]["value"][1]) if r else 0.0
            print(f"    targets succeeding on every scrape: {val(ok):.0f}/{len(fleet)} (seen {val(seen):.0f}), "
                  f"{val(samples):.0f} scrapes, median scrape {val(med):.2f}s, slowest {val(slow):.2f}s")

        # 2b. stress: the whole fleet at the same instant (no Prometheus spreads scrapes like this)
        print(f"\n[2b] stress: {len(fleet)} if_mib targets probed at the same instant, 10 s timeout")
        for rnd in range(1, args.rounds + 1):
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=len(fleet)) as pool:
                results = list(pool.map(lambda n: (n, *timed_get(dcops_url, {"target": n, "module": "if_mib"})), fleet))
            wall = time.perf_counter() - start
            ok = [n for n, dt, r in results if r.status_code == 200 and success(r.text)]
            lat = sorted(dt for _, dt, _ in results)
            print(f"    round {rnd}: {len(ok)}/{len(fleet)} succeeded, wall {wall:.2f}s, "
                  f"p50 {statistics.median(lat):.2f}s, max {lat[-1]:.2f}s")
        print(f"\n[3] exporter RSS {rss_mb(exporter.proc.pid):.1f} MiB at the end")
    finally:
        for svc in (exporter, ref):
            if svc is not None:
                svc.stop()
        lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
