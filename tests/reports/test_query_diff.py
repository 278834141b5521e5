"""Diffing the inventory between two commits of a throw-away git repository."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops_inventory.errors import InventoryError
from dcops_reports.diff import RevisionError, diff_revisions

SUB = "inventory/small"


def git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=dcops tests", "-c", "user.email=tests@dcops.invalid", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", "-C", str(repo), *env_args, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def git_repo(tmp_path, small_dir) -> Path:
    """Commit 1: the small inventory. Commit 2 (tag v2): vm-b removed, dc1-srv-05 moved,
    dc1-srv-06 added, the title changed. Commit 3 (tag broken): a device in an unknown rack."""
    repo = tmp_path / "repo"
    inv = repo / SUB
    shutil.copytree(small_dir, inv)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "small inventory")
    git(repo, "tag", "v1")
    lines = (inv / "virtualization.yaml").read_text().splitlines(keepends=True)
    (inv / "virtualization.yaml").write_text("".join(line for line in lines if "{name: vm-b," not in line))
    edit(inv / "services.yaml", "runs_on: {vms: [vm-a, vm-b]}", "runs_on: {vms: [vm-a]}")
    edit(inv / "dcim.yaml", "rack: dc1-r02, position: 5", "rack: dc1-r02, position: 7")
    edit(inv / "dcim.yaml", "\ninterfaces:\n", "\n  - {name: dc1-srv-06, role: server, device_type: srv-2u, site: dc1,"
                                              " rack: dc1-r03, position: 1, provenance: assumption}\ninterfaces:\n")
    edit(inv / "common.yaml", "title: Small test data center", "title: Small test DC")
    git(repo, "commit", "-qam", "retire vm-b, move srv-05, add srv-06")
    git(repo, "tag", "v2")
    edit(inv / "dcim.yaml", "rack: dc1-r03, position: 1", "rack: dc1-r99, position: 1")
    git(repo, "commit", "-qam", "typo")
    git(repo, "tag", "broken")
    return repo


def test_diff_reports_added_removed_and_changed_fields(git_repo):
    result = diff_revisions(git_repo, "v1", "v2", SUB)
    assert result.added == {"devices": ["dc1-srv-06"]}
    assert result.removed == {"vms": ["vm-b"]}
    changed = {(c.collection, c.key): {f.field: (f.old, f.new) for f in c.fields}
               for chs in result.changed.values() for c in chs}
    assert changed == {
        ("meta", "small"): {"title": ("Small test data center", "Small test DC")},
        ("devices", "dc1-srv-05"): {"position": (5, 7)},
        ("services", "svc-a"): {"runs_on.vms": (["vm-a", "vm-b"], ["vm-a"])},
    }
    assert result.summary()["devices"] == {"added": 1, "removed": 0, "changed": 1}
    assert ("changed", "devices", "dc1-srv-05", "position", 5, 7) in result.rows()


def test_same_revision_has_no_changes(git_repo):
    assert diff_revisions(git_repo, "v1", "v1", SUB).empty


def test_working_tree_is_untouched(git_repo):
    before = git(git_repo, "status", "--porcelain")
    diff_revisions(git_repo, "v1", "v2", SUB)
    assert git(git_repo, "status", "--porcelain") == before
    assert git(git_repo, "worktree", "list").count("\n") == 0


def test_unknown_revision_and_missing_path(git_repo):
    with pytest.raises(RevisionError, match="unknown revision 'nope'"):
        diff_revisions(git_repo, "nope", "v2", SUB)
    with pytest.raises(RevisionError, match="'inventory/other' cannot be exported"):
        diff_revisions(git_repo, "v1", "v2", "inventory/other")
    with pytest.raises(RevisionError, match="invalid revision"):
        diff_revisions(git_repo, "--output=/tmp/x", "v2", SUB)


def test_invalid_revision_names_rev_and_file(git_repo):
    with pytest.raises(InventoryError) as info:
        diff_revisions(git_repo, "v2", "broken", SUB)
    [problem] = info.value.problems
    assert problem.file == f"broken:{SUB}/dcim.yaml"
    assert "unknown rack 'dc1-r99'" in problem.reason


def test_cli_diff_formats_and_errors(git_repo, cli_app):
    runner = CliRunner()
    inv_dir = str(git_repo / SUB)
    res = runner.invoke(cli_app, ["diff", "v1", "v2", "--inventory", inv_dir, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["added"] == {"devices": ["dc1-srv-06"]} and doc["removed"] == {"vms": ["vm-b"]}
    res = runner.invoke(cli_app, ["diff", "v1", "v2", "--inventory", inv_dir, "--format", "csv"])
    assert res.exit_code == 0 and "changed,devices,dc1-srv-05,position,5,7" in res.stdout
    res = runner.invoke(cli_app, ["diff", "v1", "v2", "--inventory", inv_dir])
    assert res.exit_code == 0 and "dc1-srv-06" in res.stdout
    res = runner.invoke(cli_app, ["diff", "v2", "broken", "--inventory", inv_dir])
    assert res.exit_code == 2 and f"broken:{SUB}/dcim.yaml" in res.stderr
    res = runner.invoke(cli_app, ["diff", "nope", "--inventory", inv_dir])
    assert res.exit_code == 2 and "unknown revision 'nope'" in res.stderr


def test_cli_diff_exit_code_for_scripts(git_repo, cli_app):
    runner = CliRunner()
    inv_dir = str(git_repo / SUB)
    res = runner.invoke(cli_app, ["diff", "v1", "v2", "--inventory", inv_dir, "--exit-code"])
    assert res.exit_code == 1 and "dc1-srv-06" in res.stdout  # differences: 1, the report still printed
    res = runner.invoke(cli_app, ["diff", "v1", "v2", "--inventory", inv_dir, "--exit-code", "-f", "json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["added"] == {"devices": ["dc1-srv-06"]}
    res = runner.invoke(cli_app, ["diff", "v1", "v1", "--inventory", inv_dir, "--exit-code"])
    assert res.exit_code == 0 and "no changes" in res.stdout
    res = runner.invoke(cli_app, ["diff", "v1", "v2", "--inventory", inv_dir])
    assert res.exit_code == 0  # without the option a difference is not a failure
    res = runner.invoke(cli_app, ["diff", "nope", "--inventory", inv_dir, "--exit-code"])
    assert res.exit_code == 2  # bad input stays 2, never confused with "differs"
