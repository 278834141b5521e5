"""Fixtures for the Ansible tests: the venv's tools on PATH, a lab fleet for the session,
and a clean environment that can only ever reach loopback."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE_INVENTORY = REPO / "tests" / "fixtures" / "ansible" / "inventory"
VENV_BIN = Path(sys.executable).parent
# Both platforms and every switch role, plus a router and the firewall.
LAB_DEVICES = ["sc-core-01", "sc-core-02", "sc-dist-01", "sc-edge-01", "ate-edge-01", "sc-poe-01",
               "sc-rtr-01", "sc-fw-01"]


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DCOPS_", "ANSIBLE_"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DCOPS_LAB_ONLY"] = "1"
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["ANSIBLE_LOCAL_TEMP"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / "dcops-ansible-tmp")
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def lab_password() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture(scope="session")
def lab(tmp_path_factory, lab_password):
    """The fixture inventory's network devices served by FakeNOS on 127.0.0.1."""
    from dcops_lab.fakenos_process import LabFleet

    state = tmp_path_factory.mktemp("lab")
    env = base_env(DCOPS_NET_PASSWORD=lab_password)
    fleet = LabFleet(state, inventory=FIXTURE_INVENTORY, devices=LAB_DEVICES, env=env)
    fleet.start()
    try:
        yield fleet
    finally:
        fleet.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture()
def lab_env(lab, lab_password, monkeypatch) -> dict[str, str]:
    """Environment for tools run against the lab (also applied to this process)."""
    env = base_env(DCOPS_NET_PASSWORD=lab_password, DCOPS_ADDRESS_MAP=str(lab.address_map_path),
                   DCOPS_INVENTORY=str(FIXTURE_INVENTORY))
    for key in ("DCOPS_NET_PASSWORD", "DCOPS_LAB_ONLY", "DCOPS_ADDRESS_MAP", "DCOPS_INVENTORY"):
        monkeypatch.setenv(key, env[key])
    return env
