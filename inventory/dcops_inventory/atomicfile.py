"""Replace a file's content atomically: a reader sees the old bytes or the new, never half.

Every file dcops generates (Prometheus config and targets, Pulumi stack config, the lab's
address map and manifest, backup files and their state, the compliance report, the
compiled Ansible view) goes through `write_atomic`, so they fail the same way: the bytes
go to a temporary file in the target's own directory (a rename across file systems would
not be atomic), are flushed to disk, and the temporary file is renamed over the target.
On any failure, an interrupt included, the temporary file is removed and the target is
left exactly as it was. It lives in the bottom layer so every package can use it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes | str, mode: int = 0o644) -> bool:
    """Make `path` hold `data` (a str is written as UTF-8); returns whether its bytes changed.

    A file that already holds exactly these bytes is not touched (its mtime and mode stay),
    so watchers and caches keyed on mtime see no change. Missing parent directories are
    created; a new or replaced file gets `mode`.
    """
    path = Path(path)
    raw = data.encode() if isinstance(data, str) else bytes(data)
    try:
        if path.read_bytes() == raw:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)
    return True


def _sync_directory(directory: Path) -> None:
    """Persist the rename itself; best effort, since some file systems refuse it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
