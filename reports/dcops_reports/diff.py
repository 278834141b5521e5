"""What changed in the inventory between two git revisions, record by record.

    diff_revisions(".", "v1.0", "HEAD", "inventory/mtpe")

Each revision's inventory directory is exported with `git archive` into a temporary
directory (no worktree, no checkout, the user's working tree is never touched), loaded and
validated like any inventory, then the two are compared per collection and key: records
added, removed, and changed with each changed field's old and new value.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dcops_inventory.errors import InventoryError
from dcops_inventory.inventory import Inventory
from dcops_inventory.loader import load_inventory
from dcops_inventory.models import COLLECTIONS

_ORDER = ["meta", *COLLECTIONS]  # the meta block is compared too, as one record


class RevisionError(Exception):
    """A revision or path git cannot export (unknown revision, path absent at that revision)."""


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    collection: str
    key: str
    fields: list[FieldChange]


@dataclass
class DiffResult:
    rev1: str
    rev2: str
    commit1: str
    commit2: str
    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[Change]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    COLUMNS = ["change", "collection", "key", "field", "old", "new"]

    def rows(self) -> list[tuple]:
        """One row per added/removed record and per changed field, sorted by collection/key."""
        out: list[tuple] = []
        for coll in _ORDER:
            out += [("removed", coll, k, None, None, None) for k in self.removed.get(coll, [])]
            out += [("added", coll, k, None, None, None) for k in self.added.get(coll, [])]
            for ch in self.changed.get(coll, []):
                out += [("changed", coll, ch.key, f.field, f.old, f.new) for f in ch.fields]
        return out

    def summary(self) -> dict[str, dict[str, int]]:
        colls = sorted(set(self.added) | set(self.removed) | set(self.changed), key=_ORDER.index)
        return {c: {"added": len(self.added.get(c, [])), "removed": len(self.removed.get(c, [])),
                    "changed": len(self.changed.get(c, []))} for c in colls}


def _git(repo: Path, *args: str, binary: bool = False):
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    if proc.returncode != 0:
        raise RevisionError(proc.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed")
    return proc.stdout if binary else proc.stdout.decode().strip()


def resolve_commit(repo: Path, rev: str) -> str:
    if not rev or rev.startswith("-"):
        raise RevisionError(f"invalid revision {rev!r}")
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except RevisionError:
        raise RevisionError(f"unknown revision {rev!r} in {repo}") from None


def export_tree(repo: Path, commit: str, subdir: str, dest: Path) -> Path:
    """Extract `subdir` as it is at `commit` into `dest`; returns dest/subdir."""
    sub = subdir.strip("/") or "."
    try:
        data = _git(repo, "archive", "--format=tar", commit, "--", sub, binary=True)
    except RevisionError as exc:
        raise RevisionError(f"{sub!r} cannot be exported at {commit[:12]}: {exc}") from None
    _extract(data, dest)
    return dest / sub


def _extract(data: bytes, dest: Path) -> None:
    """Regular files and directories only, never outside `dest` (symlinks are skipped: an
    inventory is plain YAML). Python 3.11.2's tarfile has no extraction filters."""
    root = dest.resolve()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            target = (root / member.name).resolve()
            if not target.is_relative_to(root):
                raise RevisionError(f"archive member {member.name!r} points outside the export")
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src:
                    target.write_bytes(src.read())


def _load_at(repo: Path, rev: str, commit: str, subdir: str) -> Inventory:
    with tempfile.TemporaryDirectory(prefix="dcops-diff-") as tmp:
        root = export_tree(repo, commit, subdir, Path(tmp))
        try:
            return load_inventory(root)
        except InventoryError as exc:
            # name files as `rev:path` (the temporary directory means nothing to the user)
            problems = [dataclasses.replace(p, file=_rename(p.file, tmp, rev)) for p in exc.problems]
            raise InventoryError(problems) from None


def _rename(file: str, tmp: str, rev: str) -> str:
    try:
        rel = Path(file).resolve().relative_to(Path(tmp).resolve())
    except ValueError:
        return f"{rev}:{file}"
    return f"{rev}:{rel.as_posix()}"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def compare(old: Inventory, new: Inventory, result: DiffResult) -> DiffResult:
    for coll in COLLECTIONS:
        a = {r.key: r for r in getattr(old, coll)}
        b = {r.key: r for r in getattr(new, coll)}
        added = sorted(b.keys() - a.keys())
        removed = sorted(a.keys() - b.keys())
        changed = []
        for key in sorted(a.keys() & b.keys()):
            if a[key] == b[key]:
                continue
            fa = _flatten(a[key].model_dump(mode="json"))
            fb = _flatten(b[key].model_dump(mode="json"))
            fields = [FieldChange(f, fa.get(f), fb.get(f)) for f in sorted(fa.keys() | fb.keys())
                      if fa.get(f) != fb.get(f)]
            if fields:
                changed.append(Change(coll, key, fields))
        if added:
            result.added[coll] = added
        if removed:
            result.removed[coll] = removed
        if changed:
            result.changed[coll] = changed
    old_meta, new_meta = _flatten(old.meta.model_dump(mode="json")), _flatten(new.meta.model_dump(mode="json"))
    meta = [FieldChange(f, old_meta.get(f), new_meta.get(f)) for f in sorted(old_meta.keys() | new_meta.keys())
            if old_meta.get(f) != new_meta.get(f)]
    if meta:
        result.changed["meta"] = [Change("meta", old.meta.name, meta)]
    return result


def diff_revisions(repo_dir: str | Path, rev1: str, rev2: str, inventory_subdir: str = "inventory/mtpe") -> DiffResult:
    """Records added, removed and changed in `inventory_subdir` from `rev1` to `rev2`.

    Raises RevisionError for an unknown revision or a path absent at a revision, and
    InventoryError (files named `rev:path`) when either revision's inventory is invalid.
    """
    repo = Path(repo_dir)
    c1, c2 = resolve_commit(repo, rev1), resolve_commit(repo, rev2)
    old = _load_at(repo, rev1, c1, inventory_subdir)
    new = _load_at(repo, rev2, c2, inventory_subdir)
    return compare(old, new, DiffResult(rev1, rev2, c1, c2))


def locate(inventory_dir: str | Path) -> tuple[Path, str]:
    """(repository top level, inventory path inside it) for a directory in a git work tree."""
    path = Path(inventory_dir).resolve()
    top = Path(_git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")).resolve()
    return top, path.relative_to(top).as_posix()
