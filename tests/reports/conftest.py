"""Fixtures for the query, report and diff tests: the small hand-made inventory, its DuckDB
connection, the headroom inventory (power, compute, addresses, space), the benchmark
generator (imported from bench/), and the `dcops report` app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer

from dcops_inventory import load_inventory
from dcops_reports.cli import app as report_app
from dcops_reports.views import connect

HERE = Path(__file__).parent
SMALL = HERE / "fixtures" / "small"
HEADROOM = HERE / "fixtures" / "headroom"
REPO = HERE.parents[1]


@pytest.fixture(autouse=True)
def _lab_only(monkeypatch, tmp_path):
    monkeypatch.setenv("DCOPS_LAB_ONLY", "1")
    # `report query` keeps compiled stores under $XDG_CACHE_HOME: one per test, not the user's
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="session")
def small_dir() -> Path:
    return SMALL


@pytest.fixture(scope="session")
def small_inv():
    return load_inventory(SMALL)


@pytest.fixture(scope="session")
def headroom_dir() -> Path:
    return HEADROOM


@pytest.fixture(scope="session")
def headroom_inv():
    return load_inventory(HEADROOM)


@pytest.fixture(scope="session")
def mtpe_inv():
    """The embedded MTPE inventory, for the findings the reports must show on it."""
    return load_inventory()


@pytest.fixture(scope="session")
def small_con(small_inv):
    return connect(small_inv)


@pytest.fixture
def small_copy(tmp_path) -> Path:
    """A writable copy of the small inventory."""
    dest = tmp_path / "inv"
    shutil.copytree(SMALL, dest)
    return dest


@pytest.fixture(scope="session")
def gen():
    """The synthetic-inventory generator the benchmarks use."""
    from dcops_lab import synthetic

    return synthetic


@pytest.fixture(scope="session")
def cli_app() -> typer.Typer:
    """The `dcops report` app itself, as `dcops` mounts it."""
    return report_app
