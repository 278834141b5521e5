"""`dcops report query` answered from the query store before anything heavy is imported.

A warm query on a 50k-device inventory is ~0.05 s of hashing and DuckDB; importing every
command group of `dcops` (Pulumi, Ansible, pydantic models, ...) costs ~1 s. So `dcops`
hands a `report query` command line here first (dcops/cli.py `main`), and this module,
which imports only the standard library, DuckDB, the store and the output renderers,
answers it when a store for the inventory's current content exists.

It answers only what it fully understands: the SQL, `-f/--format`, `-i/--inventory`,
`--cache-dir`. Anything else - `--no-cache`, `--help`, an unknown option, an inventory path
that is not there, a missing or unreadable store - returns None, and the typer command
(cli.py) runs as usual, with its own messages and the store build. The inventory is chosen
as resolve_inventory does (option, $DCOPS_INVENTORY, the embedded default), and a result
is rendered and a bad statement reported exactly as the typer command does.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import duckdb

from dcops_reports.store import QueryStore, default_cache_dir, fingerprint, inventory_files

BAD_INPUT = 2
ENV_INVENTORY = "DCOPS_INVENTORY"  # dcops_inventory.location.ENV_VAR; a test keeps them equal
_VALUED = {"-f": "format", "--format": "format", "-i": "inventory", "--inventory": "inventory",
           "--cache-dir": "cache_dir"}
_FORMATS = ("table", "csv", "json")  # output.FORMATS, without importing rich before it is needed


def parse(args: list[str]) -> dict[str, str] | None:
    """{sql, format, inventory?, cache_dir?} from the arguments after `report query`, or None
    when they hold anything this path leaves to the typer command."""
    out: dict[str, str] = {"format": "table"}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if arg.startswith("--") and eq and name in _VALUED:
            out[_VALUED[name]] = value
        elif arg in _VALUED and i + 1 < len(args):
            out[_VALUED[arg]] = args[i + 1]
            i += 1
        elif arg.startswith("-") or "sql" in out:
            return None  # an option typer knows better (--no-cache, --help, -fjson), or a second SQL
        else:
            out["sql"] = arg
        i += 1
    if "sql" not in out or out["format"] not in _FORMATS:
        return None
    return out


def default_inventory() -> Path | None:
    """The embedded inventory (dcops_inventory.loader.DEFAULT_INVENTORY), found without
    importing the package: `<inventory folder>/mtpe` beside `dcops_inventory`."""
    spec = importlib.util.find_spec("dcops_inventory")
    locations = spec.submodule_search_locations if spec else None
    return Path(next(iter(locations))).parent / "mtpe" if locations else None


def inventory_path(option: str | None) -> Path | None:
    """The inventory to read, chosen as resolve_inventory does; None when it is not a
    directory holding YAML or a YAML file (the typer command reports that)."""
    if option:
        path = Path(os.path.abspath(Path.cwd() / Path(option).expanduser()))
    elif os.environ.get(ENV_INVENTORY):
        path = Path(os.path.abspath(Path.cwd() / Path(os.environ[ENV_INVENTORY]).expanduser()))
    else:
        path = default_inventory()
    if path is None or not (path.is_dir() or (path.is_file() and path.suffix in (".yaml", ".yml"))):
        return None
    if path.is_dir() and not inventory_files(path):
        return None
    return path


def answer(args: list[str]) -> int | None:
    """Answer `dcops report query ARGS` from the store: the exit status, or None to leave
    the command to the typer path."""
    opts = parse(args)
    if opts is None:
        return None
    path = inventory_path(opts.get("inventory"))
    if path is None:
        return None
    cache_dir = Path(opts["cache_dir"]) if "cache_dir" in opts else default_cache_dir()
    try:
        key = fingerprint(path)
    except OSError:
        return None
    con = QueryStore(cache_dir).open(key)
    if con is None:
        return None
    try:
        result = execute(con, opts["sql"])
    finally:
        con.close()
    if isinstance(result, str):
        sys.stderr.write(f"query error: {result}\n")
        return BAD_INPUT
    from dcops_reports.output import render

    sys.stdout.write(render(result[0], result[1], opts["format"]))
    sys.stdout.flush()
    return 0


def execute(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]] | str:
    """(columns, rows), or DuckDB's message for a statement it rejects (as views.run_query)."""
    try:
        cur = con.execute(sql)
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()
    except duckdb.Error as exc:
        return f"{type(exc).__name__}: {exc}"

