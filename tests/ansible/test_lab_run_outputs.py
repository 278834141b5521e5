"""`dcops lab run` keeps every output of the playbooks in its work directory: each output
path a role takes from the environment (with an `out/...` default under the checkout) is
set by the walkthrough's Ansible environment to a path inside the work directory."""

from __future__ import annotations

import re

from ansible_testlib import REPO


def test_every_role_output_of_a_lab_run_lands_in_its_work_directory(tmp_path):
    from dcops_lab.walkthrough import _ansible_env

    defaults = [p.read_text() for p in (REPO / "playbooks" / "roles").glob("*/defaults/main.yml")]
    outputs = {m.group(1) for text in defaults
               for m in re.finditer(r"lookup\('ansible\.builtin\.env', '(\w+)', default='out/", text)}
    assert {"DCOPS_BACKUP_REPO", "DCOPS_BACKUP_METRICS", "DCOPS_COMPLIANCE_REPORT",
            "DCOPS_COMPLIANCE_METRICS"} <= outputs
    env = _ansible_env({}, tmp_path / "work", tmp_path / "map.yaml", tmp_path / "inv")
    for name in sorted(outputs):
        assert name in env, f"{name} not set: the role would write under {REPO / 'out'}"
        assert env[name].startswith(str(tmp_path / "work")), (name, env[name])


def test_a_lab_run_masks_secrets_with_a_key(monkeypatch):
    """The lab invents a value for every env secret of the inventory, the mask key included,
    so its backups carry keyed digests (secret change detection on)."""
    from dcops_ansible.mask_key import MASK_KEY_SECRET, mask_key
    from dcops_inventory import load_inventory
    from dcops_lab.walkthrough import lab_secret_env

    inv = load_inventory(REPO / "inventory" / "mtpe")
    ref = inv.get("secrets", MASK_KEY_SECRET).ref
    monkeypatch.delenv(ref, raising=False)
    assert not mask_key(inv).keyed and ref in mask_key(inv).warning()
    for name, value in lab_secret_env(inv).items():
        monkeypatch.setenv(name, value)
    assert mask_key(inv).keyed
    monkeypatch.setenv(ref, "short")
    assert mask_key(inv).why_off == f"secret {MASK_KEY_SECRET!r} is shorter than 16 characters"
