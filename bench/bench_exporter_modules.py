"""CPU per probe of each device-family module, and the whole MTPE fleet under Prometheus.

Everything on 127.0.0.1, as `dcops lab run` starts it (start_monitoring_lab: snmpsim
agents rendered per device, the simulated 3PAR WSAPI, a node_exporter for the Linux
servers, the dcops exporter, Prometheus with the configuration rendered from the
inventory, at its per-tier intervals: 15 s network core, 60 s the rest, health and the
facility modules every 60 s). CPU is process CPU time (psutil), not wall time.

[m] CPU per probe, per module: for each module, every one of its MTPE targets probed
    `--rounds` times, sequentially, over HTTP, while Prometheus is paused (SIGSTOP) so
    only these probes run; exporter CPU and agent CPU (snmpsim, or the WSAPI simulator
    inside this process for storage) divided by the probes, and the share that succeeded.
[f] The whole fleet: Prometheus resumed, watched for `--intervals` x the longest interval;
    targets succeeding on every scrape, per module, scrape durations, and the CPU of the
    exporter, snmpsim, node_exporter and Prometheus per second of wall time on this 2-core machine.

    .venv/bin/python bench/bench_exporter_modules.py                  # about 4-5 minutes
    .venv/bin/python bench/bench_exporter_modules.py --rounds 5 --intervals 2
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psutil
import requests

os.environ.setdefault("DCOPS_LAB_ONLY", "1")

from dcops_inventory import load_inventory  # noqa: E402
from dcops_lab.cpu import machine_busy_seconds, tree_cpu_seconds  # noqa: E402
from dcops_lab.snmp.monitoring import start_monitoring_lab  # noqa: E402

FAMILY_MODULES = ("ups", "cooling", "host", "health", "storage")


def cpu_of(pids: list[int]) -> float:
    return sum(tree_cpu_seconds(p) for p in pids)


def section_modules(lab, rounds: int) -> None:
    print(f"\n[m] CPU per probe, {rounds} rounds over every target of each module, one probe at a time, Prometheus paused")
    print(f"    {'module':8} {'targets':>7} {'probes':>6} {'ok':>5} {'exporter ms/probe':>18} {'agents ms/probe':>16} "
          f"{'wall ms/probe':>14}")
    snmpsim = [p.pid for p in lab.snmp.processes]
    me = psutil.Process()
    for module in (*FAMILY_MODULES, "if_mib"):
        targets = lab.devices_of(module)
        if not targets:
            continue
        session = requests.Session()
        ex0, ag0, me0, t0 = cpu_of([lab.exporter.proc.pid]), cpu_of(snmpsim), me.cpu_times(), time.perf_counter()
        ok = n = 0
        for _ in range(rounds):
            for target in targets:
                r = session.get(f"{lab.exporter.url}/probe", params={"target": target, "module": module},
                                headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"}, timeout=30)
                n += 1
                ok += "dcops_probe_success 1.0" in r.text
        wall = time.perf_counter() - t0
        exporter = cpu_of([lab.exporter.proc.pid]) - ex0
        if module == "storage":  # the WSAPI simulator runs in this process: its threads' CPU, minus the client's
            me1 = me.cpu_times()
            agents = (me1.user + me1.system) - (me0.user + me0.system)
            note = " (WSAPI simulator in the bench process, with its HTTP client)"
        else:
            agents, note = cpu_of(snmpsim) - ag0, ""
        print(f"    {module:8} {len(targets):7d} {n:6d} {ok / n:5.0%} {exporter / n * 1000:18.1f} "
              f"{agents / n * 1000:16.1f} {wall / n * 1000:14.1f}{note}")


def section_fleet(lab, intervals: int) -> None:
    longest = lab.longest_interval_seconds
    watch = longest * intervals + lab.longest_timeout_seconds
    jobs = {j.job_name: j for j in lab.jobs}
    want = {j.job_name: len(j.targets) for j in lab.jobs}
    print(f"\n[f] whole fleet under Prometheus at the rendered intervals: {sum(want.values())} probe targets in "
          f"{len(jobs)} jobs ({', '.join(f'{n} {j.interval}' for n, j in sorted(jobs.items()))}), plus node_exporter; "
          f"watching {watch:.0f}s")
    pids = {"exporter": [lab.exporter.proc.pid], "snmpsim": [p.pid for p in lab.snmp.processes],
            "prometheus": [lab.prometheus.proc.pid],
            "node_exporter": [lab.node_exporter.proc.pid] if lab.node_exporter else []}
    start = {k: cpu_of(v) for k, v in pids.items()}
    machine0, t0 = machine_busy_seconds(), time.monotonic()
    os.kill(lab.prometheus.proc.pid, signal.SIGCONT)
    time.sleep(watch)
    wall = time.monotonic() - t0
    used = {k: cpu_of(v) - start[k] for k, v in pids.items()}
    machine = machine_busy_seconds() - machine0
    window = f"{int(watch)}s"

    def q(expr: str) -> list[dict]:
        return requests.get(f"{lab.prometheus.url}/api/v1/query", params={"query": expr}, timeout=30).json()["data"]["result"]

    by_job = {s["metric"]["job"]: float(s["value"][1])
              for s in q(f"count by (job) (min_over_time(dcops_probe_success[{window}]) == 1)")}
    scrapes = {s["metric"]["job"]: float(s["value"][1]) for s in q(f"sum by (job) (count_over_time(up[{window}]))")}
    total_ok = 0
    for name in sorted(want):
        total_ok += by_job.get(name, 0)
        print(f"    {name:20} {by_job.get(name, 0):4.0f}/{want[name]:<4d} succeeding on every scrape "
              f"({scrapes.get(name, 0):.0f} scrapes)")
    node = q(f"count(min_over_time(up{{job=~\"dcops_node_.*\"}}[{window}]) == 1)")
    print(f"    node_exporter targets up on every scrape: {float(node[0]['value'][1]) if node else 0:.0f}")
    med = q(f"quantile(0.5, quantile_over_time(0.5, scrape_duration_seconds{{job=~\"dcops_.*\"}}[{window}]))")
    slow = q(f"max(max_over_time(scrape_duration_seconds{{job=~\"dcops_.*\"}}[{window}]))")
    print(f"    all targets succeeding: {total_ok:.0f}/{sum(want.values())}; scrape duration median "
          f"{float(med[0]['value'][1]) if med else 0:.2f}s, slowest {float(slow[0]['value'][1]) if slow else 0:.2f}s")
    print("    CPU (cores busy on average): " + ", ".join(f"{k} {v / wall:.2f}" for k, v in used.items())
          + f"; machine {machine / wall:.2f} of {psutil.cpu_count()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="[m] probes of each target per module")
    parser.add_argument("--intervals", type=int, default=2, help="[f] longest scrape intervals to watch")
    args = parser.parse_args()
    inv = load_inventory()
    work = Path(tempfile.mkdtemp(prefix="dcops-bench-modules-"))
    started = time.monotonic()
    lab = start_monitoring_lab(inv, work)
    try:
        print(f"lab up in {time.monotonic() - started:.0f}s: {len(lab.snmp.processes)} snmpsim processes, "
              f"{len({d for names in lab.targets.values() for d in names})} devices; "
              f"{psutil.cpu_count()} CPUs")
        os.kill(lab.prometheus.proc.pid, signal.SIGSTOP)
        try:
            section_modules(lab, args.rounds)
        finally:
            os.kill(lab.prometheus.proc.pid, signal.SIGCONT)
        section_fleet(lab, args.intervals)
    finally:
        lab.stop()
    counts = defaultdict(int)
    for job in lab.jobs:
        counts[job.module] += len(job.targets)
    print("\ntargets per module: " + ", ".join(f"{m} {n}" for m, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
