"""Fixtures for the availability rule tests: renders of MTPE and of the small SLO inventory."""

from __future__ import annotations

from pathlib import Path

import pytest
from slo_helpers import SLO_INVENTORY, render


@pytest.fixture(scope="session")
def mtpe_render(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mtpe")
    res = render(out)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="session")
def slo_render(tmp_path_factory) -> Path:
    """The SLO test inventory, with the textfile job, as the promtool suites expect it."""
    out = tmp_path_factory.mktemp("slo")
    res = render(out, "--textfile-exporter", "127.0.0.1:9100", inventory=SLO_INVENTORY)
    assert res.returncode == 0, res.stderr
    return out
