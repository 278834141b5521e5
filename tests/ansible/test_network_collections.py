"""The inventory plugin's hostvars drive the standard network collections: a `cisco.ios`
module runs over `ansible.netcommon.network_cli` against a lab device, with nothing but the
dcops inventory and a password supplied the way an administrator supplies it (extra vars).
dcops' own playbooks still run on the controller (their play variable wins)."""

from __future__ import annotations

import json
import subprocess

import pytest
from ansible_testlib import FIXTURE_INVENTORY, REPO, playbook, recap


def test_hostvars_name_the_collections_connection_and_network_os():
    from dcops_ansible.hostvars import build_view
    from dcops_inventory import load_inventory

    hosts = build_view(load_inventory(FIXTURE_INVENTORY)).hosts
    expect = {"sc-edge-01": ("ansible.netcommon.network_cli", "cisco.ios.ios"),
              "sc-core-01": ("ansible.netcommon.network_cli", "arista.eos.eos"),
              "sc-fw-01": ("ansible.netcommon.httpapi", "fortinet.fortios.fortios")}
    for host, (connection, network_os) in expect.items():
        assert (hosts[host]["ansible_connection"], hosts[host]["ansible_network_os"]) == (connection, network_os)
    assert "ansible_connection" not in hosts["sc-srv-02"]  # a Linux server: Ansible's default (ssh)
    assert not any("password" in key for hv in hosts.values() for key in hv)  # secrets stay references


def test_the_named_plugins_are_installed():
    """Every connection and network OS the hostvars name resolves in the installed `ansible`
    package (Galaxy is never needed)."""
    from ansible.plugins.loader import cliconf_loader, connection_loader, httpapi_loader, init_plugin_loader

    from dcops_ansible.hostvars import NETWORK_CONNECTION, NETWORK_OS

    init_plugin_loader()
    for platform, connection in NETWORK_CONNECTION.items():
        assert connection_loader.find_plugin(connection), connection
        loader = httpapi_loader if connection.endswith(".httpapi") else cliconf_loader
        assert loader.find_plugin(NETWORK_OS[platform]), f"{platform}: {NETWORK_OS[platform]} over {connection}"


@pytest.mark.slow
def test_cisco_ios_command_over_network_cli_against_the_lab(lab, lab_env, lab_secrets, tmp_path):
    secrets = tmp_path / "secrets.json"  # never on the command line, where `ps` shows it
    secrets.touch(mode=0o600)
    secrets.write_text(json.dumps({"ansible_password": lab_secrets["DCOPS_NET_PASSWORD"]}))
    proc = subprocess.run(["ansible", "-i", "inventory/dcops.yml", "sc-edge-01", "-m", "cisco.ios.ios_command",
                           "-a", "commands='show version'", "-e", f"@{secrets}"],
                          cwd=REPO, env=lab_env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "sc-edge-01 | SUCCESS" in proc.stdout
    # The lab device answered as the inventory describes it (its serial), over the map's port.
    assert "Processor board ID FOC3001" in proc.stdout and "Cisco IOS XE Software" in proc.stdout
    assert lab_secrets["DCOPS_NET_PASSWORD"] not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_dcops_playbooks_still_run_on_the_controller(lab_env, tmp_path):
    """The inventory says network_cli; the backup play's own variable keeps its actions local
    (they reach devices through the dcops access layer), so nothing changes for it."""
    run = playbook("backup_configs.yml", lab_env, "--limit", "sc-edge-01,sc-fw-01", "-e",
                   f"config_backup_repo={tmp_path / 'repo'}", "-e", f"config_backup_metrics={tmp_path / 'm.prom'}")
    assert run.returncode == 0, run.stdout[-3000:]
    assert recap(run.stdout)["sc-fw-01"]["failed"] == 0 and (tmp_path / "repo" / "sc-fw-01.cfg").exists()
