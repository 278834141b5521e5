"""`dcops` mounts every group: a planned group whose package is absent stays hidden, a group
that is installed but does not import is reported as broken, never silently dropped."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops.cli import EXIT_BROKEN, GROUPS, make_app

runner = CliRunner()


@pytest.fixture
def groups(tmp_path, monkeypatch):
    """A package whose cli needs a dependency that is not installed, one whose cli module is
    missing, one that fails at import, a planned group without a package, and a good one."""
    pkg = tmp_path / "dcops_testgroup"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "needs_dep.py").write_text("import dcops_no_such_dependency\n")
    (pkg / "raises.py").write_text("raise RuntimeError('bad config at import')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return {
        "inventory": GROUPS["inventory"],
        "dep": ("dcops_testgroup.needs_dep", "Needs a dependency."),
        "nomod": ("dcops_testgroup.cli", "Its module is missing."),
        "raises": ("dcops_testgroup.raises", "Raises at import."),
        "planned": ("dcops_planned_not_written.cli", "A group for later."),
    }


def test_every_shipped_group_imports():
    app = make_app()
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "BROKEN" not in result.output
    for name in ("inventory", "report", "ansible", "exporter", "prometheus", "stack", "lab"):
        assert name in result.output


def test_planned_group_is_hidden_broken_ones_are_listed(groups):
    result = runner.invoke(make_app(groups), ["--help"])
    assert result.exit_code == 0
    assert "planned" not in result.output
    for name in ("dep", "nomod", "raises"):
        assert f"{name} " in result.output
    assert result.output.count("BROKEN") == 3
    assert "dcops_no_such_dependency" in result.output


@pytest.mark.parametrize("name, reason", [
    ("dep", "cannot import dcops_testgroup.needs_dep: ModuleNotFoundError: No module named 'dcops_no_such_dependency'"),
    ("nomod", "cannot import dcops_testgroup.cli: ModuleNotFoundError: No module named 'dcops_testgroup.cli'"),
    ("raises", "cannot import dcops_testgroup.raises: RuntimeError: bad config at import"),
])
def test_running_a_broken_group_fails_with_the_import_error(groups, name, reason):
    result = runner.invoke(make_app(groups), [name, "anything", "--with-options"])
    assert result.exit_code == EXIT_BROKEN
    assert f"dcops {name}: this install is broken: {reason}" in result.stderr


def test_other_groups_still_run_and_warn(groups):
    minimal = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "minimal.yaml"
    result = runner.invoke(make_app(groups), ["inventory", "validate", "-i", str(minimal)])
    assert result.exit_code == 0 and "minimal: valid" in result.stdout
    assert "dcops: warning: command group 'dep' is broken" in result.stderr
    result = runner.invoke(make_app(groups), ["planned"])
    assert result.exit_code == 2 and "No such command 'planned'" in result.output
