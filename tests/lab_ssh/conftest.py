"""Fixtures for the lab's SSH fleet tests: a small fleet (both switch platforms, the
firewall) for the session, started and stopped here."""

from __future__ import annotations

import secrets
import shutil

import pytest
from lab_ssh_testlib import DEVICES, FIXTURE_INVENTORY, clean_env


@pytest.fixture(scope="session")
def password() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture(scope="session")
def fleet(tmp_path_factory, password):
    from dcops_lab.fakenos.process import LabFleet

    state = tmp_path_factory.mktemp("ssh-lab")
    lab = LabFleet(state, inventory=FIXTURE_INVENTORY, devices=DEVICES, env=clean_env(DCOPS_NET_PASSWORD=password))
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture()
def connect(fleet, password, monkeypatch):
    """connect(device) -> an opened dcops access-layer connection (closed at teardown)."""
    from dcops_devices.access import open_connection, target_for
    from dcops_inventory import load_inventory

    monkeypatch.setenv("DCOPS_NET_PASSWORD", password)
    monkeypatch.setenv("DCOPS_LAB_ONLY", "1")
    inv = load_inventory(FIXTURE_INVENTORY)
    opened = []

    def _connect(device: str):
        conn = open_connection(target_for(inv, device, fleet.address_map())).open()
        opened.append(conn)
        return conn

    yield _connect
    for conn in opened:
        conn.close()
