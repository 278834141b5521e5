"""CPU accounting of `dcops lab run` stages: children that ran and exited count, and so do
children still running; the printed cost names both measures."""

from __future__ import annotations

import subprocess
import sys
import time

from dcops_lab.cpu import CpuSample, machine_busy_seconds, tree_cpu_seconds
from dcops_lab.walkthrough import Step

BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass\n"


def test_tree_counts_a_child_that_ran_and_exited():
    start = CpuSample.now()
    subprocess.run([sys.executable, "-c", BURN.format(s=0.4)], check=True)
    used = CpuSample.now().since(start)
    assert used.tree >= 0.4
    assert used.machine >= 0.3  # same burn seen in /proc/stat (tick granularity aside)


def test_tree_counts_a_child_still_running():
    proc = subprocess.Popen([sys.executable, "-c", BURN.format(s=0.4) + "time.sleep(30)\n"])
    try:
        before = tree_cpu_seconds()
        deadline = time.monotonic() + 20
        while tree_cpu_seconds() - before < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tree_cpu_seconds() - before >= 0.3
    finally:
        proc.kill()
        proc.wait()
    assert machine_busy_seconds() > 0


def test_step_cost_prints_wall_then_cpu():
    assert Step("s", True, "", 12.34, 20.06, 22.0).cost() == "12.3 s, cpu 20.1 s, machine 22.0 s"
    assert Step("s", True, "", 1.0).cost() == "1.0 s"
