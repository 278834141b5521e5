"""Real components for the exporter tests: snmpsim agents from a small inventory and the
`dcops exporter serve` process, started once per session on 127.0.0.1 and always stopped."""

from __future__ import annotations

import pytest
from fixture_paths import LAB_INVENTORY

from dcops_inventory import load_inventory
from dcops_lab.snmp.lab import start_snmp_lab
from dcops_lab.snmp.services import start_dcops_exporter


@pytest.fixture(autouse=True)
def _lab_only(monkeypatch):
    # Any attempt to reach a non-loopback address raises instead of sending a packet.
    monkeypatch.setenv("DCOPS_LAB_ONLY", "1")


@pytest.fixture(scope="session")
def lab_inventory():
    return load_inventory(LAB_INVENTORY)


@pytest.fixture(scope="session")
def snmp_lab(lab_inventory, tmp_path_factory):
    lab, _ = start_snmp_lab(lab_inventory, None, tmp_path_factory.mktemp("snmp-lab"))
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def exporter(snmp_lab, tmp_path_factory):
    service = start_dcops_exporter(LAB_INVENTORY, snmp_lab.address_map, tmp_path_factory.mktemp("exporter"),
                                   secret_env=snmp_lab.env)
    yield service
    service.stop()


