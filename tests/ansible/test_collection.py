"""The dcops Ansible collection as an Automation Platform user consumes it: built with
`ansible-galaxy collection build`, installed into a temporary collections path, and used
from outside the repository - `ansible-inventory` with the fully qualified plugin name, and
a playbook of the user's own with the collection's backup role against the lab. The
repository's ansible.cfg (its plugin and role paths) is not in play."""

from __future__ import annotations

import json
import subprocess
import tarfile

import pytest
from ansible_testlib import FIXTURE_INVENTORY, LAB_DEVICES, REPO, recap


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(collections path, ansible.cfg) with the freshly built collection installed."""
    root = tmp_path_factory.mktemp("collection")
    build = subprocess.run(["bash", "scripts/build_collection.sh", str(root / "dist")], cwd=REPO,
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = root / "dist" / "dcops-dcops-0.1.0.tar.gz"
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    assert {"plugins/inventory/dcops.py", "plugins/action/dcops_config_backup.py", "roles/config_backup/tasks/main.yml",
            "roles/compliance/tasks/main.yml", "playbooks/backup_configs.yml", "meta/runtime.yml",
            "MANIFEST.json"} <= names
    assert not any("__pycache__" in n or n.startswith("dcops_ansible") for n in names)
    install = subprocess.run(["ansible-galaxy", "collection", "install", "-p", str(root / "collections"),
                              str(tarball)], capture_output=True, text=True, timeout=300, cwd=root)
    assert install.returncode == 0, install.stdout + install.stderr
    cfg = root / "ansible.cfg"
    cfg.write_text(f"[defaults]\ncollections_path = {root / 'collections'}\nhost_key_checking = False\n"
                   "retry_files_enabled = False\n[inventory]\nunparsed_is_failed = True\n")
    return root, cfg


def _env(base: dict[str, str], cfg) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=str(cfg), ANSIBLE_NOCOLOR="1")
    return env


@pytest.mark.slow
def test_inventory_plugin_by_its_fully_qualified_name(installed, lab_env):
    root, cfg = installed
    source = root / "lab.dcops.yml"
    source.write_text(f"plugin: dcops.dcops.dcops\ninventory_path: {FIXTURE_INVENTORY}\n")
    proc = subprocess.run(["ansible-inventory", "-i", str(source), "--list"], cwd=root, env=_env(lab_env, cfg),
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert sorted(data["network"]["hosts"]) == sorted(LAB_DEVICES)  # the lab's map (DCOPS_ADDRESS_MAP) decides
    assert "ansible.netcommon.network_cli" in json.dumps(data["_meta"]["hostvars"]["sc-edge-01"])

    wrong = root / "wrong.dcops.yml"
    wrong.write_text("plugin: dcops.dcops.nope\n")
    bad = subprocess.run(["ansible-inventory", "-i", str(wrong), "--list"], cwd=root, env=_env(lab_env, cfg),
                         capture_output=True, text=True, timeout=180)
    assert bad.returncode != 0


@pytest.mark.slow
def test_a_playbook_with_the_collections_backup_role_against_the_lab(installed, lab_env, tmp_path):
    root, cfg = installed
    source = tmp_path / "lab.dcops.yml"
    source.write_text(f"plugin: dcops.dcops.dcops\ninventory_path: {FIXTURE_INVENTORY}\n")
    play = tmp_path / "site_backup.yml"
    play.write_text(f"""---
- name: Back up the core switches with the collection's role
  hosts: role_core_switch
  gather_facts: false
  vars:
    ansible_connection: ansible.builtin.local
  roles:
    - role: dcops.dcops.config_backup
      config_backup_repo: {tmp_path / 'repo'}
      config_backup_metrics: {tmp_path / 'backup.prom'}
""")
    run = subprocess.run(["ansible-playbook", "-i", str(source), str(play)], cwd=tmp_path, env=_env(lab_env, cfg),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    hosts = recap(run.stdout)
    assert {h for h in hosts if h != "localhost"} == {"sc-core-01", "sc-core-02"}
    assert all(r["failed"] == 0 and r["unreachable"] == 0 for r in hosts.values())
    assert sorted(p.name for p in (tmp_path / "repo").glob("*.cfg")) == ["sc-core-01.cfg", "sc-core-02.cfg"]
    log = subprocess.run(["git", "-C", str(tmp_path / "repo"), "log", "--format=%s"], capture_output=True, text=True)
    assert "sc-core-01" in log.stdout and "sc-core-02" in log.stdout
    assert 'dcops_config_backup_success{device="sc-core-01"} 1.0' in (tmp_path / "backup.prom").read_text()

    # The collection's own playbook, by its fully qualified name.
    again = subprocess.run(["ansible-playbook", "-i", str(source), "dcops.dcops.backup_configs", "--limit",
                            "role_core_switch", "-e", f"config_backup_repo={tmp_path / 'repo'}",
                            "-e", f"config_backup_metrics={tmp_path / 'backup.prom'}"],
                           cwd=tmp_path, env=_env(lab_env, cfg), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    assert all(r["changed"] == 0 for r in recap(again.stdout).values())  # the second run changes nothing
