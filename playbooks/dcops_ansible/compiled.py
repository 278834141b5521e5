"""The compiled Ansible view: built once per inventory state, then read back as JSON.

Validating a large inventory costs seconds (YAML with line tracking, pydantic, cross-record
checks); the Ansible view of an unchanged inventory is the same every time. The key is a
fingerprint of every inventory file (path, size, mtime), the address map file and the
plugin options, so any edit recompiles; the file is written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from dcops_inventory.atomicfile import write_atomic
from dcops_inventory.loader import DEFAULT_INVENTORY, inventory_files

FORMAT = 1
KEEP = 16  # compiled views kept; older ones (old inventory states, old lab maps) are removed


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dcops" / "ansible-inventory"


def _stat(path: Path) -> list:
    st = path.stat()
    return [str(path), st.st_size, st.st_mtime_ns]


def fingerprint(inventory_path: str, address_map: str, options: dict) -> str:
    root = Path(inventory_path) if inventory_path else DEFAULT_INVENTORY
    parts = {"format": FORMAT, "files": [_stat(p) for p in inventory_files(root)],
             "address_map": _stat(Path(address_map)) if address_map else None, "options": options,
             "code": _stat(Path(__file__).with_name("hostvars.py"))}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def load(cache_dir: Path, key: str) -> dict | None:
    try:
        return json.loads((cache_dir / f"{key}.json").read_text())
    except (OSError, ValueError):
        return None


def save(cache_dir: Path, key: str, data: dict) -> None:
    try:
        write_atomic(cache_dir / f"{key}.json", json.dumps(data, separators=(",", ":")))
        views = sorted(cache_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in views[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home only costs speed
