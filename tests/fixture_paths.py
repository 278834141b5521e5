"""Fixture inventories several test folders share, importable by name from any test.

Test modules once did `from conftest import ...`; with pytest's rootdir import mode every
folder's conftest is the module `conftest`, so whichever loaded first answered and a run of
several folders together imported the wrong one. A module with its own name cannot collide.
"""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LAB_INVENTORY = FIXTURES / "exporters" / "inventory"  # the exporter and Prometheus tests' small lab
MINI = FIXTURES / "stacks" / "mini"  # the stacks tests' two-site inventory
