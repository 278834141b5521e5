"""Fixtures for the Prometheus config tests: the small lab inventory of the exporter tests."""

from __future__ import annotations

import pytest
from fixture_paths import LAB_INVENTORY

from dcops_inventory import load_inventory


@pytest.fixture(scope="session")
def lab_inventory():
    return load_inventory(LAB_INVENTORY)


@pytest.fixture(autouse=True)
def _lab_only(monkeypatch):
    monkeypatch.setenv("DCOPS_LAB_ONLY", "1")
