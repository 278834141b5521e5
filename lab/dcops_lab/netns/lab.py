"""A set of namespace servers for inventory hosts, and the lab address map that reaches them.

`ServerLab(state_dir, inventory, hosts).start()` unpacks the cached rootfs once per host,
starts each as a namespace server (`server.py`) with the login of its inventory credentials,
and writes `address-map.yaml` (`devices: {host: {host: 10.199.n.2, ssh: 22}}`), the same
format the switch lab writes, so the dcops Ansible inventory plugin and the access layer
reach them through `DCOPS_ADDRESS_MAP` and never through the inventory's addresses.
`env()` gives what a tool run against the lab needs: the map, `DCOPS_LAB_SUBNETS` for the
namespace range, the lab's private key for Ansible and ssh options that record no host key
(every start makes new ones). `extra-vars.yml` holds what the server baseline needs to know
about these servers: apt's source is the rootfs' local repository, and chronyd runs with
`-x` because the servers share this machine's clock (chronyd must never set it).
`stop()` stops every server it started, also after a partial start.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from dcops_inventory import AddressMap, Endpoint, load_inventory
from dcops_inventory.atomicfile import write_atomic
from dcops_lab.netns import rootfs
from dcops_lab.netns.server import LAB_NETWORK, NamespaceServer, free_slots

EXTRA_VARS = {"server_baseline_apt_source": rootfs.LOCAL_APT_SOURCE, "server_baseline_chrony_daemon_opts": "-F 1 -x"}
# No connection sharing (no ssh process outlives a run), no host key kept.
SSH_ARGS = "-o ControlMaster=no -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR"
SSH_CONFIG = "Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"


class ServerLab:
    def __init__(self, state_dir: Path, inventory: Path | str, hosts: list[str]) -> None:
        self.state_dir = Path(state_dir)
        self.inventory = inventory
        self.hosts = list(hosts)
        self.servers: list[NamespaceServer] = []

    @property
    def key_path(self) -> Path:
        return self.state_dir / "id_ed25519"

    @property
    def address_map_path(self) -> Path:
        return self.state_dir / "address-map.yaml"

    @property
    def extra_vars_path(self) -> Path:
        return self.state_dir / "extra-vars.yml"

    @property
    def ssh_config_path(self) -> Path:
        return self.state_dir / "ssh_config"

    def _logins(self) -> dict[str, str]:
        inv = load_inventory(self.inventory)
        records = {**{d.name: d for d in inv.devices}, **{v.name: v for v in inv.vms}}
        logins = {}
        for host in self.hosts:
            record = records.get(host)
            if record is None:
                raise ValueError(f"{host}: not a device or VM of the inventory {self.inventory}")
            if not record.credentials:
                raise ValueError(f"{host}: has no credentials record; the lab cannot set its login")
            logins[host] = inv.get("credentials", record.credentials).username
        return logins

    def start(self) -> None:
        logins = self._logins()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if not self.key_path.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dcops-lab", "-f", str(self.key_path)],
                           check=True, capture_output=True)
        public_key = self.key_path.with_suffix(".pub").read_text()
        tarball = rootfs.ensure_tarball()
        try:
            for host, slot in zip(self.hosts, free_slots(len(self.hosts))):
                server = NamespaceServer(host, slot, self.state_dir / host, logins[host], public_key)
                self.servers.append(server)
                server.prepare(tarball)
                server.start()
        except BaseException:
            self.stop()
            raise
        write_atomic(self.address_map_path, yaml.safe_dump(self.address_map().dump(), sort_keys=True))
        write_atomic(self.extra_vars_path, yaml.safe_dump(EXTRA_VARS, sort_keys=True))
        write_atomic(self.ssh_config_path, SSH_CONFIG)

    def address_map(self) -> AddressMap:
        return AddressMap(devices={s.name: {"ssh": Endpoint(s.address, 22)} for s in self.servers},
                          source=str(self.address_map_path))

    def env(self) -> dict[str, str]:
        return {"DCOPS_ADDRESS_MAP": str(self.address_map_path), "DCOPS_LAB_SUBNETS": str(LAB_NETWORK),
                "ANSIBLE_PRIVATE_KEY_FILE": str(self.key_path), "ANSIBLE_SSH_ARGS": SSH_ARGS,
                "ANSIBLE_PIPELINING": "True"}

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        self.servers.clear()


def pid_namespace(server: NamespaceServer) -> str | None:
    """The server's PID namespace (`pid:[inode]`), None when it is not running."""
    try:
        return os.readlink(f"/proc/{server.init_pid}/ns/pid") if server.init_pid else None
    except OSError:
        return None


def pids_in(ns: str) -> list[int]:
    """Host PIDs of the processes in PID namespace `ns` (empty once its server stopped)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "ns/pid") == ns:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids
