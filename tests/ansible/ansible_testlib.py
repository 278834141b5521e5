"""Helpers shared by the Ansible tests (a plain module: conftest.py holds only fixtures)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE_INVENTORY = REPO / "tests" / "fixtures" / "ansible" / "inventory"
VENV_BIN = Path(sys.executable).parent
# Both switch platforms and every switch role, plus a router and the firewall.
LAB_DEVICES = ["sc-core-01", "sc-core-02", "sc-dist-01", "sc-edge-01", "ate-edge-01", "sc-poe-01",
               "sc-rtr-01", "sc-fw-01"]


def base_env(**extra: str) -> dict[str, str]:
    """A clean environment: the venv's tools first, lab-only mode on, no inherited DCOPS_/ANSIBLE_."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DCOPS_", "ANSIBLE_"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DCOPS_LAB_ONLY"] = "1"
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["ANSIBLE_NOCOLOR"] = "1"
    env["XDG_CACHE_HOME"] = str(Path(tempfile.gettempdir()) / "dcops-tests-xdg-cache")
    env.update(extra)
    return env


def playbook(name: str, env: dict[str, str], *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["ansible-playbook", "-i", "inventory/dcops.yml", f"playbooks/{name}", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP lines -> {host: {ok, changed, unreachable, failed, ...}}."""
    out = {}
    for m in re.finditer(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.M):
        out[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
    return out
