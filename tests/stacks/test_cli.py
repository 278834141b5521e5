"""`dcops stack config | preview | import-existing` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fixture_paths import MINI  # noqa: E402
from typer.testing import CliRunner

from dcops_stacks.cli import app
from dcops_stacks.config import render
from dcops_stacks.program import STACKS_DIR

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def test_committed_stack_configs_are_what_config_generates(tmp_path):
    result = runner.invoke(app, ["config", "--stacks-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for stack, site in (("primary", "dcp"), ("alternate", "dca")):
        generated = (tmp_path / f"Pulumi.{stack}.yaml").read_text()
        assert generated == (STACKS_DIR / f"Pulumi.{stack}.yaml").read_text(), f"stacks/Pulumi.{stack}.yaml is stale"
        assert yaml.safe_load(generated)["config"]["dcops:site"] == site
        assert "Password" not in "".join(k for k in yaml.safe_load(generated)["config"])


def test_config_rerender_keeps_encrypted_secrets(mtpe, tmp_path):
    first = render(mtpe, "primary", tmp_path)
    doc = yaml.safe_load(first)
    doc["encryptionsalt"] = "v1:abc:def"
    doc["config"]["dcops:vcenterPassword"] = {"secure": "v1:AAAA"}
    again = render(mtpe, "primary", tmp_path, yaml.safe_dump(doc))
    kept = yaml.safe_load(again)
    assert kept["encryptionsalt"] == "v1:abc:def"
    assert kept["config"]["dcops:vcenterPassword"] == {"secure": "v1:AAAA"}
    assert render(mtpe, "primary", tmp_path, again) == again


def test_preview_json_counts_and_policies():
    result = runner.invoke(app, ["preview", "primary", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["site"] == "dcp" and doc["violations"] == []
    assert doc["counts"]["vsphere:index/virtualMachine:VirtualMachine"] == 43
    assert all(p["passed"] for p in doc["policies"])
    assert len(doc["resources"]) == sum(doc["counts"].values())


def test_preview_is_deterministic():
    first = runner.invoke(app, ["preview", "alternate", "--format", "json"])
    again = runner.invoke(app, ["preview", "alternate", "--format", "json"])
    assert first.exit_code == again.exit_code == 0
    assert first.stdout == again.stdout


def test_preview_table_shows_tree_counts_and_policies():
    result = runner.invoke(app, ["preview", "alternate"])
    assert result.exit_code == 0, result.output
    assert "stack alternate (site dca)" in result.stdout
    assert "+ vsphere:index/virtualMachine:VirtualMachine vm-portal-web-dca-01" in result.stdout
    assert "critical-service-counterpart" in result.stdout and "Resources by type" in result.stdout


def test_preview_exits_non_zero_on_a_mandatory_violation(mutate):
    def drop_portal(docs):
        docs["recovery.yaml"]["counterparts"] = [c for c in docs["recovery.yaml"]["counterparts"]
                                                 if not c["primary"].startswith("vm-portal-web")]
    inv = mutate(drop_portal)
    result = runner.invoke(app, ["preview", "alternate", "--inventory", str(inv.root)])
    assert result.exit_code == 1
    assert "critical service 'portal' has no counterpart" in result.stdout


def test_preview_rejects_unknown_stack_and_bad_inventory(tmp_path):
    result = runner.invoke(app, ["preview", "tertiary"])
    assert result.exit_code == 2 and "unknown stack 'tertiary'" in result.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("sites:\n- name: x\n  title: X\n  role: moon_base\n  status: active\n  provenance: assumption\n")
    result = runner.invoke(app, ["preview", "primary", "--inventory", str(bad)])
    assert result.exit_code == 2 and "sites[x].role" in result.stderr


def test_import_existing_adopts_todays_vms_where_the_program_declares_them(tmp_path, primary):
    out = tmp_path / "import.json"
    result = runner.invoke(app, ["import-existing", "--output", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert len(doc["resources"]) == 43
    urns = {r.urn for r in primary}
    vms = {r.name: r for r in primary if r.type.endswith(":VirtualMachine")}
    for entry in doc["resources"]:
        assert entry["type"] == "vsphere:index/virtualMachine:VirtualMachine"
        assert entry["id"] == f"/sc/vm/{entry['name']}"
        assert "clone" not in entry["properties"]
        assert doc["nameTable"][entry["parent"]] == vms[entry["name"]].parent
        assert doc["nameTable"][entry["provider"]] in urns


def test_import_existing_skips_new_vms(tmp_path):
    out = tmp_path / "import.json"
    result = runner.invoke(app, ["import-existing", "--stack", "alternate", "--inventory", str(MINI), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["resources"] == []  # dca's replica is new: nothing to adopt


@pytest.mark.slow
def test_preview_primary_from_a_clean_checkout(tmp_path):
    """The console script in a fresh process, outside the repo: no Pulumi CLI, no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    dcops = Path(sys.executable).with_name("dcops")
    proc = subprocess.run([str(dcops), "stack", "preview", "primary"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "stack primary (site dcp)" in proc.stdout and "violation" not in proc.stdout


def test_config_into_another_project_dir_records_the_inventory_relative_to_it(tmp_path):
    """`--stacks-dir` elsewhere: the directory is created, and the recorded dcops:inventory
    resolves, from that project directory, to the inventory the config was made from."""
    from dcops_stacks.program import inventory_location

    project = tmp_path / "deploy" / "dc"
    result = runner.invoke(app, ["config", "--stacks-dir", str(project), "-i", str(MINI)])
    assert result.exit_code == 0, result.output
    for stack in ("primary", "alternate"):
        value = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())["config"]["dcops:inventory"]
        assert not Path(value).is_absolute()
        assert (project / value).resolve() == MINI.resolve()
        assert inventory_location(value, project_dir=project) == MINI.resolve()
    assert "has no Pulumi.yaml" in result.stderr


def test_program_inventory_follows_config_then_variable_then_default(tmp_path, monkeypatch):
    from dcops_inventory import DEFAULT_INVENTORY
    from dcops_stacks.errors import StackError
    from dcops_stacks.program import inventory_location

    monkeypatch.setenv("DCOPS_INVENTORY", str(MINI))
    assert inventory_location(None, project_dir=tmp_path) == MINI
    monkeypatch.delenv("DCOPS_INVENTORY")
    assert inventory_location(None, project_dir=tmp_path) == DEFAULT_INVENTORY
    with pytest.raises(StackError, match="from Pulumi config dcops:inventory: no such file or directory"):
        inventory_location("../gone", project_dir=tmp_path)


def test_config_stacks_dir_that_is_a_file_exits_2(tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    result = runner.invoke(app, ["config", "--stacks-dir", str(target)])
    assert result.exit_code == 2
    assert f"--stacks-dir {target}: exists and is not a directory" in result.stderr
