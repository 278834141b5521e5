"""A second organisation end to end: the fictional Acme General Hospital inventory
(tests/fixtures/valid/acme-hospital), with its own sites, source documents and service
channels, goes through every command that reads an inventory, chosen with -i and with
DCOPS_INVENTORY. Each must succeed, and nothing of the MTPE (its names, its site codes,
its devices, VMs and clusters) may appear in any output: no default leaks through."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import DEFAULT_INVENTORY, load_inventory
from dcops_inventory.location import ENV_VAR

REPO = Path(__file__).resolve().parents[2]
ACME = REPO / "tests" / "fixtures" / "valid" / "acme-hospital"
VENV_BIN = Path(sys.executable).parent

runner = CliRunner()


def _mtpe_pattern() -> re.Pattern:
    """MTPE's words, site codes as whole names, and every device, VM and cluster name."""
    mtpe = load_inventory(DEFAULT_INVENTORY)
    names = {r.name for r in (*mtpe.devices, *mtpe.vms, *mtpe.clusters, *mtpe.sites)}
    whole = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return re.compile(rf"mtpe|ministerio|sede central|(?<![\w-])sc-|(?<![\w-])(?:{whole})(?![\w-])",
                      re.IGNORECASE)


MTPE = _mtpe_pattern()


def assert_no_mtpe(text: str, where: str) -> None:
    found = sorted({m.group(0) for m in MTPE.finditer(text)})
    assert not found, f"{where} shows MTPE names: {found}"


@pytest.fixture(autouse=True)
def _no_inherited_choice(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_the_fixture_is_another_organisation():
    inv = load_inventory(ACME)
    assert inv.meta.name == "acme-hospital"
    assert [s.name for s in inv.meta.sources] == ["itplan", "netaudit"]
    assert [c.name for c in inv.meta.channels] == ["clinician", "patient", "partner"]
    assert {s.name for s in inv.sites} == {"campus", "riverside", "north", "south"}
    for path in sorted(ACME.glob("*.yaml")):
        assert_no_mtpe(path.read_text(), path.name)


# (command line, text the output must contain); {tmp} is the test's directory.
COMMANDS = [
    (["inventory", "validate"], "acme-hospital: valid — 4 sites, 4 racks, 11 devices, 7 VMs, 3 services"),
    (["inventory", "summary"], "5/5 rows match; 1 discrepancies recorded."),
    (["inventory", "summary", "--format", "json"], '"name": "netaudit"'),
    (["report", "query", "select name from vms order by name"], "vm-ehr-app-01"),
    (["prometheus", "render", "--out", "{tmp}/prom"], "/prom: "),  # "<dir>: N files (...)"
    (["stack", "preview", "primary"], "vm-patientweb-01"),
    (["stack", "preview", "alternate"], "vm-ehr-app-south-01"),
    (["stack", "config", "--stacks-dir", "{tmp}/stacks"], "Pulumi.alternate.yaml"),
]
IDS = [" ".join(c[0][:2]) + (" json" if "json" in c[0] else "") for c in COMMANDS]


def _run(args: list[str], tmp_path: Path, how: str):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if how == "option":
        return runner.invoke(app, [*args, "-i", str(ACME)])
    return runner.invoke(app, args, env={ENV_VAR: str(ACME)})


def _written(tmp_path: Path) -> str:
    """Every file a command wrote under tmp_path (rendered configuration, stack settings)."""
    return "\n".join(p.read_text() for p in sorted(tmp_path.rglob("*")) if p.is_file())


@pytest.mark.parametrize("how", ["option", "variable"])
@pytest.mark.parametrize("args, expected", COMMANDS, ids=IDS)
def test_every_command_serves_the_second_inventory(tmp_path, args, expected, how):
    result = _run(args, tmp_path, how)
    assert result.exit_code == 0, result.output
    assert expected in result.stdout
    assert_no_mtpe(result.output, " ".join(args[:2]))
    assert_no_mtpe(_written(tmp_path), f"files written by {' '.join(args[:2])}")


def test_summary_titles_the_tables_from_the_declared_sources(tmp_path):
    result = _run(["inventory", "summary"], tmp_path, "option")
    assert "Table A (clinical applications) (itplan:apps)" in result.stdout
    assert "Table B (infrastructure) (itplan:hw)" in result.stdout
    assert "Where the sources disagree" in result.stdout
    data = json.loads(_run(["inventory", "summary", "--format", "json"], tmp_path, "option").stdout)
    assert [(r["source"], r["table"], r["row"]) for r in data["rows"]] == [
        ("itplan", "apps", 1), ("itplan", "apps", 2), ("itplan", "apps", 3), ("itplan", "hw", 1), ("itplan", "hw", 2)]
    assert data["discrepancies"][0]["figures"] == [{"cite": "itplan:hw/1", "value": 2, "line": 60},
                                                   {"cite": "netaudit:line30", "value": 3, "line": 30}]


def test_rendered_files_belong_to_the_second_inventory(tmp_path):
    assert _run(["stack", "config", "--stacks-dir", "{tmp}/stacks"], tmp_path, "variable").exit_code == 0
    primary = yaml.safe_load((tmp_path / "stacks" / "Pulumi.primary.yaml").read_text())["config"]
    assert primary["dcops:site"] == "north"
    assert primary["dcops:vcenterServer"] == "vc-north.acme-hospital.example"
    assert primary["dcops:vcenterUser"] == "automation@vsphere.acme-hospital.example"
    assert primary["dcops:esxiUser"] == "root"
    assert _run(["prometheus", "render", "--out", "{tmp}/prom"], tmp_path, "option").exit_code == 0
    assert "dcops_inventory: acme-hospital" in (tmp_path / "prom" / "prometheus.yml").read_text()
    targets = json.loads((tmp_path / "prom" / "targets" / "if_mib_30s.json").read_text())
    assert sorted(t for group in targets for t in group["targets"]) == ["campus-core-01", "campus-core-02", "campus-fw-01"]


def test_a_site_without_a_vcenter_is_an_error_naming_it(tmp_path):
    copy = tmp_path / "acme"
    shutil.copytree(ACME, copy)
    sites = copy / "sites.yaml"
    doc = yaml.safe_load(sites.read_text())
    del next(s for s in doc["sites"] if s["name"] == "north")["vcenter"]
    sites.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    for args in (["stack", "preview", "primary"], ["stack", "config", "--stacks-dir", str(tmp_path / "stacks")]):
        result = runner.invoke(app, [*args, "-i", str(copy)])
        assert result.exit_code == 2, result.output
        assert "site 'north', which stack 'primary' builds, has no `vcenter` in the inventory" in result.stderr
    assert runner.invoke(app, ["stack", "preview", "alternate", "-i", str(copy)]).exit_code == 0


def _ansible_env(**extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DCOPS_", "ANSIBLE_"))}
    env.update(PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", DCOPS_LAB_ONLY="1",
               ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **extra)
    return env


@pytest.mark.slow
@pytest.mark.parametrize("how", ["inventory_path", "variable"])
def test_the_ansible_plugin_serves_the_second_inventory(tmp_path, how):
    if how == "inventory_path":  # the plugin file names the inventory
        config = tmp_path / "acme.dcops.yml"
        config.write_text(f"plugin: dcops\ninventory_path: {ACME}\n")
        env = _ansible_env()
    else:  # the repository's plugin file names none: DCOPS_INVENTORY decides
        config = REPO / "inventory" / "dcops.yml"
        env = _ansible_env(DCOPS_INVENTORY=str(ACME))
    proc = subprocess.run(["ansible-inventory", "-i", str(config), "--list"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert sorted(got["_meta"]["hostvars"]) == ["campus-core-01", "campus-core-02", "campus-esx-01",
                                                "campus-esx-02", "campus-fw-01", "riverside-sw-01"]
    assert "site_riverside" in got
    assert_no_mtpe(proc.stdout + proc.stderr, f"ansible-inventory ({how})")
