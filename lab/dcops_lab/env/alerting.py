"""The alerting end of the lab: Alertmanager and the webhook receiver, as loopback services.

Alertmanager runs the alertmanager.yml `dcops prometheus render` made from the inventory
(routes, receivers, inhibitions unchanged), with its page, ticket and watchdog receivers
pointed at the lab's receiver. Only its timing is the lab's: production waits 30 s
before the first notification of a group and 5 min before the next (a resolution
included); the lab waits `GROUP_WAIT` and `GROUP_INTERVAL`, so a fault and its healing
reach the receiver within seconds, as the lab rule profile's `for:` does for Prometheus.
The file says so in its first line. No gossip (`--cluster.listen-address=`): one instance,
nothing listening beyond its loopback web port.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

from dcops_lab.snmp.services import LOOPBACK, Service, ServiceError, spawn, wait_http

GROUP_WAIT = "1s"
GROUP_INTERVAL = "10s"
BANNER = (f"# LAB ALERTMANAGER TIMING: group_wait {GROUP_WAIT}, group_interval {GROUP_INTERVAL} "
          "(dcops lab up). Never load in production.")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(duration: str) -> float:
    for unit in ("ms", "s", "m", "h", "d"):
        if duration.endswith(unit) and duration[: -len(unit)].isdigit():
            return int(duration[: -len(unit)]) * _SECONDS[unit]
    raise ValueError(f"unexpected duration {duration!r} in alertmanager.yml")


def lab_timing(rendered: bytes) -> bytes:
    """The rendered alertmanager.yml with every route's group_wait and group_interval cut to
    the lab's (never lengthened); everything else as rendered."""
    config = yaml.safe_load(rendered)
    limits = {"group_wait": GROUP_WAIT, "group_interval": GROUP_INTERVAL}

    def shorten(route: dict, root: bool) -> None:
        for key, limit in limits.items():
            if (root and key not in route) or (key in route and _seconds(route[key]) > _seconds(limit)):
                route[key] = limit
        for child in route.get("routes", []):
            shorten(child, False)

    shorten(config["route"], True)
    comments = [line for line in rendered.decode().splitlines() if line.startswith("#")]
    body = yaml.safe_dump(config, sort_keys=False, default_flow_style=False, width=1000)
    return ("\n".join([BANNER, *comments]) + "\n" + body).encode()


def start_alertmanager(config: Path, storage: Path, port: int, logdir: Path) -> Service:
    """Debian's prometheus-alertmanager on 127.0.0.1:`port`, no cluster, data in `storage`."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        raise ServiceError("alertmanager not found (Debian package `prometheus-alertmanager`)")
    storage.mkdir(parents=True, exist_ok=True)
    cmd = [binary, f"--config.file={config}", f"--storage.path={storage}",
           f"--web.listen-address={LOOPBACK}:{port}", "--cluster.listen-address=", "--log.level=warn"]
    proc, log = spawn("alertmanager", cmd, logdir)
    service = Service("alertmanager", proc, f"http://{LOOPBACK}:{port}", log)
    wait_http(service, "/-/ready", timeout=60)
    return service


def start_webhook(port: int, record: Path, logdir: Path) -> Service:
    """The receiver (webhook.py) on 127.0.0.1:`port`, appending every notification to `record`."""
    cmd = [sys.executable, "-m", "dcops_lab.env.webhook", "--listen", f"{LOOPBACK}:{port}", "--log", str(record)]
    proc, log = spawn("webhook", cmd, logdir)
    service = Service("webhook receiver", proc, f"http://{LOOPBACK}:{port}", log)
    wait_http(service, "/-/ready")
    return service
