"""CPU accounting for the lab and the benchmarks: what a stage or a run really cost.

Wall time hides the cost of the simulated data center: on a 2-core machine the
simulators, the exporter and Prometheus compete with the tool being measured. Two
measures, both cheap to read:

- the process tree: this process, every descendant still running (the lab services are
  started with Popen, so snmpsim, the exporter, Prometheus and FakeNOS stay our
  descendants even in their own sessions) and every descendant already reaped (the
  kernel adds a waited-for child's CPU to its parent's `children_*` times, so an
  ansible-playbook that ran and exited during a stage is counted too);
- the machine: busy time of every CPU from /proc/stat, which also counts work the tree
  misses (a daemon that re-parented itself, the kernel's network stack) and work that is
  not ours (other jobs on the machine), so it is an upper bound, not our bill.

A descendant that exits without being waited for is missed by the tree measure; every
lab service is waited for when it stops.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import psutil


def _own_and_reaped(times) -> float:
    return times.user + times.system + getattr(times, "children_user", 0.0) + getattr(times, "children_system", 0.0)


def tree_cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds used so far by `pid` (default: this process), its live descendants and
    every descendant they have reaped."""
    root = psutil.Process(pid or os.getpid())
    total = _own_and_reaped(root.cpu_times())
    for proc in root.children(recursive=True):
        try:
            total += _own_and_reaped(proc.cpu_times())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue  # exited since the listing: its parent's children_* times carry it
    return total


def machine_busy_seconds() -> float:
    """CPU seconds every CPU of the machine has spent not idle since boot (/proc/stat)."""
    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))


@dataclass(frozen=True)
class CpuSample:
    wall: float
    tree: float
    machine: float

    @classmethod
    def now(cls, pid: int | None = None) -> "CpuSample":
        return cls(time.perf_counter(), tree_cpu_seconds(pid), machine_busy_seconds())

    def since(self, start: "CpuSample") -> "CpuSample":
        """Differences from an earlier sample: seconds of wall, tree CPU and machine CPU."""
        return CpuSample(self.wall - start.wall, self.tree - start.tree, self.machine - start.machine)
