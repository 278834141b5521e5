"""The README's main job: `dcops lab run` on the embedded MTPE inventory, end to end."""

from __future__ import annotations

import pytest

from dcops_inventory import load_inventory
from dcops_lab.walkthrough import run_walkthrough


@pytest.mark.slow
def test_lab_run_passes_every_stage_on_mtpe(tmp_path):
    steps = []
    result = run_walkthrough(load_inventory(), tmp_path / "run", steps.append)
    failed = [f"{s.name}: {s.detail}" for s in result.steps if not s.ok]
    assert not failed, "\n".join(failed)
    by_name = {s.name: s.detail for s in result.steps}
    assert len(result.steps) == 7
    # each stage reports the CPU it cost (process tree and machine), see tests/lab/test_cpu.py
    assert all(s.cpu_seconds is not None and s.machine_cpu_seconds is not None for s in result.steps)
    assert "172/172 configs committed" in by_name["Ansible: back up every network device's config"]
    assert "changed=0" in by_name["Ansible: back up again (must change nothing)"]
    assert "drift found on ['sc-edge-001']" in by_name["Ansible: compliance against the inventory's intended config"]
    # 178 if_mib + 1 wan + 178 health + 28 host + 14 ups + 6 storage + 2 cooling probe targets
    assert "407/407 targets" in by_name["Prometheus: every target scraped through the exporter"]
    backups = sorted(p.name for p in (tmp_path / "run" / "backups").glob("*.cfg"))
    assert len(backups) == 172 and "sc-core-01.cfg" in backups
