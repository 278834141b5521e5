"""One way to choose the inventory: `-i/--inventory`, else $DCOPS_INVENTORY, else the embedded
MTPE one, for every command; a path that cannot be found exits 2 naming it and its origin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory.loader import DEFAULT_INVENTORY
from dcops_inventory.location import DEFAULT_ORIGIN, ENV_VAR, OPTION_ORIGIN, InventoryLocationError, resolve_inventory

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "fixtures" / "valid" / "minimal.yaml"  # devices hq-core-01, hq-core-02
MINI_STACKS = REPO / "tests" / "fixtures" / "stacks" / "mini"  # VMs vm-web-01 ..., no MTPE service
# Device names of the MTPE data center (<site>-<role>-<NN>): none may leak into a fixture's output.
MTPE_DEVICE = re.compile(r"\b(sc|ate|sjl|pb)-[a-z]+-\d+\b")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_inherited_choice(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


# --- the resolver ------------------------------------------------------------------------

def test_option_beats_the_variable_which_beats_the_default(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("meta: {name: other, title: Other}\n")
    env = {ENV_VAR: str(other)}
    assert resolve_inventory(MINIMAL, env=env).path == MINIMAL
    assert resolve_inventory(MINIMAL, env=env).origin == OPTION_ORIGIN
    assert resolve_inventory(None, env=env).path == other
    assert resolve_inventory(None, env=env).origin == ENV_VAR
    assert resolve_inventory("", env={ENV_VAR: ""}).path == DEFAULT_INVENTORY
    assert resolve_inventory(None, env={}).origin == DEFAULT_ORIGIN
    assert resolve_inventory(None, env={}).is_default


def test_relative_option_is_relative_to_base(tmp_path):
    assert resolve_inventory("valid/minimal.yaml", base=REPO / "tests" / "fixtures", env={}).path == MINIMAL


@pytest.mark.parametrize("setup, reason", [
    (lambda p: None, "no such file or directory"),
    (lambda p: p.mkdir(), "a directory without YAML files"),
    (lambda p: p.write_text("x"), "not a directory or a YAML file"),
])
def test_an_inventory_that_cannot_be_found_names_path_and_origin(tmp_path, setup, reason):
    path = tmp_path / "inv"
    setup(path)
    with pytest.raises(InventoryLocationError) as option:
        resolve_inventory(path, env={})
    assert str(option.value).startswith(f"inventory {path} from -i/--inventory: {reason}")
    with pytest.raises(InventoryLocationError) as env:
        resolve_inventory(None, env={ENV_VAR: str(path)})
    assert str(env.value).startswith(f"inventory {path} from {ENV_VAR}: {reason}")


# --- every command -----------------------------------------------------------------------

# (command line, inventory, text the fixture's output must contain)
COMMANDS = [
    (["inventory", "validate"], MINIMAL, "minimal: valid"),
    (["report", "query", "select name from devices order by name"], MINIMAL, "hq-core-01"),
    (["report", "racks"], MINIMAL, "hq-r01"),
    (["report", "eol"], MINIMAL, "Software past end of life"),
    (["ansible", "inventory", "--list"], MINIMAL, "hq-core-01"),
    (["prometheus", "render", "--out", "{tmp}/prom"], MINIMAL, "/prom: "),  # "<dir>: N files (...)"
    (["stack", "preview", "alternate"], MINI_STACKS, "vm-web-01"),
    (["stack", "import-existing", "--stack", "alternate", "-o", "-"], MINI_STACKS, '"resources": []'),
    (["stack", "config", "--stacks-dir", "{tmp}/stacks"], MINI_STACKS, "Pulumi.primary.yaml"),
]
IDS = [" ".join(c[0][:2]) for c in COMMANDS]


def _args(args: list[str], tmp_path: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp_path)) for a in args]


def _assert_fixture_output(result, expected: str) -> None:
    assert result.exit_code == 0, result.output
    assert expected in result.stdout
    assert not MTPE_DEVICE.search(result.stdout), MTPE_DEVICE.search(result.stdout)
    assert "vm-portal" not in result.stdout and "mtpe" not in result.stdout.lower()


@pytest.mark.parametrize("args, inventory, expected", COMMANDS, ids=IDS)
def test_option_selects_the_inventory(tmp_path, args, inventory, expected):
    result = runner.invoke(app, [*_args(args, tmp_path), "-i", str(inventory)])
    _assert_fixture_output(result, expected)


@pytest.mark.parametrize("args, inventory, expected", COMMANDS, ids=IDS)
def test_variable_selects_the_inventory(tmp_path, args, inventory, expected):
    result = runner.invoke(app, _args(args, tmp_path), env={ENV_VAR: str(inventory)})
    _assert_fixture_output(result, expected)


def test_prometheus_render_writes_the_selected_inventory(tmp_path):
    result = runner.invoke(app, ["prometheus", "render", "--out", str(tmp_path)], env={ENV_VAR: str(MINIMAL)})
    assert result.exit_code == 0, result.output
    assert "dcops_inventory: minimal" in (tmp_path / "prometheus.yml").read_text()


MISSING_PATH_COMMANDS = [c[0] for c in COMMANDS] + [
    ["inventory", "summary"], ["report", "diff", "HEAD"], ["ansible", "backup", "--check"],
    ["ansible", "compliance", "--check"], ["exporter", "serve", "--listen", "127.0.0.1:0"],
    ["lab", "start", "--state-dir", "{tmp}/lab"], ["lab", "run", "--workdir", "{tmp}/run"],
]


@pytest.mark.parametrize("args", MISSING_PATH_COMMANDS, ids=[" ".join(a[:2]) for a in MISSING_PATH_COMMANDS])
def test_a_missing_inventory_exits_2_naming_it(tmp_path, args):
    missing = tmp_path / "nowhere"
    by_option = runner.invoke(app, [*_args(args, tmp_path), "--inventory", str(missing)])
    assert by_option.exit_code == 2, by_option.output
    assert f"inventory {missing} from -i/--inventory: no such file or directory" in by_option.stderr
    by_env = runner.invoke(app, _args(args, tmp_path), env={ENV_VAR: str(missing)})
    assert by_env.exit_code == 2, by_env.output
    assert f"inventory {missing} from {ENV_VAR}: no such file or directory" in by_env.stderr
    assert not (tmp_path / "lab").exists() and not (tmp_path / "stacks").exists()


def test_an_empty_inventory_directory_is_an_error_not_mtpe(tmp_path):
    result = runner.invoke(app, ["prometheus", "render", "--out", str(tmp_path / "o")],
                           env={ENV_VAR: str(tmp_path)})
    assert result.exit_code == 2
    assert f"inventory {tmp_path} from {ENV_VAR}: a directory without YAML files" in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("how", ["option", "variable"])
def test_exporter_serve_loads_the_selected_inventory(tmp_path, how):
    """The real server on 127.0.0.1, port 0, until it logs what it loaded."""
    cmd = [sys.executable, "-m", "dcops", "exporter", "serve", "--listen", "127.0.0.1:0"]
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    if how == "option":
        cmd += ["-i", str(MINIMAL)]
    else:
        env[ENV_VAR] = str(MINIMAL)
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        deadline, line = time.monotonic() + 60, ""
        while time.monotonic() < deadline and "listening on" not in line:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
        assert "listening on 127.0.0.1:" in line and ", 2 devices" in line, line
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
