"""The simulated storage arrays (snmp/wsapi.py) in a process of their own, for `dcops lab up`.

`start_wsapi_lab` serves the arrays from threads of its caller, which suits a test or
`dcops lab run`; a lab that outlives the command that started it needs them in a process
that stays. Run as `python -m dcops_lab.env.wsapi_host --inventory PATH --workdir DIR
--device NAME ...`; it writes into DIR:

  address-map.yaml  the arrays' HTTPS endpoints on 127.0.0.1
  wsapi.json        pid and the environment the exporter needs (the arrays' invented
                    passwords, the lab CA): mode 0600, written last, so it marks ready
  control.sock      `fault NAME pool_filling` / `clear NAME` / `down NAME` / `up NAME`:
                    faults injected from outside
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socketserver
import ssl
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import yaml

from dcops_inventory import load_inventory
from dcops_inventory.atomicfile import write_atomic
from dcops_inventory.location import resolve_inventory
from dcops_lab.snmp.wsapi import LAB_HOST, WsapiLab, _Handler, start_wsapi_lab

READY_FILE = "wsapi.json"
ADDRESS_MAP = "address-map.yaml"
CONTROL = "control.sock"


def _server_of(lab: WsapiLab, name: str) -> ThreadingHTTPServer | None:
    port = lab.address_map.devices[name]["http"].port
    return next((s for s in lab.servers if s.server_address[1] == port), None)


def _set_down(lab: WsapiLab, name: str, down: bool, workdir: Path) -> None:
    """A down array closes its port (connections are refused, as by a dead controller); up
    serves it again on the same port, same array state, same lab certificate."""
    server = _server_of(lab, name)
    if down and server is not None:
        server.shutdown()
        server.server_close()
        lab.servers.remove(server)
    elif not down and server is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(workdir / "wsapi-lab-ca.pem", workdir / "wsapi-lab-key.pem")
        handler = type(f"Wsapi_{name}", (_Handler,), {"array": lab.arrays[name]})
        server = ThreadingHTTPServer((LAB_HOST, lab.address_map.devices[name]["http"].port), handler)
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, name=f"wsapi-{name}", daemon=True).start()
        lab.servers.append(server)


def _control_server(path: Path, lab: WsapiLab, workdir: Path) -> socketserver.BaseServer:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            words = self.rfile.readline().decode().split()
            reply: dict[str, object] = {"ok": True}
            if len(words) == 3 and words[0] == "fault" and words[1] in lab.arrays:
                lab.set_fault(words[1], words[2])
            elif len(words) == 2 and words[0] == "clear" and words[1] in lab.arrays:
                lab.set_fault(words[1], None)
            elif len(words) == 2 and words[0] in ("down", "up") and words[1] in lab.arrays:
                _set_down(lab, words[1], words[0] == "down", workdir)
            else:
                reply = {"ok": False, "error": f"unknown request {' '.join(words)!r}; use: fault NAME KIND | "
                                               f"clear NAME | down NAME | up NAME "
                                               f"(arrays: {', '.join(sorted(lab.arrays))})"}
            self.wfile.write((json.dumps(reply) + "\n").encode())

    path.unlink(missing_ok=True)
    server = socketserver.ThreadingUnixStreamServer(str(path), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(inventory: str | None, workdir: Path, devices: list[str]) -> None:
    inv = load_inventory(resolve_inventory(inventory).path)
    lab = start_wsapi_lab(inv, devices, workdir)
    control = _control_server(workdir / CONTROL, lab, workdir)
    write_atomic(workdir / ADDRESS_MAP, yaml.safe_dump(lab.address_map.dump(), sort_keys=True))
    ready = {"pid": os.getpid(), "env": lab.env}
    write_atomic(workdir / READY_FILE, json.dumps(ready, indent=2, sort_keys=True), mode=0o600)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    control.shutdown()
    lab.stop()
    (workdir / READY_FILE).unlink(missing_ok=True)
    (workdir / CONTROL).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dcops_lab.env.wsapi_host", description=__doc__.splitlines()[0])
    ap.add_argument("--inventory", default=None)
    ap.add_argument("--workdir", required=True, type=Path)
    ap.add_argument("--device", action="append", dest="devices", required=True)
    args = ap.parse_args(argv)
    try:
        serve(args.inventory, args.workdir, args.devices)
    except (KeyError, ValueError, OSError) as exc:
        print(f"dcops lab storage: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
