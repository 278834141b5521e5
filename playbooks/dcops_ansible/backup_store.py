"""The backup repository: one masked config file per device in git, plus run state.

Files are written atomically and only when their masked text changed; a commit happens
only when some file changed and its message lists the changed devices. Per-device
timestamps (last success, last change, last error) live in `.dcops/state.json`, which git
ignores, and feed the textfile metrics.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dcops_ansible.outcomes import BackedUp, BackupOutcome
from dcops_inventory.atomicfile import write_atomic

STATE = Path(".dcops") / "state.json"
SUFFIX = ".cfg"


class BackupStoreError(RuntimeError):
    pass


@dataclass
class WriteResult:
    changed: bool
    diff: str
    before: str
    after: str


class BackupStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _git(self, *args: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "dcops backup", "GIT_AUTHOR_EMAIL": "dcops@localhost",
               "GIT_COMMITTER_NAME": "dcops backup", "GIT_COMMITTER_EMAIL": "dcops@localhost"}
        proc = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise BackupStoreError(f"git {' '.join(args)} in {self.root}: {proc.stderr.strip()}")
        return proc.stdout

    def ensure(self) -> bool:
        """Create the repository if missing; True when it was created."""
        if (self.root / ".git").exists():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        self._git("init", "-q", "-b", "main")
        write_atomic(self.root / ".gitignore", ".dcops/\n")
        self._git("add", ".gitignore")
        self._git("commit", "-q", "-m", "backup repository created by dcops")
        return True

    def path_of(self, device: str) -> Path:
        return self.root / f"{device}{SUFFIX}"

    def write(self, device: str, text: str, check: bool = False) -> WriteResult:
        path = self.path_of(device)
        before = path.read_text() if path.exists() else ""
        changed = before != text
        diff = "".join(difflib.unified_diff(before.splitlines(True), text.splitlines(True),
                                            f"a/{path.name}", f"b/{path.name}")) if changed else ""
        if changed and not check:
            write_atomic(path, text)
        return WriteResult(changed, diff, before, text)

    def commit(self, changed_devices: list[str]) -> str | None:
        """Commit the changed device files; None when git sees nothing to commit."""
        if not changed_devices:
            return None
        self._git("add", "--", *[self.path_of(d).name for d in changed_devices])
        if not self._git("status", "--porcelain", "--untracked-files=no").strip():
            return None
        names = sorted(changed_devices)
        subject = f"backup: {len(names)} device(s) changed: {', '.join(names[:10])}" + (" ..." if len(names) > 10 else "")
        self._git("commit", "-q", "-m", subject, "-m", "Changed devices:\n" + "\n".join(f"- {n}" for n in names))
        return self._git("rev-parse", "HEAD").strip()

    # run state ---------------------------------------------------------------------------
    def load_state(self) -> dict[str, dict]:
        try:
            return json.loads((self.root / STATE).read_text())
        except (OSError, ValueError):
            return {}

    def record(self, outcomes: Iterable[BackupOutcome], now: float | None = None) -> dict[str, dict]:
        """Merge this run's outcomes into the per-device state; returns and saves it."""
        now = time.time() if now is None else now
        state = self.load_state()
        for out in outcomes:
            entry = state.setdefault(out.device, {})
            entry["last_attempt"] = now
            entry["ok"] = isinstance(out, BackedUp)
            if isinstance(out, BackedUp):
                entry["last_success"] = now
                entry.pop("error", None)
                if out.changed or "last_change" not in entry:
                    entry["last_change"] = now
            else:
                entry["error"] = out.error
        write_atomic(self.root / STATE, json.dumps(state, indent=1, sort_keys=True))
        return state
