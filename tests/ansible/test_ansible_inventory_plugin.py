"""Golden tests: each `golden/<case>.dcops.yml` plugin config gives exactly
`golden/<case>.json` from `ansible-inventory --list` (DCOPS_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from ansible_testlib import REPO, base_env

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name[: -len(".dcops.yml")] for p in GOLDEN.glob("*.dcops.yml"))


def ansible_inventory(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ansible-inventory", "-i", str(config), "--list", *args], cwd=REPO,
                          env=base_env(), capture_output=True, text=True, timeout=120)


def normalised(stdout: str) -> dict:
    return json.loads(stdout.replace(str(REPO), "<repo>"))


def plain(value):
    """ansible-core 2.19 prints untrusted inventory strings as {"__ansible_unsafe": ...}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_plugin_config_gives_golden_inventory(case):
    proc = ansible_inventory(GOLDEN / f"{case}.dcops.yml")
    assert proc.returncode == 0, proc.stderr
    got = normalised(proc.stdout)
    expected_file = GOLDEN / f"{case}.json"
    if os.environ.get("DCOPS_UPDATE_GOLDEN"):
        expected_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(expected_file.read_text())


@pytest.mark.slow
def test_lab_map_hosts_get_loopback_endpoints_only():
    got = plain(normalised(ansible_inventory(GOLDEN / "lab_address_map.dcops.yml").stdout))
    hostvars = got["_meta"]["hostvars"]
    assert sorted(hostvars) == ["sc-core-01", "sc-dist-01", "sc-fw-01"]
    assert {h["ansible_host"] for h in hostvars.values()} == {"127.0.0.1"}
    assert hostvars["sc-fw-01"]["ansible_port"] == 20003


@pytest.mark.slow
def test_bad_option_fails_naming_the_option(tmp_path):
    config = tmp_path / "dcops.yml"
    config.write_text(f"plugin: dcops\ninventory_path: {REPO}/tests/fixtures/ansible/inventory\n"
                      "group_by: [site, colour]\n")
    proc = subprocess.run(["ansible-inventory", "-i", str(config), "--list"], cwd=REPO, env=base_env(
        ANSIBLE_INVENTORY_UNPARSED_FAILED="true"), capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "group_by" in proc.stderr and "colour" in proc.stderr


MINIMAL = "tests/fixtures/valid/minimal.yaml"  # relative to the working directory (the repo)


@pytest.mark.slow
def test_dcops_inventory_variable_selects_the_inventory():
    """inventory/dcops.yml sets no inventory_path: DCOPS_INVENTORY, relative to the working directory."""
    proc = subprocess.run(["ansible-inventory", "-i", "inventory/dcops.yml", "--list"], cwd=REPO,
                          env=base_env(DCOPS_INVENTORY=MINIMAL), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert sorted(json.loads(proc.stdout)["_meta"]["hostvars"]) == ["hq-core-01", "hq-core-02"]


@pytest.mark.slow
def test_inventory_path_in_the_file_beats_the_variable():
    proc = subprocess.run(["ansible-inventory", "-i", str(GOLDEN / "default.dcops.yml"), "--list"], cwd=REPO,
                          env=base_env(DCOPS_INVENTORY=MINIMAL), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    hosts = json.loads(proc.stdout)["_meta"]["hostvars"]
    assert "sc-core-01" in hosts and "hq-core-01" not in hosts


@pytest.mark.slow
@pytest.mark.parametrize("where", ["variable", "file"])
def test_an_inventory_that_cannot_be_found_fails_naming_it(tmp_path, where):
    config = tmp_path / "dcops.yml"
    missing = tmp_path / "nowhere"
    if where == "file":
        config.write_text("plugin: dcops\ninventory_path: nowhere\n")
        env, origin = base_env(), f"inventory_path in {config}"
    else:
        config.write_text("plugin: dcops\n")
        env, origin = base_env(DCOPS_INVENTORY=str(missing)), "DCOPS_INVENTORY"
    proc = subprocess.run(["ansible-inventory", "-i", str(config), "--list"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0  # ansible.cfg: unparsed_is_failed, never an empty inventory and exit 0
    assert "nowhere" in proc.stderr and f"from {origin}: no such file or directory" in " ".join(proc.stderr.split())


@pytest.mark.slow
def test_ansible_doc_shows_the_plugin():
    proc = subprocess.run(["ansible-doc", "-t", "inventory", "dcops"], cwd=REPO, env=base_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "management_address" in proc.stdout and "EXAMPLES" in proc.stdout


def test_secret_values_never_reach_hostvars(monkeypatch):
    from dcops_ansible.hostvars import build_view
    from dcops_inventory import load_inventory

    monkeypatch.setenv("DCOPS_NET_PASSWORD", "s3cret-value")
    view = build_view(load_inventory(REPO / "tests/fixtures/ansible/inventory"))
    assert "s3cret-value" not in json.dumps(view.to_dict())
    assert view.hosts["sc-core-01"]["ansible_user"] == "netadmin"


@pytest.mark.slow
def test_cli_list_matches_the_plugin():
    config = GOLDEN / "default.dcops.yml"
    plugin = plain(normalised(ansible_inventory(config).stdout))
    proc = subprocess.run(["dcops", "ansible", "inventory", "--list", "-i", str(REPO / "tests/fixtures/ansible/inventory")],
                          cwd=REPO, env=base_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    cli = json.loads(proc.stdout.replace(str(REPO), "<repo>"))
    assert cli["_meta"]["hostvars"].keys() == plugin["_meta"]["hostvars"].keys()
    for host, hostvars in cli["_meta"]["hostvars"].items():
        assert hostvars.items() <= plugin["_meta"]["hostvars"][host].items(), host
    assert {g: v["hosts"] for g, v in cli.items() if "hosts" in v} == \
        {g: v["hosts"] for g, v in plugin.items() if "hosts" in v}
