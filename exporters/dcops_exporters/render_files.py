"""Writing a rendered Prometheus config tree to disk, for `dcops prometheus render` and the lab.

Both write the files `prometheus_render.render` returns through `write_tree`, so a
re-render replaces only the files whose bytes changed (Prometheus' and file_sd's watchers
see no churn) and every file is replaced atomically (`dcops_inventory.atomicfile`): a
reload never reads half a config. It is not part of the CLI so the lab can use it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from dcops_inventory.atomicfile import write_atomic


def write_tree(out: Path, files: Mapping[str, bytes], owned: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """Write `files` (path relative to `out` -> bytes) under `out`, then remove the files
    matching the `owned` globs that this render no longer produces; (changed, removed)."""
    changed = [rel for rel, data in sorted(files.items()) if write_atomic(out / rel, data)]
    (out / "rules").mkdir(parents=True, exist_ok=True)
    removed = []
    for pattern in owned:
        for path in sorted(out.glob(pattern)):
            rel = path.relative_to(out).as_posix()
            if rel not in files:
                path.unlink()
                removed.append(rel)
    return changed, removed
