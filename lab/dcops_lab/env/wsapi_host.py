"""The simulated storage arrays (snmp/wsapi.py) in a process of their own, for `dcops lab up`.

`start_wsapi_lab` serves the arrays from threads of its caller, which suits a test or
`dcops lab run`; a lab that outlives the command that started it needs them in a process
that stays. Run as `python -m dcops_lab.env.wsapi_host --inventory PATH --workdir DIR
--device NAME ...`; it writes into DIR:

  address-map.yaml  the arrays' HTTPS endpoints on 127.0.0.1
  wsapi.json        pid and the environment the exporter needs (the arrays' invented
                    passwords, the lab CA): mode 0600, written last, so it marks ready
  control.sock   `fault NAME pool_filling` / `clear NAME`: a fault injected from outside
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socketserver
import sys
import threading
from pathlib import Path

import yaml

from dcops_inventory import load_inventory
from dcops_inventory.atomicfile import write_atomic
from dcops_inventory.location import resolve_inventory
from dcops_lab.snmp.wsapi import WsapiLab, start_wsapi_lab

READY_FILE = "wsapi.json"
ADDRESS_MAP = "address-map.yaml"
CONTROL = "control.sock"


def _control_server(path: Path, lab: WsapiLab) -> socketserver.BaseServer:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            words = self.rfile.readline().decode().split()
            reply: dict[str, object]
            if len(words) == 3 and words[0] == "fault" and words[1] in lab.arrays:
                lab.set_fault(words[1], words[2])
                reply = {"ok": True}
            elif len(words) == 2 and words[0] == "clear" and words[1] in lab.arrays:
                lab.set_fault(words[1], None)
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": f"unknown request {' '.join(words)!r}; use: fault NAME KIND | clear NAME "
                                               f"(arrays: {', '.join(sorted(lab.arrays))})"}
            self.wfile.write((json.dumps(reply) + "\n").encode())

    path.unlink(missing_ok=True)
    server = socketserver.ThreadingUnixStreamServer(str(path), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(inventory: str | None, workdir: Path, devices: list[str]) -> None:
    inv = load_inventory(resolve_inventory(inventory).path)
    lab = start_wsapi_lab(inv, devices, workdir)
    control = _control_server(workdir / CONTROL, lab)
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
