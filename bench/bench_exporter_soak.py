"""Soak: 10k probes at 50 concurrent against one exporter process, healthy and broken
devices mixed; the exporter must not crash, answer every probe inside its timeout and
keep a flat RSS.

    .venv/bin/python bench/bench_exporter_soak.py [--probes 10000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

os.environ.setdefault("DCOPS_LAB_ONLY", "1")

from dcops_inventory import AddressMap, Endpoint, load_inventory  # noqa: E402
from dcops_lab.snmp.faults import FaultAgent  # noqa: E402
from dcops_lab.snmp.lab import free_udp_ports, start_snmp_lab  # noqa: E402
from dcops_lab.snmp.services import start_dcops_exporter  # noqa: E402

HEALTHY_IF_MIB = ["sc-rtr-01", "sc-rtr-02", "sc-fw-01", "sc-fw-02", "sc-fw-03", "sc-fw-04",
                  "sc-dist-01", "sc-dist-02", "sc-san-01", "sc-san-02"]
FAULTY = {"sc-dist-03": "hang", "sc-dist-04": "garbage", "sc-dist-05": "truncated", "sc-dist-06": "down"}
TIMEOUT = 5.0


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--probes", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=50)
    args = ap.parse_args()
    inv = load_inventory()
    names = [n for n in HEALTHY_IF_MIB if n in inv.index("devices")]
    work = tempfile.mkdtemp(prefix="dcops-soak-")
    lab, amap = start_snmp_lab(inv, names, work)
    agents = {m: FaultAgent(m) for m in ("hang", "garbage", "truncated")}
    down, = free_udp_ports(1)
    devices = {n: dict(amap.devices[n]) for n in names}
    for dev, mode in FAULTY.items():
        devices[dev] = {"snmp": Endpoint("127.0.0.1", down if mode == "down" else agents[mode].port)}
    exporter = None
    try:
        exporter = start_dcops_exporter(None, AddressMap(devices=devices, source="soak"), work, secret_env=lab.env)
        # 5 of 10 requests: the WAN link (1 PDU); 4: IF-MIB of routers, firewalls, switches; 1: a broken device
        plan = [("sc-rtr-01", "wan")] * 5 + [(n, "if_mib") for n in names[:4]] + [(None, "if_mib")]
        faulty = itertools.cycle(FAULTY)
        jobs = []
        for i in range(args.probes):
            target, module = plan[i % len(plan)]
            jobs.append((target or next(faulty), module))
        session = threading.local()
        results: Counter = Counter()
        lat: list[float] = []
        rss: list[tuple[int, float]] = [(0, rss_mb(exporter.proc.pid))]
        late = 0
        lock = threading.Lock()

        def one(job):
            nonlocal late
            target, module = job
            s = getattr(session, "s", None) or requests.Session()
            session.s = s
            start = time.perf_counter()
            try:
                r = s.get(f"{exporter.url}/probe", params={"target": target, "module": module},
                          headers={"X-Prometheus-Scrape-Timeout-Seconds": str(TIMEOUT)}, timeout=TIMEOUT + 5)
                dt = time.perf_counter() - start
                kind = (f"http {r.status_code}" if r.status_code != 200 else
                        "success" if "\ndcops_probe_success 1.0" in "\n" + r.text else "failure")
            except requests.RequestException as exc:
                dt, kind = time.perf_counter() - start, f"error {type(exc).__name__}"
            with lock:
                results[(kind, target in FAULTY)] += 1
                lat.append(dt)
                late += dt > TIMEOUT
                done = len(lat)
                if done % 1000 == 0:
                    rss.append((done, rss_mb(exporter.proc.pid)))

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            list(pool.map(one, jobs))
        wall = time.perf_counter() - t0
        alive = exporter.proc.poll() is None
        print(f"{len(lat)} probes at {args.concurrency} concurrent in {wall:.1f}s ({len(lat) / wall:.0f}/s); "
              f"exporter alive: {alive}")
        for (kind, is_fault), n in sorted(results.items()):
            print(f"  {'faulty ' if is_fault else 'healthy'} {kind}: {n}")
        lat.sort()
        print(f"  latency p50 {statistics.median(lat) * 1000:.0f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms, "
              f"max {lat[-1] * 1000:.0f} ms; answered after the {TIMEOUT:.0f}s timeout: {late}")
        print("  RSS MiB by probes done: " + ", ".join(f"{n}:{v:.1f}" for n, v in rss))
        half = [v for n, v in rss if n >= len(lat) // 2]
        print(f"  RSS growth over the second half: {half[-1] - half[0]:+.1f} MiB")
        return 0 if alive else 1
    finally:
        if exporter is not None:
            exporter.stop()
        for agent in agents.values():
            agent.stop()
        lab.stop()


if __name__ == "__main__":
    sys.exit(main())
