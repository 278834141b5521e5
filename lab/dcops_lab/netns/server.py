"""Linux servers for the lab: a Debian rootfs in its own network, PID, mount and UTS namespaces.

Each server is `unshare --net --pid --mount --uts --fork` + chroot into its own unpacked copy
of the cached rootfs (`rootfs.py`), PID 1 being `init.py`, with a veth pair to this machine:
`10.199.<n>.1/30` on the host side, `10.199.<n>.2/30` (`eth0`) inside. The namespace has no
other route, so nothing it sends can leave this machine; `LAB_NETWORK` is what lab mode must
allow (`DCOPS_LAB_SUBNETS`). The range is not the MTPE inventory's (10.250.0.0/16): a lab
address can never be mistaken for a production one.

The servers' logins are the inventory's: the user of the host's credentials record, with
the lab's public key and passwordless sudo (as an automation account is set up), and root
with the same key for inspection. Stopping kills PID 1 from this machine, which makes the
kernel kill every process of the namespace; the veth pair goes with the namespace, and the
copy of the rootfs is removed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from dcops_lab.netns import rootfs

LAB_NETWORK = ipaddress.ip_network("10.199.0.0/16")
VETH_PREFIX = "dcns"
INIT_PATH = "/usr/local/sbin/dcops-netns-init"


class NamespaceServerError(RuntimeError):
    """A namespace server could not be started; names the server and the failing step."""


def _run(cmd: list[str], what: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise NamespaceServerError(f"{what}: {' '.join(cmd)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def free_slots(count: int) -> list[int]:
    """Subnet numbers whose veth name is not taken on this machine (another lab may be running)."""
    taken = {int(m) for m in re.findall(rf"\d+: {VETH_PREFIX}(\d+)[@:]", _run(["ip", "-o", "link"], "list links"))}
    slots = [n for n in range(1, 255) if n not in taken][:count]
    if len(slots) < count:
        raise NamespaceServerError(f"no free lab subnet in {LAB_NETWORK} for {count} servers")
    return slots


@dataclass
class NamespaceServer:
    name: str
    slot: int
    workdir: Path
    login_user: str
    public_key: str
    process: subprocess.Popen | None = field(default=None, repr=False)
    init_pid: int | None = None

    @property
    def address(self) -> str:
        return str(LAB_NETWORK.network_address + self.slot * 256 + 2)

    @property
    def host_address(self) -> str:
        return str(LAB_NETWORK.network_address + self.slot * 256 + 1)

    @property
    def veth(self) -> str:
        return f"{VETH_PREFIX}{self.slot}"

    @property
    def root(self) -> Path:
        return self.workdir / "root"

    def prepare(self, tarball: Path) -> None:
        """Unpack the rootfs, give it fresh host keys, the logins and the init."""
        rootfs.unpack(tarball, self.root)
        for kind in ("ed25519", "rsa"):
            _run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"root@{self.name}",
                  "-f", str(self.root / f"etc/ssh/ssh_host_{kind}_key")], f"{self.name}: host key")
        (self.root / "etc/hostname").write_text(f"{self.name}\n")
        shutil.copyfile(Path(__file__).with_name("init.py"), self.root / INIT_PATH.lstrip("/"))
        self._authorize("root")
        if self.login_user != "root":
            self._chroot(["useradd", "--create-home", "--shell", "/bin/bash", self.login_user], "add user")
            sudoers = self.root / "etc/sudoers.d/dcops-lab"
            sudoers.write_text(f"{self.login_user} ALL=(ALL) NOPASSWD: ALL\n")
            sudoers.chmod(0o440)
            self._authorize(self.login_user)

    def _chroot(self, cmd: list[str], what: str) -> None:
        _run(["chroot", str(self.root), *cmd], f"{self.name}: {what}")

    def _authorize(self, user: str) -> None:
        home = "root" if user == "root" else f"home/{user}"
        ssh_dir = self.root / home / ".ssh"
        ssh_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (ssh_dir / "authorized_keys").write_text(self.public_key.strip() + "\n")
        (ssh_dir / "authorized_keys").chmod(0o600)
        if user != "root":
            self._chroot(["chown", "-R", f"{user}:{user}", f"/{home}/.ssh"], "own keys")

    def start(self, timeout: float = 30.0) -> None:
        log = open(self.workdir / "init.log", "ab")  # the child keeps it; ours is closed below
        self.process = subprocess.Popen(
            ["unshare", "--net", "--pid", "--mount", "--uts", "--fork", "--kill-child", "--propagation", "private",
             "chroot", str(self.root), "/usr/bin/python3", INIT_PATH, self.name],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        self.init_pid = self._child_pid(timeout)
        pid = str(self.init_pid)
        _run(["ip", "link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", pid],
             f"{self.name}: veth")
        _run(["ip", "addr", "add", f"{self.host_address}/30", "dev", self.veth], f"{self.name}: host address")
        _run(["ip", "link", "set", self.veth, "up"], f"{self.name}: host link")
        for cmd in (["ip", "addr", "add", f"{self.address}/30", "dev", "eth0"], ["ip", "link", "set", "eth0", "up"],
                    ["ip", "link", "set", "lo", "up"]):
            _run(["nsenter", "-t", pid, "-n", *cmd], f"{self.name}: namespace network")
        self._wait_ssh(timeout)

    def _child_pid(self, timeout: float) -> int:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NamespaceServerError(f"{self.name}: the namespace exited ({self.process.returncode}); "
                                           f"see {self.workdir / 'init.log'}")
            pids = children.read_text().split() if children.exists() else []
            if pids:
                return int(pids[0])
            time.sleep(0.05)
        raise NamespaceServerError(f"{self.name}: no init process after {timeout:.0f}s")

    def _wait_ssh(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.address, 22), timeout=1) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.2)
        raise NamespaceServerError(f"{self.name}: sshd did not answer on {self.address}:22 within {timeout:.0f}s; "
                                   f"see {self.workdir / 'init.log'}")

    def stop(self) -> None:
        """Kill PID 1 (the kernel kills the rest of the namespace), then remove the rootfs copy."""
        if self.init_pid is not None:
            try:
                os.kill(self.init_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        subprocess.run(["ip", "link", "del", self.veth], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
