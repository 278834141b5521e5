"""Exporter benchmark on the MTPE inventory, as the product runs: everything on 127.0.0.1,
probes sent open loop on a schedule (as Prometheus sends them), CPU measured per process.

The lab is the one `dcops lab run` starts (start_monitoring_lab: snmpsim agents for every
target, the dcops exporter, Prometheus with the configuration rendered from the inventory,
its per-tier intervals included). Sections, in the order they run:

[c] The fleet under the real Prometheus: targets succeeding on every scrape of the
    `dcops_if_mib*` jobs, scrape durations, and the CPU the exporter, the agents and
    Prometheus spent per scrape. Prometheus is then stopped.
[a] CPU per 48-port IF-MIB probe, dcops vs Debian's snmp_exporter 0.21, same run, same
    agents: both driven at the same even load (each of N switches every 15 s), CPU time of
    each exporter process over the run divided by the probes it answered (goal: ratio
    <= 1.0); then each alone for a round, for snmpsim's CPU per walk of either.
[b] Goodput of the dcops exporter over every if_mib target at 1x (each every 30 s), 2x,
    3x, then 1x again, open loop: per phase goodput and its ratio to 1x (goal: 3x >= 90%
    of 1x), whether every target succeeded in the first full round back at 1x (goal: yes),
    and dcops_exporter_probes_refused_total.
[d] Exporter RSS after each section.

    .venv/bin/python bench/bench_exporter_snmp.py            # about 8-10 minutes
    .venv/bin/python bench/bench_exporter_snmp.py --only a   # one section (c, a, b; d always)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests
import yaml

os.environ.setdefault("DCOPS_LAB_ONLY", "1")

from dcops_inventory import load_inventory  # noqa: E402
from dcops_lab.cpu import machine_busy_seconds, tree_cpu_seconds  # noqa: E402
from dcops_lab.load import Phase, metric_sum, run_load  # noqa: E402
from dcops_lab.snmp.monitoring import start_monitoring_lab  # noqa: E402
from dcops_lab.snmp.services import start_snmp_exporter  # noqa: E402

SWITCH = "sc-edge-001"  # Catalyst 2960X-48TD-L: 48 access ports + uplinks
REFUSED = "dcops_exporter_probes_refused_total"
SNMP_EXPORTER_OK = re.compile(rb"^ifHCInOctets\{", re.MULTILINE)  # 0.21 returns it only when the walk worked


def rss(pid: int) -> str:
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status") if ":" in line)
    mib = lambda key: int(status[key].split()[0]) / 1024  # noqa: E731
    return f"{mib('VmRSS'):.1f} MiB (peak {mib('VmHWM'):.1f} MiB)"


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    if not m:
        raise ValueError(f"unsupported duration {duration!r}")
    return float(m.group(1)) * units[m.group(2)]


class CpuMeter:
    """CPU seconds of named process groups (exporter, agents, ...) and of the machine."""

    def __init__(self, groups: dict[str, list[int]]):
        self.groups = groups
        self.start = self._read()

    def _read(self) -> dict[str, float]:
        values = {name: sum(tree_cpu_seconds(pid) for pid in pids) for name, pids in self.groups.items()}
        values["lab"] = tree_cpu_seconds()  # this process and every service it started
        values["machine"] = machine_busy_seconds()
        values["wall"] = time.monotonic()
        return values

    def used(self) -> dict[str, float]:
        end = self._read()
        return {k: end[k] - self.start[k] for k in end}


# [c] ------------------------------------------------------------------------------------

def if_mib_jobs(config: Path) -> dict[str, float]:
    """job name -> scrape interval (s) of the rendered dcops_if_mib* jobs."""
    conf = yaml.safe_load(config.read_text())
    default = (conf.get("global") or {}).get("scrape_interval", "1m")
    return {job["job_name"]: seconds(job.get("scrape_interval", default))
            for job in conf["scrape_configs"] if job["job_name"].startswith("dcops_if_mib")}


def section_prometheus(lab, intervals: int, started: float) -> None:
    jobs = if_mib_jobs(lab.config_dir / "prometheus.yml")
    want = sum(len(v) for k, v in lab.targets.items() if k.startswith("dcops_if_mib"))
    longest = max(jobs.values())
    wait = longest * intervals + 5
    print(f"\n[c] real Prometheus, rendered config: {want} if_mib targets in jobs "
          + ", ".join(f"{j} every {s:g}s" for j, s in sorted(jobs.items()))
          + f"; watching {wait:.0f}s ({intervals} x the longest interval)")
    meter = CpuMeter({"exporter": [lab.exporter.proc.pid], "snmpsim": [p.pid for p in lab.snmp.processes],
                      "prometheus": [lab.prometheus.proc.pid]})
    time.sleep(max(0.0, started + wait - time.monotonic()))
    used = meter.used()
    window = f"{int(time.monotonic() - started) + 1}s"  # since Prometheus started
    sel = 'job=~"dcops_if_mib.*"'

    def q(expr: str) -> float:
        r = requests.get(f"{lab.prometheus.url}/api/v1/query", params={"query": expr}, timeout=30).json()
        res = r["data"]["result"]
        return float(res[0]["value"][1]) if res else 0.0

    every = q(f"count(min_over_time(dcops_probe_success{{{sel}}}[{window}]) == 1)")
    seen = q(f"count(count_over_time(dcops_probe_success{{{sel}}}[{window}]))")
    scrapes = q(f"sum(count_over_time(up{{{sel}}}[{window}]))")
    up_fail = scrapes - q(f"sum(sum_over_time(up{{{sel}}}[{window}]))")
    probe_ok = q(f"sum(sum_over_time(dcops_probe_success{{{sel}}}[{window}]))")
    med = q(f"quantile(0.5, quantile_over_time(0.5, scrape_duration_seconds{{{sel}}}[{window}]))")
    p99 = q(f"quantile(0.99, max_over_time(scrape_duration_seconds{{{sel}}}[{window}]))")
    slow = q(f"max(max_over_time(scrape_duration_seconds{{{sel}}}[{window}]))")
    print(f"    targets succeeding on every scrape: {every:.0f}/{want} (seen {seen:.0f}); {scrapes:.0f} scrapes, "
          f"{scrapes - probe_ok:.0f} without dcops_probe_success 1 ({up_fail:.0f} with up 0)")
    print(f"    scrape duration: median {med:.2f}s, p99 of per-target max {p99:.2f}s, slowest {slow:.2f}s")
    per = max(scrapes, 1)
    print(f"    CPU over {used['wall']:.0f}s: exporter {used['exporter']:.1f}s ({used['exporter'] / per * 1000:.1f} ms/scrape),"
          f" snmpsim {used['snmpsim']:.1f}s ({used['snmpsim'] / per * 1000:.1f} ms/scrape), prometheus "
          f"{used['prometheus']:.1f}s; machine {used['machine'] / used['wall']:.2f} of {psutil.cpu_count()} CPUs busy, "
          f"other jobs {(used['machine'] - used['lab']) / used['wall']:.2f}")
    print(f"[d] exporter RSS after [c]: {rss(lab.exporter.proc.pid)}")


# [a] ------------------------------------------------------------------------------------

def section_cpu(inv, lab, work: Path, switches: int, interval: float, rounds: int, timeout: float) -> None:
    communities = lab.snmp.communities
    candidates = sorted({n for names in lab.targets.values() for n in names
                        if len(inv.device_interfaces(inv.device(n))) == len(inv.device_interfaces(inv.device(SWITCH)))
                        and communities[n] == communities[SWITCH]})
    chosen = [SWITCH] + [n for n in candidates if n != SWITCH][:switches - 1]
    ports = len(inv.device_interfaces(inv.device(SWITCH)))
    ref = start_snmp_exporter(communities[SWITCH], work)
    try:
        dcops_pairs = [(n, "if_mib") for n in chosen]
        ref_pairs = []
        for n in chosen:
            ep = lab.snmp.address_map.endpoint(n, "snmp")
            ref_pairs.append((f"{ep.host}:{ep.port}", "if_mib"))
        print(f"\n[a] CPU per IF-MIB probe of a {ports}-interface switch: {len(chosen)} switches ({SWITCH}, ...) "
              f"each every {interval:g}s, {rounds} rounds, dcops and snmp_exporter 0.21 side by side, open loop")
        # warm-up: dcops learns each switch's ifIndex -> ifName once
        run_load(lab.exporter.url, dcops_pairs, [Phase(2.0, 1)], timeout)
        run_load(ref.url, ref_pairs, [Phase(2.0, 1)], timeout, probe_path="/snmp", success=SNMP_EXPORTER_OK)

        def both(phases_dcops, phases_ref):
            runs = {}
            meter = CpuMeter({"dcops": [lab.exporter.proc.pid], "ref": [ref.proc.pid],
                              "snmpsim": [p.pid for p in lab.snmp.processes]})
            threads = []
            if phases_dcops:
                threads.append(threading.Thread(target=lambda: runs.__setitem__("dcops", run_load(
                    lab.exporter.url, dcops_pairs, phases_dcops, timeout))))
            if phases_ref:  # half a slot later: the two exporters' probes interleave
                threads.append(threading.Thread(target=lambda: runs.__setitem__("ref", run_load(
                    ref.url, ref_pairs, phases_ref, timeout, probe_path="/snmp", success=SNMP_EXPORTER_OK,
                    start_delay=0.2 + interval / len(chosen) / 2))))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return runs, meter.used()

        runs, used = both([Phase(interval, rounds)], [Phase(interval, rounds)])
        ok_d = sum(p.success for p in runs["dcops"].probes)
        ok_r = sum(p.success for p in runs["ref"].probes)
        ms_d = used["dcops"] / max(ok_d, 1) * 1000
        ms_r = used["ref"] / max(ok_r, 1) * 1000
        st_d, st_r = runs["dcops"].phase_stats()[0], runs["ref"].phase_stats()[0]
        print(f"    dcops:         {ms_d:6.1f} ms CPU/probe ({used['dcops']:.2f}s over {ok_d}/{len(runs['dcops'].probes)} "
              f"successful probes), latency p50 {st_d.p50 * 1000:.0f} ms p99 {st_d.p99 * 1000:.0f} ms")
        print(f"    snmp_exporter: {ms_r:6.1f} ms CPU/probe ({used['ref']:.2f}s over {ok_r}/{len(runs['ref'].probes)} "
              f"successful probes), latency p50 {st_r.p50 * 1000:.0f} ms p99 {st_r.p99 * 1000:.0f} ms")
        print(f"    ratio dcops/snmp_exporter {ms_d / ms_r:.2f} (goal <= 1.0)")
        walks = ok_d + ok_r
        print(f"    snmpsim, both together: {used['snmpsim'] / max(walks, 1) * 1000:.1f} ms CPU per walk "
              f"({used['snmpsim']:.1f}s over {walks} walks); machine {used['machine'] / used['wall']:.2f} of "
              f"{psutil.cpu_count()} CPUs busy, other jobs {(used['machine'] - used['lab']) / used['wall']:.2f}")
        for who, phases in (("dcops", ([Phase(interval, 1)], None)), ("ref", (None, [Phase(interval, 1)]))):
            runs, used = both(*phases)
            ok = sum(p.success for p in runs[who].probes)
            name = "dcops" if who == "dcops" else "snmp_exporter"
            print(f"    snmpsim per walk for {name} alone: {used['snmpsim'] / max(ok, 1) * 1000:.1f} ms CPU "
                  f"({ok} walks; {name} itself {used[who] / max(ok, 1) * 1000:.1f} ms/probe)")
    finally:
        ref.stop()
    print(f"[d] exporter RSS after [a]: {rss(lab.exporter.proc.pid)}")


# [b] ------------------------------------------------------------------------------------

def section_goodput(lab, base: float, factors: list[float], rounds: int, after: int, timeout: float) -> None:
    fleet = sorted({n for k, names in lab.targets.items() if k.startswith("dcops_if_mib") for n in names})
    pairs = [(n, "if_mib") for n in fleet]
    phases = [Phase(base, 1, "warm-up 1x", timeout=min(timeout, base))]
    for f in factors:
        phases.append(Phase(base / f, int(round(rounds * f)), f"{f:g}x", timeout=min(timeout, base / f)))
    phases.append(Phase(base, after, "1x again", timeout=min(timeout, base)))
    total = sum(p.interval * p.rounds for p in phases)
    print(f"\n[b] goodput, open loop over {len(fleet)} if_mib targets: 1x = each every {base:g}s "
          f"({len(fleet) / base:.1f} probes/s), phases " + ", ".join(p.label() for p in phases)
          + f"; scrape timeout min({timeout:g}s, interval); {total:.0f}s")
    marks: dict[int, tuple[float | None, dict]] = {}
    meter = CpuMeter({"exporter": [lab.exporter.proc.pid], "snmpsim": [p.pid for p in lab.snmp.processes]})

    def on_round(phase: int, rnd: int) -> None:
        if rnd == 0:
            marks[phase] = (metric_sum(lab.exporter.url, REFUSED), meter.used())

    run = run_load(lab.exporter.url, pairs, phases, timeout, on_round=on_round)
    marks[len(phases)] = (metric_sum(lab.exporter.url, REFUSED), meter.used())
    stats = run.phase_stats()
    one_x = next((s.goodput for s, p in zip(stats, phases) if p.name == "1x"), stats[0].goodput)
    busy: dict[str, tuple[float, float]] = {}  # phase name -> (machine CPUs busy, refusals)
    for i, (s, ph) in enumerate(zip(stats, phases)):
        (r0, c0), (r1, c1) = marks[i], marks[i + 1]
        wall = c1["wall"] - c0["wall"]
        refused = None if r1 is None else r1 - (r0 or 0)
        machine = (c1["machine"] - c0["machine"]) / wall
        other = machine - (c1["lab"] - c0["lab"]) / wall
        busy[ph.name] = (machine, refused or 0.0)
        cpu = (f"exporter {(c1['exporter'] - c0['exporter']) / wall:.2f}, snmpsim {(c1['snmpsim'] - c0['snmpsim']) / wall:.2f},"
               f" machine {machine:.2f} CPUs of which other jobs {other:.2f}")
        print(f"    {s.line()}")
        print(f"        goodput {s.goodput / one_x if one_x else float('nan'):.0%} of 1x; refused (counter) "
              f"{'n/a' if refused is None else f'{refused:.0f}'}; {cpu}")
    base_stats = next((s for s, p in zip(stats, phases) if p.name == "1x"), None)
    if base_stats is not None and not base_stats.all_succeeded:
        print(f"    WARNING: 1x did not fit ({base_stats.successes}/{base_stats.offered} succeeded; see 'other jobs' "
              f"above): the ratios below compare against a degraded 1x")
    top = f"{max(factors):g}x"
    over = [s for s, p in zip(stats, phases) if p.name == top]
    if over:
        print(f"    {top} goodput / 1x goodput = {over[0].goodput / one_x if one_x else float('nan'):.2f} "
              f"(goal >= 0.90)")
        machine, refused = busy[top]
        if over[0].all_succeeded and not refused and machine < 0.9 * psutil.cpu_count():
            print(f"    note: {top} kept {machine:.2f} of {psutil.cpu_count()} CPUs busy and nothing was refused or "
                  f"failed: this load is below the lab's capacity, so overload is not tested; "
                  f"a shorter --base-interval (e.g. 8) drives it past capacity")
    last = len(phases) - 1
    full = run.first_full_round(last)
    if full is None:
        print("    back at 1x: no round started after the overload's last answer")
    else:
        rs = run.round_stats(last)[full]
        print(f"    first full round back at 1x (round {full}): {rs.successes}/{rs.offered} targets succeeded "
              f"({'yes' if rs.all_succeeded else 'NO'}, goal: yes)"
              + (f"; failed: {', '.join(rs.failed_targets[:8])}" if rs.failed_targets else ""))
    total_refused = marks[len(phases)][0]
    print(f"    {REFUSED} at the end: {'absent' if total_refused is None else f'{total_refused:.0f}'}; "
          f"driver CPU {run.driver_cpu:.1f}s for {len(run.probes)} probes")
    print(f"[d] exporter RSS after [b]: {rss(lab.exporter.proc.pid)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="c,a,b", help="sections to run, in this order: c,a,b")
    ap.add_argument("--prom-intervals", type=int, default=2, help="[c] longest scrape intervals to watch")
    ap.add_argument("--switches", type=int, default=24, help="[a] 48-port switches probed by both exporters")
    ap.add_argument("--cpu-interval", type=float, default=15.0, help="[a] seconds between probes of one switch")
    ap.add_argument("--cpu-rounds", type=int, default=3, help="[a] rounds side by side")
    ap.add_argument("--base-interval", type=float, default=30.0, help="[b] 1x: seconds between probes of one target")
    ap.add_argument("--factors", default="1,2,3", help="[b] offered load, multiples of 1x, in order")
    ap.add_argument("--rounds", type=int, default=2, help="[b] rounds at 1x (a phase at Nx runs N times as many)")
    ap.add_argument("--after-rounds", type=int, default=2, help="[b] rounds back at 1x")
    ap.add_argument("--timeout", type=float, default=10.0, help="scrape timeout header, seconds")
    ap.add_argument("--workers", type=int, default=None, help="snmpsim processes (default: the lab's)")
    args = ap.parse_args()
    sections = [s.strip() for s in args.only.split(",") if s.strip()]

    inv = load_inventory()
    work = Path(tempfile.mkdtemp(prefix="dcops-bench-"))
    t0 = time.monotonic()
    lab = start_monitoring_lab(inv, work, prometheus="c" in sections, workers=args.workers)
    started = time.monotonic()
    try:
        n = len({d for names in lab.targets.values() for d in names})
        print(f"lab: {n} devices in {len(lab.snmp.processes)} snmpsim processes, exporter {lab.exporter.url}"
              + (f", Prometheus {lab.prometheus.url}" if lab.prometheus else "")
              + f"; ready in {started - t0:.1f}s; {psutil.cpu_count()} CPUs, load average "
              + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        for section in sections:
            if section == "c":
                section_prometheus(lab, args.prom_intervals, started)
                lab.prometheus.stop()  # the other sections load the exporter alone
            elif section == "a":
                section_cpu(inv, lab, work, args.switches, args.cpu_interval, args.cpu_rounds, args.timeout)
            elif section == "b":
                section_goodput(lab, args.base_interval, [float(f) for f in args.factors.split(",")],
                                args.rounds, args.after_rounds, args.timeout)
            else:
                print(f"unknown section {section!r}", file=sys.stderr)
        print(f"\ntotal {time.monotonic() - t0:.0f}s")
    finally:
        lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
