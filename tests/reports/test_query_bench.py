"""The benchmark script still runs end to end (tiny sizes: this checks it, it times nothing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_inventory.py"


@pytest.mark.slow
def test_bench_script_prints_every_measurement(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH), "--sizes", "40", "120", "--repeat", "1",
                           "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "MTPE validate:" in out
    for line in ("devices by role", "rack utilisation", "VMs per cluster", "EOL software",
                 "interfaces per device top-10"):
        assert line in out
    sizes = [line.split()[0] for line in out.splitlines() if line.strip().startswith(("40 ", "120 "))]
    assert sizes == ["40", "120"]
