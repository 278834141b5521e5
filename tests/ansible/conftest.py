"""Fixtures for the Ansible tests: one lab fleet for the session (8 devices of the fixture
inventory, both platforms and every switch role), stopped and removed at the end."""

from __future__ import annotations

import secrets
import shutil

import pytest
from ansible_testlib import FIXTURE_INVENTORY, LAB_DEVICES, base_env


@pytest.fixture(scope="session")
def lab_secrets() -> dict[str, str]:
    return {"DCOPS_NET_PASSWORD": secrets.token_urlsafe(12), "DCOPS_BACKUP_MASK_KEY": secrets.token_urlsafe(24)}


@pytest.fixture(scope="session")
def lab(tmp_path_factory, lab_secrets):
    from dcops_lab.fakenos.process import LabFleet

    state = tmp_path_factory.mktemp("ansible-lab")
    fleet = LabFleet(state, inventory=FIXTURE_INVENTORY, devices=LAB_DEVICES, env=base_env(**lab_secrets))
    fleet.start()
    try:
        yield fleet
    finally:
        fleet.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture()
def lab_env(lab, lab_secrets, monkeypatch) -> dict[str, str]:
    """Environment for tools run against the lab; also applied to this test process."""
    env = base_env(DCOPS_ADDRESS_MAP=str(lab.address_map_path), DCOPS_INVENTORY=str(FIXTURE_INVENTORY),
                   **lab_secrets)
    for key, value in env.items():
        if key.startswith("DCOPS_"):
            monkeypatch.setenv(key, value)
    return env


@pytest.fixture()
def inv():
    from dcops_inventory import load_inventory

    return load_inventory(FIXTURE_INVENTORY)


@pytest.fixture()
def push(lab, lab_env, inv):
    """push(device, lines) sends config lines through the access layer; every push is
    undone at teardown with `undo` lines so later tests see the boot config."""
    from dcops_devices.access import open_connection, target_for

    undo: list[tuple[str, list[str]]] = []

    def _push(device: str, lines: list[str], revert: list[str] | None = None) -> str:
        with open_connection(target_for(inv, device, lab.address_map())) as conn:
            out = conn.configure(lines)
        if revert:
            undo.append((device, revert))
        return out

    yield _push
    from dcops_devices.access import run_bulk

    by_device: dict[str, list[str]] = {}
    for device, lines in reversed(undo):
        by_device.setdefault(device, []).extend(lines)

    def _undo(device: str) -> None:
        with open_connection(target_for(inv, device, lab.address_map())) as conn:
            conn.configure(by_device[device])

    failed = [r for r in run_bulk(list(by_device), _undo, workers=8) if not r.ok]
    assert not failed, f"could not restore lab devices: {failed}"
