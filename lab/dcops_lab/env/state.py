"""The lab's state directory and the state file every `dcops lab` environment command reads.

`up` runs for a minute and exits; the processes it started keep running. Every later
command (`status`, `fail`, `heal`, `down`, `up` again) finds them through `lab.json`:
component -> PID, its start time and command line as the kernel reports them (so a PID
the kernel has since given to another program is never taken for ours), port, URL and
log; the faults injected and not yet healed; the counter overrides a healed link keeps.
It is written atomically after every change (`dcops_inventory.atomicfile`), mode 0600.

Where: `--state-dir`, else $DCOPS_LAB_STATE_DIR, else `out/lab-env` in the checkout (an
absolute path, so a second terminal opened elsewhere finds the same lab). The directory
also holds the components' logs, the rendered configuration, Prometheus' and
Alertmanager's data, the webhook receiver's log and `secrets.env` with the lab's invented
passwords (mode 0600). One command at a time works on a directory (`locked`).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from dcops_inventory.atomicfile import write_atomic

STATE_FILE = "lab.json"
ENV_VAR = "DCOPS_LAB_STATE_DIR"
FORMAT = 1
_CHECKOUT = Path(__file__).resolve().parents[3]


class LabStateError(RuntimeError):
    """The state file is missing, unreadable or from another format; the message says which."""


def default_state_dir() -> Path:
    """$DCOPS_LAB_STATE_DIR, else the checkout's out/lab-env (else ./out/lab-env outside a checkout)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    root = _CHECKOUT if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd()
    return root / "out" / "lab-env"


@dataclass
class Component:
    """One process `up` started. `pid` leads its own process group (started in a new session)."""

    name: str
    pid: int
    create_time: float  # psutil's, seconds since the epoch: with cmdline, proves the PID is still ours
    cmdline: list[str]
    log: str
    port: int | None = None
    url: str | None = None
    started: float = field(default_factory=time.time)


@dataclass
class Fault:
    """A fault injected with `dcops lab fail` and not healed yet."""

    target: str  # a device or circuit name
    kind: str  # down, saturated, or a dcops_lab.snmp.families fault
    since: float = field(default_factory=time.time)
    device: str | None = None  # the device whose agents carry it (a circuit's terminating device)


@dataclass
class LabState:
    state_dir: str
    inventory: str
    ports: dict[str, int]
    components: dict[str, Component] = field(default_factory=dict)  # in start order
    faults: list[Fault] = field(default_factory=list)
    snmp_datadir: str | None = None  # the agents' private data directory (under /tmp, see snmp/lab.py)
    snmp_devices: list[str] = field(default_factory=list)
    ssh_devices: list[str] = field(default_factory=list)
    storage_devices: list[str] = field(default_factory=list)
    # device -> OID -> snmprec value that replaces the rendered one (counters.py)
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    ready: bool = False  # every stage of `up` finished
    format: int = FORMAT

    @property
    def root(self) -> Path:
        return Path(self.state_dir)

    def url(self, component: str) -> str:
        found = self.components.get(component)
        if found is None or not found.url:
            raise LabStateError(f"the lab in {self.state_dir} has no {component}")
        return found.url

    def fault(self, target: str, kind: str | None = None) -> Fault | None:
        return next((f for f in self.faults if f.target == target and kind in (None, f.kind)), None)

    def save(self) -> None:
        write_atomic(self.root / STATE_FILE, json.dumps(asdict(self), indent=2) + "\n", mode=0o600)  # start order kept

    @classmethod
    def load(cls, state_dir: Path) -> "LabState | None":
        """The recorded lab, or None when the directory holds none."""
        path = Path(state_dir) / STATE_FILE
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise LabStateError(f"{path}: unreadable ({exc}); stop its processes by hand and remove it") from None
        if raw.get("format") != FORMAT:
            raise LabStateError(f"{path}: format {raw.get('format')!r}, this dcops writes {FORMAT}")
        raw["components"] = {k: Component(**v) for k, v in raw.get("components", {}).items()}
        raw["faults"] = [Fault(**f) for f in raw.get("faults", [])]
        return cls(**raw)

    def forget(self) -> None:
        (self.root / STATE_FILE).unlink(missing_ok=True)


@contextmanager
def locked(state_dir: Path, timeout: float = 300.0) -> Iterator[None]:
    """Hold the directory's lock: two `up`s at once would start two labs on the same ports."""
    if not state_dir.exists():  # secrets.env and the state file live here (each 0600 too)
        state_dir.mkdir(parents=True, mode=0o700)
    with open(state_dir / ".lock", "w") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LabStateError(f"another dcops lab command has held {state_dir} for {timeout:.0f}s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
