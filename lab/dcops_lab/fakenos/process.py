"""Starting, watching and stopping the lab's switch fleet process from another process.

The fleet runs in its own session (process group), so stopping it takes every thread and
child with it; `LabFleet` is both what `dcops lab start/stop` use and the tests' fixture
(a context manager that always stops what it started).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from dcops_inventory.endpoints import AddressMap

DEFAULT_STATE_DIR = Path("out/lab")


class LabError(RuntimeError):
    """The lab could not be started, reached or stopped; the message says why."""


def read_manifest(state_dir: Path) -> dict | None:
    try:
        return json.loads((state_dir / "fleet.json").read_text())
    except (OSError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def control(state_dir: Path, request: str, timeout: float = 10.0) -> dict:
    """Send one request (`status`, `stop NAME`, `start NAME`) to a running fleet."""
    path = state_dir / "control.sock"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(path))
            s.sendall((request + "\n").encode())
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        raise LabError(f"no lab answering at {path}: {exc}") from exc
    reply = json.loads(data or b"{}")
    if not reply.get("ok"):
        raise LabError(reply.get("error", "the lab refused the request"))
    return reply


def stop_pid(pid: int, timeout: float = 20.0) -> None:
    """SIGTERM the fleet's process group, then SIGKILL it if it outlives `timeout`."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:  # not our child: poll for it instead
                if not pid_alive(pid):
                    return
            time.sleep(0.1)


class LabFleet:
    def __init__(self, state_dir: Path = DEFAULT_STATE_DIR, inventory: str | Path | None = None,
                 devices: list[str] | None = None, env: dict[str, str] | None = None,
                 base_port: int | None = None, python: str = sys.executable):
        self.state_dir = Path(state_dir)
        self.inventory = inventory
        self.devices = devices or []
        self.env = env
        self.base_port = base_port
        self.python = python
        self.proc: subprocess.Popen | None = None

    @property
    def address_map_path(self) -> Path:
        return self.state_dir / "address-map.yaml"

    def address_map(self) -> AddressMap:
        return AddressMap.load(self.address_map_path)

    def manifest(self) -> dict:
        found = read_manifest(self.state_dir)
        if found is None:
            raise LabError(f"no running lab in {self.state_dir}")
        return found

    def start(self, timeout: float = 180.0) -> "LabFleet":
        existing = read_manifest(self.state_dir)
        if existing and pid_alive(existing["pid"]):
            raise LabError(f"a lab is already running in {self.state_dir} (pid {existing['pid']}); stop it first")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        cmd = [self.python, "-m", "dcops_lab.fakenos.fleet", "--state-dir", str(self.state_dir)]
        if self.inventory:
            cmd += ["--inventory", str(self.inventory)]
        for name in self.devices:
            cmd += ["--device", name]
        if self.base_port:
            cmd += ["--base-port", str(self.base_port)]
        log = open(self.state_dir / "fleet.log", "wb")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=self.env, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = read_manifest(self.state_dir)
            if found and found.get("pid") == self.proc.pid:
                return self
            if self.proc.poll() is not None:
                tail = (self.state_dir / "fleet.log").read_text(errors="replace")[-2000:]
                raise LabError(f"the lab exited with {self.proc.returncode}:\n{tail}")
            time.sleep(0.1)
        self.stop()
        raise LabError(f"the lab did not become ready within {timeout:.0f}s")

    def stop(self) -> None:
        pid = self.proc.pid if self.proc else (read_manifest(self.state_dir) or {}).get("pid")
        if pid:
            stop_pid(pid)
        self.proc = None

    def stop_device(self, name: str) -> dict:
        return control(self.state_dir, f"stop {name}")

    def start_device(self, name: str) -> dict:
        return control(self.state_dir, f"start {name}")

    def status(self) -> dict[str, bool]:
        return control(self.state_dir, "status")["running"]

    def __enter__(self) -> "LabFleet":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
