"""The monitoring side of the SNMP lab: dcops exporter, Prometheus and the reference
snmp_exporter as child processes on 127.0.0.1, each in its own process group.

Every service listens on loopback only; Prometheus scrapes the dcops exporter, which
reaches the simulated devices through the lab's address map. `Service.stop()` kills the
process group, so nothing is left behind when a test or `dcops lab` ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dcops_inventory import AddressMap

LOOPBACK = "127.0.0.1"


class ServiceError(RuntimeError):
    pass


def free_tcp_port(host: str = LOOPBACK) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class Service:
    name: str
    proc: subprocess.Popen
    url: str
    log: Path
    cleanup: list[Path] = field(default_factory=list)

    def stop(self, grace: float = 5.0) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(grace)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def spawn(name: str, cmd: list[str], logdir: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
    """Start `cmd` in a session of its own (its PID is its process group, so stopping the group
    stops its children too), output to `<logdir>/<name>.log`."""
    logdir.mkdir(parents=True, exist_ok=True)
    log = logdir / f"{name}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=env)
    return proc, log


def wait_http(service: Service, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.proc.poll() is not None:
            raise ServiceError(f"{service.name} exited with {service.proc.returncode}:\n{service.log_tail()}")
        try:
            with urllib.request.urlopen(service.url + path, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    service.stop()
    raise ServiceError(f"{service.name} not ready on {service.url}{path} after {timeout:.0f}s:\n{service.log_tail()}")


def write_address_map(address_map: AddressMap, path: Path) -> Path:
    path.write_text(yaml.safe_dump(address_map.dump(), sort_keys=True))
    return path


def start_dcops_exporter(inventory: str | Path | None, address_map: AddressMap, logdir: str | Path,
                         secret_env: dict[str, str], port: int | None = None,
                         extra_args: list[str] | None = None) -> Service:
    """`dcops exporter serve` on loopback, told to reach devices only through `address_map`."""
    logdir = Path(logdir)
    port = port or free_tcp_port()
    amap = write_address_map(address_map, logdir / f"exporter-address-map-{port}.yaml")
    cmd = [sys.executable, "-m", "dcops", "exporter", "serve", "--listen", f"{LOOPBACK}:{port}",
           "--address-map", str(amap), *(extra_args or [])]
    if inventory is not None:
        cmd += ["--inventory", str(inventory)]
    env = {**os.environ, **secret_env, "DCOPS_LAB_ONLY": "1"}
    proc, log = spawn(f"dcops-exporter-{port}", cmd, logdir, env)
    service = Service("dcops exporter", proc, f"http://{LOOPBACK}:{port}", log)
    wait_http(service, "/metrics")
    return service


def start_node_exporter(logdir: str | Path, port: int | None = None) -> Service:
    """Debian's prometheus-node-exporter on loopback: the lab's Linux servers all map to it
    (one process is enough to prove the rendered file_sd reaches a real node_exporter).
    Only the collectors an operator reads for a server's health, to keep its CPU small."""
    binary = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    if binary is None:
        raise ServiceError("node_exporter not found (Debian package `prometheus-node-exporter`)")
    port = port or free_tcp_port()
    cmd = [binary, f"--web.listen-address={LOOPBACK}:{port}", "--collector.disable-defaults",
           *(f"--collector.{c}" for c in ("cpu", "meminfo", "loadavg", "filesystem", "time", "uname"))]
    proc, log = spawn(f"node-exporter-{port}", cmd, Path(logdir))
    service = Service("node_exporter", proc, f"http://{LOOPBACK}:{port}", log)
    wait_http(service, "/metrics")
    return service


def start_prometheus(config: str | Path, logdir: str | Path, port: int | None = None, *,
                     storage: Path | None = None, retention: str = "1h") -> Service:
    """Debian's Prometheus in the foreground: a throw-away TSDB, or `storage` kept after it
    stops (`dcops lab up`, whose history outlives one command)."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise ServiceError("prometheus not found (Debian package `prometheus`)")
    logdir = Path(logdir)
    port = port or free_tcp_port()
    cleanup = []
    if storage is None:
        storage = Path(tempfile.mkdtemp(prefix="dcops-prom-tsdb-"))
        cleanup.append(storage)
    cmd = [binary, f"--config.file={config}", f"--storage.tsdb.path={storage}",
           f"--web.listen-address={LOOPBACK}:{port}", "--web.enable-lifecycle",
           f"--storage.tsdb.retention.time={retention}", "--log.level=warn"]
    proc, log = spawn(f"prometheus-{port}", cmd, logdir)
    service = Service("prometheus", proc, f"http://{LOOPBACK}:{port}", log, cleanup=cleanup)
    wait_http(service, "/-/ready", timeout=60)
    return service


IF_MIB_REFERENCE_COLUMNS = {
    "ifHCInOctets": ("1.3.6.1.2.1.31.1.1.1.6", "counter"),
    "ifHCOutOctets": ("1.3.6.1.2.1.31.1.1.1.10", "counter"),
    "ifHighSpeed": ("1.3.6.1.2.1.31.1.1.1.15", "gauge"),
    "ifAdminStatus": ("1.3.6.1.2.1.2.2.1.7", "gauge"),
    "ifOperStatus": ("1.3.6.1.2.1.2.2.1.8", "gauge"),
    "ifInErrors": ("1.3.6.1.2.1.2.2.1.14", "counter"),
    "ifOutErrors": ("1.3.6.1.2.1.2.2.1.20", "counter"),
    "ifInDiscards": ("1.3.6.1.2.1.2.2.1.13", "counter"),
    "ifOutDiscards": ("1.3.6.1.2.1.2.2.1.19", "counter"),
}


def snmp_exporter_config(community: str, module: str = "if_mib") -> dict:
    """An snmp_exporter 0.21 module walking the same IF-MIB columns dcops' if_mib reads
    (0.21 keeps the community inside the module)."""
    return {module: {
        "walk": [oid for oid, _ in IF_MIB_REFERENCE_COLUMNS.values()],
        "version": 2,
        "max_repetitions": 25,
        "retries": 2,
        "timeout": "5s",
        "auth": {"community": community},
        "metrics": [
            {"name": name, "oid": oid, "type": kind, "help": f"{name} (IF-MIB)",
             "indexes": [{"labelname": "ifIndex", "type": "gauge"}]}
            for name, (oid, kind) in IF_MIB_REFERENCE_COLUMNS.items()
        ],
    }}


def start_snmp_exporter(community: str, logdir: str | Path, port: int | None = None) -> Service:
    """Debian's prometheus-snmp-exporter 0.21 with a hand-written if_mib module."""
    binary = shutil.which("prometheus-snmp-exporter")
    if binary is None:
        raise ServiceError("prometheus-snmp-exporter not found (Debian package `prometheus-snmp-exporter`)")
    logdir = Path(logdir)
    port = port or free_tcp_port()
    confdir = Path(tempfile.mkdtemp(prefix="dcops-snmp-exporter-"))
    conf = confdir / "snmp.yml"
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the community
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump(snmp_exporter_config(community), fh, sort_keys=False)
    cmd = [binary, f"--config.file={conf}", f"--web.listen-address={LOOPBACK}:{port}", "--log.level=warn"]
    proc, log = spawn(f"snmp-exporter-{port}", cmd, logdir)
    service = Service("snmp_exporter", proc, f"http://{LOOPBACK}:{port}", log, cleanup=[confdir])
    wait_http(service, "/metrics")
    return service
