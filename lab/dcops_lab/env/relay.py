"""The lab's wire: a UDP relay port per simulated device, between the exporter and its SNMP agent.

snmpsim serves many devices from one process and cannot silence one of them: a data file
moved aside makes its agent fail every request, and snmpsim's cache of open data files
then breaks for every other device of that process. A device that is down should be
what a dead device is on a real network: datagrams sent to it vanish. So the exporter
reaches each agent through its own port here, and `down NAME` drops that port's
traffic (both ways) until `up NAME`; the agents themselves never change.

Run as `python -m dcops_lab.env.relay --agents MAP --workdir DIR` (what `dcops lab up`
does), MAP being the agents' address map. It writes into DIR:

  address-map.yaml  device -> its relay port on 127.0.0.1 (what the exporter is given)
  relay.json        pid; written last, so it marks ready
  control.sock      `down NAME` / `up NAME` / `status`

One loop, plain sockets: a request from a new client address gets a socket connected
to the agent, whose replies go back to that client; sockets idle for a minute are closed
(the exporter opens a client socket per probe).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import yaml

from dcops_inventory import AddressMap, Endpoint
from dcops_inventory.atomicfile import write_atomic
from dcops_lab.snmp.lab import free_udp_ports

LOOPBACK = "127.0.0.1"
ADDRESS_MAP = "address-map.yaml"
READY_FILE = "relay.json"
CONTROL = "control.sock"
IDLE_SECONDS = 60.0


class DevicePort(asyncio.DatagramProtocol):
    """One device's port: forwards to its agent unless the device is down."""

    def __init__(self, name: str, agent: tuple[str, int]):
        self.name, self.agent = name, agent
        self.down = False
        self.transport: asyncio.DatagramTransport | None = None
        self.upstreams: dict[tuple[str, int], tuple[socket.socket, float]] = {}

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, client: tuple[str, int]) -> None:
        if self.down:
            return
        entry = self.upstreams.get(client)
        sock = entry[0] if entry else self._open(client)
        self.upstreams[client] = (sock, time.monotonic())
        try:
            sock.send(data)
        except OSError:
            pass  # the agent's port refuses: the request is lost, as on a real network

    def _open(self, client: tuple[str, int]) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.connect(self.agent)
        asyncio.get_running_loop().add_reader(sock.fileno(), self._reply, sock, client)
        return sock

    def _reply(self, sock: socket.socket, client: tuple[str, int]) -> None:
        try:
            data = sock.recv(65535)
        except OSError:
            return
        if not self.down and self.transport is not None:
            self.transport.sendto(data, client)

    def close_idle(self, older_than: float) -> None:
        for client, (sock, last) in list(self.upstreams.items()):
            if last < older_than:
                asyncio.get_running_loop().remove_reader(sock.fileno())
                sock.close()
                del self.upstreams[client]

    def set_down(self, down: bool) -> None:
        self.down = down
        if down:  # replies in flight are dropped too
            self.close_idle(float("inf"))


async def _control(ports: dict[str, DevicePort], reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    words = (await reader.readline()).decode().split()
    if words[:1] == ["status"]:
        reply: dict[str, object] = {"ok": True, "down": sorted(n for n, p in ports.items() if p.down)}
    elif len(words) == 2 and words[0] in ("down", "up") and words[1] in ports:
        ports[words[1]].set_down(words[0] == "down")
        reply = {"ok": True}
    else:
        reply = {"ok": False, "error": f"unknown request {' '.join(words)!r}; use: status | down NAME | up NAME"}
    writer.write((json.dumps(reply) + "\n").encode())
    await writer.drain()
    writer.close()


async def serve(agents: AddressMap, workdir: Path) -> None:
    loop = asyncio.get_running_loop()
    names = sorted(n for n, services in agents.devices.items() if "snmp" in services)
    ports: dict[str, DevicePort] = {}
    for name, port in zip(names, free_udp_ports(len(names))):
        agent = agents.devices[name]["snmp"]
        ports[name] = DevicePort(name, (agent.host, agent.port))
        await loop.create_datagram_endpoint(lambda p=ports[name]: p, local_addr=(LOOPBACK, port))  # type: ignore[misc]
    control_path = workdir / CONTROL
    control_path.unlink(missing_ok=True)
    server = await asyncio.start_unix_server(lambda r, w: _control(ports, r, w), path=str(control_path))
    relayed = AddressMap(devices={n: {"snmp": Endpoint(LOOPBACK, p.transport.get_extra_info("sockname")[1])}
                                  for n, p in ports.items() if p.transport is not None}, source="lab-relay")
    write_atomic(workdir / ADDRESS_MAP, yaml.safe_dump(relayed.dump(), sort_keys=True))
    write_atomic(workdir / READY_FILE, json.dumps({"pid": os.getpid(), "devices": len(ports)}))
    done = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    while not done.is_set():
        try:
            await asyncio.wait_for(done.wait(), timeout=15)
        except asyncio.TimeoutError:
            for p in ports.values():
                p.close_idle(time.monotonic() - IDLE_SECONDS)
    server.close()
    for name in (READY_FILE, CONTROL):
        (workdir / name).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dcops_lab.env.relay", description=__doc__.splitlines()[0])
    ap.add_argument("--agents", required=True, type=Path, help="the SNMP agents' address map")
    ap.add_argument("--workdir", required=True, type=Path)
    args = ap.parse_args(argv)
    try:
        asyncio.run(serve(AddressMap.load(args.agents), args.workdir))
    except (OSError, ValueError) as exc:
        print(f"dcops lab relay: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
