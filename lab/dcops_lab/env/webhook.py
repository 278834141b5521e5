"""The lab's webhook receiver: records every notification Alertmanager sends, one JSON line each.

Run as `python -m dcops_lab.env.webhook --listen 127.0.0.1:PORT --log FILE` (what `dcops
lab up` does). Every POST, whatever its path, is appended to FILE as
`{"received": <epoch seconds>, "path": "/alerts", "payload": <the JSON body>}`: the
rendered alertmanager.yml points its page and ticket receivers at /alerts and the
watchdog at /watchdog, so the file shows what an on-call person would have been sent,
resolutions included. `GET /-/ready` answers 200. Loopback only, stdlib only: it stands in
for a pager, it is not one.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY = 4 * 1024 * 1024  # an Alertmanager group of a few hundred alerts fits


def read_notifications(log: str | Path) -> list[dict]:
    """Every recorded notification, oldest first (a half-written last line is skipped)."""
    out = []
    try:
        lines = Path(log).read_text().splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def alert_events(notifications: list[dict]) -> list[dict]:
    """One row per alert per notification: when, receiver, status (firing/resolved), name, labels."""
    rows = []
    for n in notifications:
        payload = n.get("payload")
        if not isinstance(payload, dict):
            continue
        for alert in payload.get("alerts", []):
            labels = alert.get("labels", {})
            rows.append({"received": n.get("received"), "path": n.get("path"), "receiver": payload.get("receiver"),
                         "status": alert.get("status"), "alertname": labels.get("alertname"), "labels": labels})
    return rows


class _Receiver(BaseHTTPRequestHandler):
    log_path: Path
    lock = threading.Lock()

    def log_message(self, *args) -> None:  # the JSONL file is the record
        pass

    def _reply(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/-/ready":
            return self._reply(200, "ready\n")
        self._reply(404, "POST notifications here\n")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._reply(413, f"body over {MAX_BODY} bytes\n")
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw.decode(errors="replace")
        line = json.dumps({"received": time.time(), "path": self.path, "payload": payload}, sort_keys=True)
        with self.lock, open(self.log_path, "a") as fh:  # one writer at a time: whole lines only
            fh.write(line + "\n")
        self._reply(200, "recorded\n")


def serve(host: str, port: int, log: Path) -> None:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the lab's receiver listens on loopback only, not {host}")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()
    handler = type("Receiver", (_Receiver,), {"log_path": log})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    threading.Thread(target=server.serve_forever, name="webhook", daemon=True).start()
    done.wait()
    server.shutdown()
    server.server_close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dcops_lab.env.webhook", description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True, help="HOST:PORT, loopback only")
    ap.add_argument("--log", required=True, type=Path, help="JSON lines file every notification is appended to")
    args = ap.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    try:
        serve(host, int(port), args.log)
    except (OSError, ValueError) as exc:
        print(f"dcops lab webhook: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
