"""playbooks/server_baseline.yml against real Debian servers, checked with testinfra.

Two MTPE Linux servers run as Debian systems in network namespaces this test creates
(`dcops_lab.netns`: a debootstrap rootfs cached under ~/.cache/dcops/netns, a real OpenSSH
per server, reached at 10.199.n.2 through the lab address map). The playbook runs through the
dcops inventory plugin; what it did is read back over SSH with pytest-testinfra. The first
run ever builds the rootfs (about 2-4 minutes); later runs unpack the cached tarball.
"""

from __future__ import annotations

import os
import shutil
import urllib.request

import paramiko
import pytest
import testinfra
import yaml
from ansible_testlib import REPO, base_env, playbook, recap

MTPE = REPO / "inventory" / "mtpe"
SERVERS = ["sc-srv-26", "sc-srv-27"]
ROLE = REPO / "playbooks" / "roles" / "server_baseline"


# -- the inventory's side: quick ----------------------------------------------------------

@pytest.fixture(scope="module")
def mtpe_view():
    from dcops_ansible.hostvars import build_view
    from dcops_inventory import load_inventory

    return build_view(load_inventory(MTPE))


def test_linux_hosts_get_the_inventory_ntp_servers(mtpe_view):
    # MTPE's NTP servers are the two core switches tagged `ntp` (site sc).
    assert mtpe_view.hosts["sc-srv-26"]["dcops_ntp_servers"] == ["10.250.0.11", "10.250.0.12"]
    assert set(SERVERS) <= set(mtpe_view.groups["linux"])
    assert "sc-core-01" not in mtpe_view.groups["linux"]
    assert "dcops_ntp_servers" not in mtpe_view.hosts["sc-core-01"]


def test_ntp_servers_own_site_first_never_the_host_itself():
    from dcops_ansible.hostvars import ntp_servers_for

    sources = [("sc", "10.0.0.2"), ("ate", "10.1.0.1"), ("sc", "10.0.0.1")]
    assert ntp_servers_for(sources, "ate", None) == ["10.1.0.1", "10.0.0.1", "10.0.0.2"]
    assert ntp_servers_for(sources, "sc", "10.0.0.1") == ["10.0.0.2", "10.1.0.1"]


def test_every_role_default_is_specified():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    assert set(defaults) == set(specs)
    assert all(name.startswith("server_baseline_") for name in defaults)


# -- the servers: slow --------------------------------------------------------------------

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("debootstrap"):
        pytest.skip("needs root and debootstrap (scripts/bootstrap.sh) for namespace servers")
    from dcops_lab.netns.lab import ServerLab

    state = tmp_path_factory.mktemp("netns-lab")
    servers = ServerLab(state, MTPE, SERVERS)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def env(lab):
    return base_env(DCOPS_INVENTORY=str(MTPE), **lab.env())


@pytest.fixture(scope="module")
def hosts(lab):
    return {s.name: testinfra.get_host(f"paramiko://root@{s.address}", ssh_identity_file=str(lab.key_path),
                                       ssh_config=str(lab.ssh_config_path)) for s in lab.servers}


def run(env, lab, *args, output: list[str] | None = None):
    proc = playbook("server_baseline.yml", env, "-e", f"@{lab.extra_vars_path}", *args, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    if output is not None:
        output.append(proc.stdout)
    return recap(proc.stdout)


@pytest.mark.slow
def test_check_mode_reports_changes_and_changes_nothing(lab, env, hosts):
    before = {name: h.file("/etc/ssh/sshd_config").sha256sum for name, h in hosts.items()}
    out: list[str] = []
    result = run(env, lab, "--check", "--diff", output=out)
    assert set(result) == set(SERVERS)
    assert out[0].count('"msg": "would install chrony, prometheus-node-exporter"') == len(SERVERS)
    for name, host in hosts.items():
        assert result[name]["changed"] > 0 and result[name]["failed"] == 0
        assert not host.package("chrony").is_installed
        assert not host.package("prometheus-node-exporter").is_installed
        assert not host.file("/etc/apt/sources.list.d/dcops-server-baseline.list").exists
        assert host.file("/etc/ssh/sshd_config").sha256sum == before[name]


@pytest.mark.slow
def test_apply_then_testinfra_sees_the_baseline(lab, env, hosts):
    result = run(env, lab)
    for name, host in hosts.items():
        assert result[name]["changed"] > 0 and result[name]["failed"] == 0
        assert host.package("chrony").is_installed
        assert host.package("prometheus-node-exporter").is_installed
        conf = host.file("/etc/chrony/chrony.conf").content_string
        assert [line.split()[1] for line in conf.splitlines() if line.startswith("server ")] == \
            ["10.250.0.11", "10.250.0.12"]
        effective = dict(line.split(" ", 1) for line in host.check_output("sshd -T").splitlines() if " " in line)
        assert effective["permitrootlogin"] in ("without-password", "prohibit-password")
        assert effective["passwordauthentication"] == "no"
        assert effective["kbdinteractiveauthentication"] == "no"
        assert host.socket("tcp://22").is_listening
        assert host.socket("tcp://9100").is_listening
        assert host.process.filter(comm="chronyd")
        assert "-x" in host.file("/etc/default/chrony").content_string
        assert host.process.filter(comm="prometheus-node")
        assert host.service("chrony").is_running and host.service("prometheus-node-exporter").is_running


@pytest.mark.slow
def test_node_exporter_serves_metrics_and_sshd_refuses_passwords(lab):
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    for server in lab.servers:
        with direct.open(f"http://{server.address}:9100/metrics", timeout=10) as resp:
            assert b"node_exporter_build_info" in resp.read()
        transport = paramiko.Transport((server.address, 22))
        try:
            transport.start_client(timeout=10)
            with pytest.raises(paramiko.BadAuthenticationType) as refused:
                transport.auth_password("root", "not-the-password")
            assert refused.value.allowed_types == ["publickey"]
        finally:
            transport.close()


@pytest.mark.slow
def test_second_run_changes_nothing(lab, env):
    result = run(env, lab)
    assert {name: (r["changed"], r["failed"]) for name, r in result.items()} == {s: (0, 0) for s in SERVERS}


@pytest.mark.slow
def test_a_host_without_ntp_servers_is_refused_by_name(lab, env):
    proc = playbook("server_baseline.yml", env, "-e", f"@{lab.extra_vars_path}", "-e",
                    '{"server_baseline_ntp_servers": []}', "--limit", "sc-srv-26", "--check", timeout=300)
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert "sc-srv-26: no NTP server - tag a device 'ntp'" in proc.stdout
    assert recap(proc.stdout)["sc-srv-26"]["failed"] == 1


@pytest.mark.slow
def test_stop_leaves_no_process_and_no_link(lab):
    import subprocess

    from dcops_lab.netns.lab import pid_namespace, pids_in

    namespaces = [pid_namespace(s) for s in lab.servers]
    veths = [s.veth for s in lab.servers]
    roots = [s.root for s in lab.servers]
    assert all(namespaces) and all(len(pids_in(ns)) > 3 for ns in namespaces)
    lab.stop()
    assert [pids_in(ns) for ns in namespaces] == [[] for _ in namespaces]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    assert not [v for v in veths if f" {v}@" in links or f" {v}:" in links]
    assert not [r for r in roots if r.exists()]
