"""The compiled query store: every view of one inventory state in a DuckDB file, reused
until the inventory changes.

Loading and validating a 50k-device inventory costs seconds and building its views more;
a planner asking question after question of the same inventory would pay it every time.
Like the Ansible plugin's compiled view (dcops_ansible/compiled.py), the views are built
once per inventory state and read back: a repeated `dcops report query` opens the file
read-only and runs the statement.

The key is a content hash, not file times: sha256 over every inventory file's relative
path, size and bytes (~0.04 s for the 46 MB of a 50k-device inventory), so an edit that
keeps the size and restores the mtime still misses. The code that decides what a store
holds (the inventory package: models, loader, checks; the views and tables modules) is
part of the key by its files' (path, size, mtime), as are the store format and DuckDB's
version, so a new release or an edited model never reads an old store.

This module imports only the standard library and DuckDB: the warm path (quick.py) must
not pay for pydantic, the models or typer. Callers build a store only from an inventory
that validated (an invalid one exits before), check that the key still holds after the
load (an edit during the load would file new content under the old key), and write it
atomically: into a temporary file in the cache directory, checkpointed, then renamed, so
a concurrent reader sees the old file or the new, and two concurrent builders each rename
a complete file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path

import duckdb

FORMAT = 1  # bump when the layout of a store changes beyond what the code key catches
KEEP = 4  # stores kept per cache directory (each inventory state is one); older ones are removed
SUFFIX = ".duckdb"
YAML_SUFFIXES = (".yaml", ".yml")  # as dcops_inventory.loader; a test keeps them equal
CONFIG = {"enable_external_access": False, "autoinstall_known_extensions": False}
ENV_CACHE_DIR = "XDG_CACHE_HOME"


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/dcops/query`, else `~/.cache/dcops/query`."""
    base = os.environ.get(ENV_CACHE_DIR) or str(Path.home() / ".cache")
    return Path(base) / "dcops" / "query"


def inventory_files(root: Path) -> list[Path]:
    """The files the loader reads (dcops_inventory.loader.inventory_files, same rule)."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # finds without importing (no pydantic here)
    locations = spec.submodule_search_locations if spec else None
    return Path(next(iter(locations))) if locations else None


# package -> its modules that decide what a store holds; None: every module. The whole
# inventory package (models, loader, checks: what validates and how it reads); of the
# reports only what builds the store, so a change to a report module keeps the stores.
CODE: dict[str, tuple[str, ...] | None] = {"dcops_inventory": None,
                                           "dcops_reports": ("views.py", "tables.py", "store.py")}


def code_key() -> str:
    """What, besides the inventory, decides a store's content: the store format, DuckDB's
    version and the source files in CODE (path, size, mtime)."""
    h = hashlib.sha256(f"dcops-query-store {FORMAT} duckdb {duckdb.__version__}\n".encode())
    for package, modules in CODE.items():
        directory = _package_dir(package)
        if directory is None:
            continue
        paths = sorted(directory.rglob("*.py")) if modules is None else [directory / m for m in modules]
        for path in paths:
            st = path.stat()
            h.update(f"{path.relative_to(directory.parent)} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def fingerprint(root: Path) -> str:
    """The store key of the inventory at `root` (a directory or one YAML file): the code key
    and every file's relative path, size and content. Raises OSError if a file cannot be read."""
    h = hashlib.sha256(code_key().encode())
    base = root.parent if root.is_file() else root
    for path in inventory_files(root):
        data = path.read_bytes()
        h.update(f"\n{path.relative_to(base)}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()[:40]


class QueryStore:
    """The stores in one cache directory, one file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def open(self, key: str) -> duckdb.DuckDBPyConnection | None:
        """The store of `key`, read-only; None when there is none (or it cannot be opened:
        a damaged file is rebuilt, not reported)."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            con = duckdb.connect(str(path), read_only=True, config=CONFIG)
        except duckdb.Error:
            return None
        try:
            os.utime(path)  # in use: the pruning keeps the stores used last
        except OSError:
            pass
        return con

    def write(self, key: str, build) -> Path:
        """Write the store of `key`: `build(con)` fills a fresh file database, which is then
        checkpointed, closed and renamed into place. Raises OSError or duckdb.Error when the
        directory cannot be written (a caller answers from memory instead)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{key}.", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)  # DuckDB creates the file itself; the unique name is what was wanted
        try:
            con = duckdb.connect(tmp, config=CONFIG)
            try:
                build(con)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(tmp, self.path(key))
        finally:
            for leftover in (Path(tmp), Path(tmp + ".wal")):
                leftover.unlink(missing_ok=True)
        self._prune()
        return self.path(key)

    def _prune(self) -> None:
        """Keep the KEEP stores written or used last (old inventory states go)."""
        try:
            stores = sorted(self.directory.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in stores[KEEP:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a store removed by a concurrent run, or a read-only directory
