"""Fixtures for the stack tests: the MTPE inventory, the program's resources under Pulumi's
mocks, and mutated copies of the inventory for the failing policy cases."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pytest
import yaml

from dcops_inventory import DEFAULT_INVENTORY, load_inventory
from dcops_stacks.mockrun import run_program


@pytest.fixture(scope="session")
def mtpe():
    return load_inventory()


@pytest.fixture(scope="session")
def primary(mtpe):
    return run_program(mtpe, "primary")


@pytest.fixture(scope="session")
def alternate(mtpe):
    return run_program(mtpe, "alternate")


@pytest.fixture
def mutate(tmp_path) -> Callable:
    """Copy the MTPE inventory, let `edit(docs)` change the planned files, return the loaded copy.

    `docs` maps a planned file name (e.g. "recovery.yaml") to its parsed YAML; new names add files.
    """
    def apply(edit: Callable[[dict], None]):
        root = Path(tempfile.mkdtemp(dir=tmp_path)) / "mtpe"
        shutil.copytree(DEFAULT_INVENTORY, root)
        planned = root / "planned"
        docs = {p.name: yaml.safe_load(p.read_text()) for p in planned.glob("*.yaml")}
        edit(docs)
        for name, doc in docs.items():
            (planned / name).write_text(yaml.safe_dump(doc, sort_keys=False))
        return load_inventory(root)
    return apply


@pytest.fixture(scope="session")
def of_type():
    """of_type(resources, ":VirtualMachine") -> the resources whose type token ends so."""
    return lambda resources, suffix: [r for r in resources if r.type.endswith(suffix)]
