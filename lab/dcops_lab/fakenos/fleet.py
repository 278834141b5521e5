"""The lab's switch fleet: one FakeNOS process serving inventory devices on 127.0.0.1.

Run as `python -m dcops_lab.fakenos.fleet --inventory PATH --state-dir DIR` (what
`dcops lab start` and the tests do). It writes into DIR:
  address-map.yaml  device -> {host: 127.0.0.1, ssh: port}  (the dcops AddressMap format)
  fleet.json        pid, per device port, platform and model; written last, so it marks ready
  control.sock      `stop NAME` / `start NAME` / `status` - a switch can fail mid-run
All devices share one parsed NOS definition; only loopback is ever bound.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from pathlib import Path

import paramiko
import yaml
from fakenos import FakeNOS
from fakenos.core.nos import Nos

from dcops_devices.intent import configtree
from dcops_inventory import load_inventory
from dcops_inventory.atomicfile import write_atomic
from dcops_inventory.endpoints import AddressMap, Endpoint
from dcops_inventory.location import resolve_inventory
from dcops_lab.fakenos.devices import DeviceSpec, DeviceState
from dcops_lab.fakenos.server import SharedKeySshServer
from dcops_lab.fakenos.shell import DEVICES, LabShell
from dcops_lab.fakenos.specs import device_spec, lab_devices
from dcops_lab.ssh_credentials import lab_credentials

LOOPBACK = "127.0.0.1"
NOS_NAME = "dcops_lab"


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Ports the kernel hands out now; held open together so they are distinct."""
    socks, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind((host, 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def enable_group_exchange() -> None:
    """Let the SSH server do diffie-hellman-group-exchange, as real devices do (netmiko's
    fortinet driver offers only SHA1/group-exchange KEX). paramiko serves it only with a
    moduli file (openssh-server's /etc/ssh/moduli); without one this lab process stops
    advertising group exchange, so clients fall back to a fixed group instead of failing."""
    if not paramiko.Transport.load_server_moduli():
        paramiko.Transport._preferred_kex = tuple(
            k for k in paramiko.Transport._preferred_kex if "group-exchange" not in k)


def initial_tree(spec: DeviceSpec) -> configtree.Node:
    return configtree.parse(spec.platform, "\n".join(spec.config))


class Fleet:
    def __init__(self, specs: list[DeviceSpec], ports: dict[str, int], logins: dict[str, tuple[str, str]]):
        self.specs = {s.name: s for s in specs}
        self.ports = ports
        hosts = {}
        for spec in specs:
            DEVICES[spec.name] = DeviceState(spec, initial_tree(spec))
            user, password = logins[spec.name]
            hosts[spec.name] = {"port": ports[spec.name], "username": user, "password": password}
        inventory = {
            "default": {"server": {"plugin": "ParamikoSshServer",
                                   "configuration": {"address": LOOPBACK, "timeout": 1}},
                        "shell": {"plugin": "CMDShell", "configuration": {}},
                        "nos": {"plugin": NOS_NAME, "configuration": {}}},
            "hosts": hosts,
        }
        nos = Nos(name=NOS_NAME, initial_prompt="{base_prompt}#",
                  commands={"_lab_": {"output": "", "help": "handled by the dcops lab dialects"}})
        self.net = FakeNOS(inventory=inventory, plugins=[nos])
        self.net.shell_plugins["CMDShell"] = LabShell  # every session gets the lab's shell
        self.net.servers_plugins["ParamikoSshServer"] = SharedKeySshServer

    def start(self, name: str | None = None, ready_timeout: float = 15.0) -> None:
        """Start the fleet, or one device again; a restarted device is listening on return.

        FakeNOS returns before the restarted server's socket is bound, so a `device-start`
        followed at once by a login (what a test or an operator does) was refused on a
        loaded machine.
        """
        if not name:
            self.net.start()
            return
        self.net.start(name)
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                with socket.create_connection((LOOPBACK, self.ports[name]), timeout=1.0):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name}: not listening on {LOOPBACK}:{self.ports[name]} "
                                       f"{ready_timeout:.0f}s after start") from None
                time.sleep(0.1)

    def stop(self, name: str | None = None) -> None:
        if name:
            self.net.stop(name)
            return
        # FakeNOS stops servers one by one, each waiting for its threads; in parallel a
        # fleet of hundreds stops in about one server's shutdown time.
        workers = [threading.Thread(target=self.net.stop, args=(n,), daemon=True)
                   for n, host in self.net.hosts.items() if host.running]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=10)

    def status(self) -> dict[str, bool]:
        return {name: host.running for name, host in self.net.hosts.items()}

    def address_map(self) -> AddressMap:
        return AddressMap({n: {"ssh": Endpoint(LOOPBACK, p)} for n, p in self.ports.items()}, source="lab")


def _control_server(path: Path, fleet: Fleet) -> socketserver.BaseServer:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            words = self.rfile.readline().decode().split()
            try:
                if words[:1] == ["status"]:
                    reply = {"ok": True, "running": fleet.status()}
                elif len(words) == 2 and words[0] in ("stop", "start") and words[1] in fleet.specs:
                    getattr(fleet, words[0])(words[1])
                    reply = {"ok": True, "running": {words[1]: fleet.status()[words[1]]}}
                else:
                    reply = {"ok": False, "error": f"unknown request {' '.join(words)!r}; "
                                                   "use: status | stop NAME | start NAME"}
            except Exception as exc:
                reply = {"ok": False, "error": str(exc)}
            self.wfile.write((json.dumps(reply) + "\n").encode())

    if path.exists():
        path.unlink()
    server = socketserver.ThreadingUnixStreamServer(str(path), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(inventory: str | None, state_dir: Path, names: list[str] | None, base_port: int | None) -> None:
    inv = load_inventory(resolve_inventory(inventory).path)  # --inventory, else $DCOPS_INVENTORY, else MTPE
    devices = lab_devices(inv, names)
    specs = [device_spec(inv, d) for d in devices]
    ports_list = list(range(base_port, base_port + len(specs))) if base_port else free_ports(len(specs))
    ports = {s.name: p for s, p in zip(specs, ports_list)}
    enable_group_exchange()
    fleet = Fleet(specs, ports, lab_credentials(inv, devices, state_dir))
    started = time.monotonic()
    fleet.start()
    state_dir.mkdir(parents=True, exist_ok=True)
    control = _control_server(state_dir / "control.sock", fleet)
    write_atomic(state_dir / "address-map.yaml", yaml.safe_dump(fleet.address_map().dump(), sort_keys=True))
    manifest = {"pid": os.getpid(), "inventory": str(inv.root), "started_in_s": round(time.monotonic() - started, 2),
                "devices": {s.name: {"port": ports[s.name], "platform": s.platform, "model": s.model} for s in specs}}
    write_atomic(state_dir / "fleet.json", json.dumps(manifest, indent=2, sort_keys=True))

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    control.shutdown()
    fleet.stop()
    _remove_if_ours(state_dir)


def _remove_if_ours(state_dir: Path) -> None:
    """Remove the ready marker and socket unless a newer lab already took the directory."""
    manifest = state_dir / "fleet.json"
    try:
        if json.loads(manifest.read_text()).get("pid") != os.getpid():
            return
    except (OSError, ValueError):
        return
    manifest.unlink(missing_ok=True)
    (state_dir / "control.sock").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="dcops_lab.fakenos.fleet", description=__doc__.splitlines()[0])
    ap.add_argument("--inventory", default=None, help="inventory path (default: $DCOPS_INVENTORY, else the embedded MTPE one)")
    ap.add_argument("--state-dir", required=True, type=Path)
    ap.add_argument("--device", action="append", dest="devices", help="serve only these devices")
    ap.add_argument("--base-port", type=int, default=None, help="consecutive ports from here (default: free ports)")
    args = ap.parse_args(argv)
    try:
        serve(args.inventory, args.state_dir, args.devices, args.base_port)
    except (KeyError, ValueError, OSError) as exc:
        print(f"dcops lab: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # servers are stopped; do not wait for FakeNOS' lingering non-daemon threads
