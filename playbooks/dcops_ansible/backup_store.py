"""The backup repository: one masked config file per device in git, plus run state.

Files are written atomically and only when their masked text changed. A run commits the
files of every device it fetched that differ from the last commit, so a file written by
an earlier run that never reached its commit is committed by the next run that fetches
that device; and a run starts by committing whatever device file differs from the last
commit (`recover`), so nothing a crashed or cut-short run wrote waits for that device's
next fetch. Commit messages list the devices. Per-device timestamps (last success, last
change, last error) live in `.dcops/state.json`, which git ignores, and feed the metrics.
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
RECOVERED = "recovered uncommitted changes from an interrupted run"


class BackupStoreError(RuntimeError):
    pass


@dataclass
class WriteResult:
    changed: bool
    diff: str
    before: str
    after: str


@dataclass(frozen=True)
class Committed:
    """A commit the store made: its id and the devices whose files it changed."""

    sha: str
    devices: list[str]


def _subject(what: str, names: list[str]) -> str:
    return f"backup: {what}: {', '.join(names[:10])}" + (" ..." if len(names) > 10 else "")


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

    def pending(self) -> list[str]:
        """Devices whose file differs from the last commit (modified, staged or never added):
        what a run that wrote files and stopped before its commit left behind. A deleted
        file is not listed: dcops never deletes one, and the next fetch writes it again."""
        if not (self.root / ".git").exists():
            return []
        entries = iter(self._git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", f"*{SUFFIX}")
                       .split("\0"))
        devices = set()
        for entry in entries:
            status, path = entry[:2], entry[3:]
            if status[:1] in ("R", "C"):
                next(entries, None)  # a rename's second field is the old path
            if entry and "D" not in status and "/" not in path and path.endswith(SUFFIX):
                devices.add(path[: -len(SUFFIX)])
        return sorted(devices)

    def commit(self, devices: Iterable[str], reason: str | None = None) -> Committed | None:
        """Commit the files of these devices that differ from the last commit (and nothing
        else in the working tree); None when none does. The subject gives the reason, by
        default "<n> device(s) changed", then the devices."""
        paths = sorted({self.path_of(d).name for d in devices if self.path_of(d).exists()})
        if not paths:
            return None
        self._git("add", "--", *paths)
        staged = sorted(p for p in self._git("diff", "--cached", "--name-only", "-z", "--", *paths).split("\0") if p)
        if not staged:
            return None
        names = [p[: -len(SUFFIX)] for p in staged]
        self._git("commit", "-q", "-m", _subject(reason or f"{len(names)} device(s) changed", names),
                  "-m", "Devices:\n" + "\n".join(f"- {n}" for n in names), "--", *staged)
        return Committed(self._git("rev-parse", "HEAD").strip(), names)

    def recover(self) -> Committed | None:
        """Commit what an interrupted run left uncommitted, with a message that says so; the
        devices' last change is when their file was written. None when the tree is clean."""
        pending = self.pending()
        if not pending:
            return None
        written = {d: self.path_of(d).stat().st_mtime for d in pending}
        done = self.commit(pending, RECOVERED)
        if done is not None:
            state = self.load_state()
            for device in done.devices:
                state.setdefault(device, {})["last_change"] = written[device]
            self._save_state(state)
        return done

    # run state ---------------------------------------------------------------------------
    def load_state(self) -> dict[str, dict]:
        try:
            return json.loads((self.root / STATE).read_text())
        except (OSError, ValueError):
            return {}

    def _save_state(self, state: dict[str, dict]) -> None:
        write_atomic(self.root / STATE, json.dumps(state, indent=1, sort_keys=True))

    def record(self, outcomes: Iterable[BackupOutcome], now: float | None = None,
               committed: Iterable[str] = ()) -> dict[str, dict]:
        """Merge this run's outcomes into the per-device state; returns and saves it. A
        device's last change is the run that committed a change of its file."""
        now = time.time() if now is None else now
        committed = set(committed)
        state = self.load_state()
        for out in outcomes:
            entry = state.setdefault(out.device, {})
            entry["last_attempt"] = now
            entry["ok"] = isinstance(out, BackedUp)
            if isinstance(out, BackedUp):
                entry["last_success"] = now
                entry.pop("error", None)
                if out.device in committed or "last_change" not in entry:
                    entry["last_change"] = now
            else:
                entry["error"] = out.error
        self._save_state(state)
        return state
