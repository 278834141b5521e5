"""Bad input costs memory in proportion to the file, by construction: a count is bounded
before anything expands it, and aliases that would blow a document up are refused before
anything walks it. Each case runs in a child process under an address-space limit, so a
regression fails (MemoryError) instead of taking the machine; the child reports its
tracemalloc peak, which must stay small. No wall-clock assertion: the bound is structural."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

INVALID = Path(__file__).resolve().parents[1] / "fixtures" / "invalid"
VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"

CHILD = r"""
import json, resource, sys, tracemalloc
limit = 1 << 31  # 2 GiB of address space: far above a valid load of these files
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))  # a safety net, not a measurement
import dcops_inventory.checks, dcops_inventory.checks_planning  # imported before measuring
from dcops_inventory import InventoryError, load_inventory
tracemalloc.start()
try:
    load_inventory(sys.argv[1])
    problems = []
except InventoryError as exc:
    problems = [str(p) for p in exc.problems]
print(json.dumps({"peak": tracemalloc.get_traced_memory()[1], "problems": problems}))
"""

PEAK_LIMIT = 16 << 20  # bytes; the minimal valid inventory peaks well under 1 MiB


def validate_in_child(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name, reason", [
    ("interface_count_absurd", "count: Input should be less than or equal to 4096"),
    ("interface_ports_total", "8192 ports in all"),
    ("yaml_alias_expansion", "aliases expand this value"),
    ("yaml_recursive_alias", "recursive alias"),
    ("integer_too_many_digits", "integer of 4400 characters"),
])
def test_absurd_input_is_refused_in_bounded_memory(name: str, reason: str):
    result = validate_in_child(INVALID / f"{name}.yaml")
    assert len(result["problems"]) == 1 and reason in result["problems"][0], result["problems"]
    assert result["peak"] < PEAK_LIMIT, f"{name}: tracemalloc peak {result['peak'] / 2**20:.1f} MiB"


def test_the_largest_port_count_allowed_stays_small():
    """valid/bounds.yaml has a device type of 4096 ports (MAX_PORTS): it validates, cheaply."""
    result = validate_in_child(VALID / "bounds.yaml")
    assert result["problems"] == []
    assert result["peak"] < PEAK_LIMIT, f"tracemalloc peak {result['peak'] / 2**20:.1f} MiB"
