"""The compiled query store behind `dcops report query`: reused while the inventory is
unchanged, rebuilt after any edit (one keeping the size and the mtime too), never written
for an invalid inventory, safe when two runs build it at once, bypassed by --no-cache, and
answering exactly what the in-memory views answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops_inventory.loader import DEFAULT_INVENTORY, YAML_SUFFIXES
from dcops_inventory.loader import inventory_files as loader_files
from dcops_inventory.location import ENV_VAR
from dcops_reports import quick, store

runner = CliRunner()
BUILT = "query store: built"
SERIAL = "FOC001"  # a device's serial in the small fixture's dcim.yaml; edits keep its length
DEVICE_SQL = "SELECT name, serial FROM devices ORDER BY name"


def query(app, inv: Path, cache: Path, sql: str = DEVICE_SQL, *extra: str):
    return runner.invoke(app, ["query", sql, "-i", str(inv), "--cache-dir", str(cache), "-f", "json", *extra])


def stores(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.duckdb")) if cache.is_dir() else []


def serials(result) -> dict[str, str]:
    return {r["name"]: r["serial"] for r in json.loads(result.stdout)}


def test_store_reused_while_the_inventory_is_unchanged(cli_app, small_copy, tmp_path):
    cache = tmp_path / "cache"
    first = query(cli_app, small_copy, cache)
    assert first.exit_code == 0, first.output
    assert BUILT in first.stderr
    [path] = stores(cache)
    before = path.stat()
    again = query(cli_app, small_copy, cache)
    assert again.exit_code == 0 and BUILT not in again.stderr
    assert again.stdout == first.stdout
    after = path.stat()
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)
    assert stores(cache) == [path]


def test_edit_keeping_size_and_mtime_rebuilds(cli_app, small_copy, tmp_path):
    cache = tmp_path / "cache"
    assert serials(query(cli_app, small_copy, cache))["dc1-core-01"] == SERIAL
    dcim = small_copy / "dcim.yaml"
    st = dcim.stat()
    text = dcim.read_text()
    assert text.count(SERIAL) == 1
    dcim.write_text(text.replace(SERIAL, "FOC009"))
    os.utime(dcim, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime: only the bytes differ
    assert (dcim.stat().st_size, dcim.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    edited = query(cli_app, small_copy, cache)
    assert edited.exit_code == 0, edited.output
    assert BUILT in edited.stderr
    assert serials(edited)["dc1-core-01"] == "FOC009"
    assert len(stores(cache)) == 2  # the old state's store stays until pruned (KEEP)


def test_new_file_and_renamed_file_rebuild(cli_app, small_copy, tmp_path):
    cache = tmp_path / "cache"
    query(cli_app, small_copy, cache)
    (small_copy / "network.yaml").rename(small_copy / "network2.yaml")
    assert BUILT in query(cli_app, small_copy, cache).stderr


def test_invalid_inventory_exits_2_and_writes_no_store(cli_app, small_copy, tmp_path):
    cache = tmp_path / "cache"
    dcim = small_copy / "dcim.yaml"
    dcim.write_text(dcim.read_text().replace("device_type: ", "device_typ: ", 1))
    res = query(cli_app, small_copy, cache)
    assert res.exit_code == 2
    assert "unknown key" in res.stderr and res.stdout == ""
    assert not cache.exists() or list(cache.iterdir()) == []


def test_no_cache_reads_and_writes_no_store(cli_app, small_copy, tmp_path):
    cache = tmp_path / "cache"
    res = query(cli_app, small_copy, cache, DEVICE_SQL, "--no-cache")
    assert res.exit_code == 0 and BUILT not in res.stderr
    assert not cache.exists()
    assert serials(res)["dc1-core-01"] == SERIAL


SQLS = [
    DEVICE_SQL,
    "SHOW TABLES",
    "DESCRIBE interfaces",
    "SELECT * FROM interfaces ORDER BY device, port_index NULLS LAST, name",
    "SELECT * FROM vms ORDER BY name",
    "SELECT name, member_count, minimum_members FROM redundancy_groups ORDER BY name",
    "SELECT * FROM service_dependencies ORDER BY ALL",
]


@pytest.mark.parametrize("sql", SQLS)
def test_cached_and_uncached_results_are_identical(cli_app, small_dir, tmp_path, sql):
    cache = tmp_path / "cache"
    cold = query(cli_app, small_dir, cache, sql)
    warm = query(cli_app, small_dir, cache, sql)
    uncached = query(cli_app, small_dir, cache, sql, "--no-cache")
    assert cold.exit_code == warm.exit_code == uncached.exit_code == 0, cold.output
    assert json.loads(cold.stdout)  # not empty
    assert cold.stdout == warm.stdout == uncached.stdout


def test_bad_sql_from_the_store_is_the_same_error(cli_app, small_dir, tmp_path, capsys):
    cache = tmp_path / "cache"
    query(cli_app, small_dir, cache)
    code = quick.answer(["SELECT nme FROM devices", "-i", str(small_dir), "--cache-dir", str(cache)])
    from_store = capsys.readouterr()
    res = query(cli_app, small_dir, cache, "SELECT nme FROM devices", "--no-cache")
    assert code == res.exit_code == 2
    assert from_store.out == res.stdout == ""
    assert from_store.err == res.stderr
    assert 'query error: BinderException: Binder Error: Referenced column "nme" not found' in res.stderr


def test_quick_path_answers_only_from_an_existing_store(cli_app, small_dir, tmp_path, capsys):
    cache = tmp_path / "cache"
    args = [DEVICE_SQL, "-i", str(small_dir), "--cache-dir", str(cache), "--format", "csv"]
    assert quick.answer(args) is None  # no store yet: the full command builds it
    full = runner.invoke(cli_app, ["query", *args])
    assert full.exit_code == 0 and BUILT in full.stderr
    assert quick.answer(args) == 0
    assert capsys.readouterr().out == full.stdout


@pytest.mark.parametrize("args", [
    [DEVICE_SQL, "--no-cache"], [DEVICE_SQL, "--help"], [DEVICE_SQL, "-fjson"], [DEVICE_SQL, "extra"],
    ["-f", "json"], [DEVICE_SQL, "-f", "xml"], [DEVICE_SQL, "--site", "sc"],
])
def test_quick_path_leaves_what_it_does_not_understand_to_typer(args):
    assert quick.parse(args) is None


def test_quick_path_parses_the_options_it_answers():
    assert quick.parse(["-i", "inv", "--format=json", DEVICE_SQL, "--cache-dir", "c"]) == {
        "sql": DEVICE_SQL, "format": "json", "inventory": "inv", "cache_dir": "c"}


def test_quick_path_chooses_the_inventory_as_the_loader_does(monkeypatch, small_dir, tmp_path):
    assert quick.ENV_INVENTORY == ENV_VAR
    assert store.YAML_SUFFIXES == YAML_SUFFIXES
    assert quick.default_inventory() == DEFAULT_INVENTORY
    for root in (small_dir, DEFAULT_INVENTORY, small_dir / "dcim.yaml"):
        assert store.inventory_files(root) == loader_files(root)
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert quick.inventory_path(None) == DEFAULT_INVENTORY
    monkeypatch.setenv(ENV_VAR, str(small_dir))
    assert quick.inventory_path(None) == small_dir
    assert quick.inventory_path(str(tmp_path / "nowhere")) is None
    assert quick.inventory_path(str(tmp_path)) is None  # no YAML: the full command names the problem


def test_code_change_is_a_new_key(small_dir, monkeypatch):
    key = store.fingerprint(small_dir)
    monkeypatch.setattr(store, "FORMAT", store.FORMAT + 1)
    assert store.fingerprint(small_dir) != key


@pytest.mark.slow
def test_two_concurrent_runs_build_one_complete_store(small_dir, tmp_path):
    """Two `dcops report query` processes racing on an empty cache: both answer, one store
    remains, no temporary file is left behind."""
    cache = tmp_path / "cache"
    cmd = [str(Path(sys.executable).parent / "dcops"), "report", "query", DEVICE_SQL, "-i", str(small_dir),
           "--cache-dir", str(cache), "-f", "json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert outs[0][0] == outs[1][0] and serials_of(outs[0][0])["dc1-core-01"] == SERIAL
    assert [p.name for p in cache.iterdir()] == [stores(cache)[0].name]
    warm = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert warm.stdout == outs[0][0] and BUILT not in warm.stderr


def serials_of(stdout: str) -> dict[str, str]:
    return {r["name"]: r["serial"] for r in json.loads(stdout)}


def test_warm_query_imports_neither_the_models_nor_the_other_groups(cli_app, small_dir, tmp_path):
    """The warm path's speed is what it does not import: a second `dcops report query` runs
    with no pydantic, no inventory package and no other command group loaded."""
    cache = tmp_path / "cache"
    assert query(cli_app, small_dir, cache).exit_code == 0
    probe = ("import sys\n"
             "from dcops.cli import main\n"
             f"sys.argv = ['dcops', 'report', 'query', {DEVICE_SQL!r}, '-i', {str(small_dir)!r},"
             f" '--cache-dir', {str(cache)!r}, '-f', 'json']\n"
             "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
             "heavy = sorted(m for m in ('pydantic', 'dcops_inventory', 'dcops_stacks', 'dcops_ansible', 'pulumi')"
             " if m in sys.modules)\n"
             "sys.stderr.write(f'exit={code} heavy={heavy}\\n')\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "exit=0 heavy=[]" in proc.stderr, proc.stderr
    assert serials_of(proc.stdout)["dc1-core-01"] == SERIAL
