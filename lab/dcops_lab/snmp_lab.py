"""The SNMP side of the lab: snmpsim agents for inventory devices, on 127.0.0.1 only.

Each device gets its own SNMP engine and UDP port (so the address map can send it to a
device exactly as the real network would), grouped into a few snmpsim processes so that
one slow agent does not serialise the whole fleet. A device answers only to the community
its inventory SNMP profile references: the launcher invents a value per secret and
hands the values back in `env` (variable -> value) for the exporter — the value is a file name for snmpsim and appears in no log or URL.

As root, snmpsim drops to nobody/nogroup, so the agents' data lives in its own directory
under /tmp owned by that user, mode 0700 (a pytest tmp_path is not reachable by nobody).
That needs an interpreter and packages nobody can read; when the checkout sits somewhere
private (a 0700 clone directory), nobody cannot load pysnmp's MIBs and would answer no
request, so the agents then keep root (snmpsim's SNMPSIM_ALLOW_ROOT), still on loopback only.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from dcops_inventory import AddressMap, Endpoint, Inventory
from dcops_inventory.endpoints import assert_lab_address
from dcops_lab.snmp_records import render_snmprec
from dcops_lab.snmp_wire import snmp_get

LAB_HOST = "127.0.0.1"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
PROCESS_USER, PROCESS_GROUP = "nobody", "nogroup"


class SnmpLabError(RuntimeError):
    """The simulator could not be started; the message names the device or the log."""


@dataclass
class SnmpLab:
    """Running agents; `stop()` (or leaving the `with` block) kills them and their data."""

    address_map: AddressMap
    env: dict[str, str]
    datadir: Path
    logdir: Path
    communities: dict[str, str] = field(repr=False, default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def stop(self, grace: float = 5.0) -> None:
        for proc in self.processes:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.processes:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(5)
        self.processes.clear()
        shutil.rmtree(self.datadir, ignore_errors=True)

    def __enter__(self) -> "SnmpLab":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


def free_udp_ports(count: int, host: str = LAB_HOST) -> list[int]:
    """Ports the kernel has just handed out (held together, so they are distinct)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def snmp_devices(inv: Inventory, names: list[str] | None = None) -> list[str]:
    """Devices the lab can simulate: the named ones, or every device with an SNMP profile."""
    if names is None:
        return sorted(d.name for d in inv.devices if d.snmp_profile)
    missing = [n for n in names if n not in inv.index("devices")]
    if missing:
        raise SnmpLabError(f"not in the inventory: {', '.join(missing)}")
    no_profile = [n for n in names if not inv.device(n).snmp_profile]
    if no_profile:
        raise SnmpLabError(f"no snmp_profile, cannot simulate: {', '.join(no_profile)}")
    return list(names)


def lab_communities(inv: Inventory, devices: list[str], overrides: dict[str, str] | None = None
                    ) -> tuple[dict[str, str], dict[str, str]]:
    """(device -> community it answers to, env var -> value the exporter must see)."""
    env: dict[str, str] = {}
    result: dict[str, str] = {}
    for name in devices:
        profile = inv.get("snmp_profiles", inv.device(name).snmp_profile)
        if profile.version != "v2c":
            raise SnmpLabError(f"{name}: the lab simulates SNMP v2c profiles only, {profile.name} is {profile.version}")
        ref = inv.get("secrets", profile.community_secret).ref
        if ref not in env:
            # Always a fresh value: a production community set in this shell must not end
            # up in the simulator's file names.
            env[ref] = "lab" + secrets.token_hex(8)
        result[name] = env[ref]
    for name, community in (overrides or {}).items():
        result[name] = community
    for name, community in result.items():
        if not community.replace("-", "").replace("_", "").isalnum():
            raise SnmpLabError(f"{name}: a lab community must be letters, digits, - or _ (it is a file name)")
    return result, env


def _private_to_simulator(root: Path) -> None:
    """Only the simulator's user may list the data (file names are communities)."""
    as_root = os.geteuid() == 0
    for path in [root, *root.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
        if as_root:
            shutil.chown(path, PROCESS_USER, PROCESS_GROUP)


def start_snmp_lab(
    inv: Inventory,
    devices: list[str] | None,
    workdir: str | Path,
    *,
    workers: int | None = None,
    community_overrides: dict[str, str] | None = None,
    ready_timeout: float = 120.0,
) -> tuple[SnmpLab, AddressMap]:
    """Start snmpsim agents for `devices` (None: all with an SNMP profile); wait until each answers."""
    names = snmp_devices(inv, devices)
    if not names:
        raise SnmpLabError("no devices to simulate")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    communities, env = lab_communities(inv, names, community_overrides)
    ports = dict(zip(names, free_udp_ports(len(names))))
    workers = max(1, min(workers or min(4, os.cpu_count() or 1), len(names)))

    datadir = Path(tempfile.mkdtemp(prefix="dcops-snmplab-", dir="/tmp"))
    address_map = AddressMap(
        devices={n: {"snmp": Endpoint(LAB_HOST, ports[n])} for n in names}, source=f"snmp-lab:{datadir}"
    )
    lab = SnmpLab(address_map=address_map, env=env, datadir=datadir, logdir=workdir, communities=communities)
    try:
        for n in names:
            device_dir = datadir / "data" / n
            device_dir.mkdir(parents=True)
            (device_dir / f"{communities[n]}.snmprec").write_text(render_snmprec(inv, inv.device(n)))
        groups = [names[k::workers] for k in range(workers)]
        for k, group in enumerate(groups):
            args: list[str] = []
            for n in group:
                args += ["--v3-engine-id=auto", f"--data-dir={datadir / 'data' / n}",
                         f"--agent-udpv4-endpoint={LAB_HOST}:{ports[n]}"]
            (datadir / f"engines-{k}.args").write_text("\n".join(args) + "\n")
            (datadir / f"cache-{k}").mkdir()
        _private_to_simulator(datadir)
        for k in range(len(groups)):
            lab.processes.append(_launch(datadir, k, workdir))
        _wait_ready(lab, names, ports, communities, ready_timeout)
    except BaseException:
        lab.stop()
        raise
    (workdir / "snmp-address-map.yaml").write_text(_dump_yaml(address_map))
    return lab, address_map


def _launch(datadir: Path, k: int, logdir: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "snmpsim.commands.responder",
           f"--args-from-file={datadir / f'engines-{k}.args'}",
           f"--cache-dir={datadir / f'cache-{k}'}",
           "--log-level=error",  # info level would log community names
           "--logging-method=stderr"]
    env = {**os.environ, "HOME": str(datadir)}
    if os.geteuid() == 0:
        if _readable_by_anyone(Path(sys.prefix)):
            cmd += [f"--process-user={PROCESS_USER}", f"--process-group={PROCESS_GROUP}"]
        else:
            env["SNMPSIM_ALLOW_ROOT"] = "true"
    log = open(logdir / f"snmpsim-{k}.log", "wb")
    try:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=env, cwd=datadir)
    finally:
        log.close()


def _readable_by_anyone(path: Path) -> bool:
    """Can an unprivileged user reach `path` (every directory above it searchable) and read it?"""
    path = path.resolve()
    try:
        if not all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents)):
            return False
        return bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return False


def _wait_ready(lab: SnmpLab, names: list[str], ports: dict[str, int], communities: dict[str, str],
                timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(names)
    while pending:
        for proc in lab.processes:
            if proc.poll() is not None:
                raise SnmpLabError(f"snmpsim exited with code {proc.returncode}; see {lab.logdir}/snmpsim-*.log")
        name = pending[0]
        assert_lab_address(LAB_HOST)
        if snmp_get((LAB_HOST, ports[name]), communities[name], SYS_NAME, timeout=0.5) is not None:
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            raise SnmpLabError(f"{name}: no SNMP answer on {LAB_HOST}:{ports[name]} after {timeout:.0f}s; "
                               f"see {lab.logdir}/snmpsim-*.log")
        time.sleep(0.2)


def _dump_yaml(address_map: AddressMap) -> str:
    import yaml

    return yaml.safe_dump(address_map.dump(), sort_keys=True)
