"""The SNMP side of the lab: snmpsim agents for inventory devices, on 127.0.0.1 only.

Each device gets its own SNMP engine and UDP port (so the address map can send it to a
device exactly as the real network would), grouped into a few snmpsim processes so that
one slow agent does not serialise the whole fleet. A device answers only to the community
its inventory SNMP profile references: the launcher invents a value per secret and
hands the values back in `env` (variable -> value) for the exporter — the value is a file name for snmpsim and appears in no log or URL.

A device whose profile is SNMPv3 answers only to the profile's USM user, with fresh
random auth and priv keys handed back in `env` the same way (they sit only in the engines'
args file, inside the private data directory). snmpsim picks the data of a v3 request by
its context name (see snmpsim's `probe_hash_context`): candidates built from the context
engine ID, context name, transport ID and source address are tried first, then the bare
context name. Every data file registers its name, relative to the data directory, as a
context name, and `self.snmprec` registers the empty one, which is what the exporter asks
for. Every data file is also a v2c community unless snmpsim runs with `--v3-only`, so the
v3 devices live in processes of their own started that way: their `self.snmprec` is not
an empty v2c community.

As root, snmpsim drops to nobody/nogroup, so the agents' data lives in its own directory
under /tmp owned by that user, mode 0700 (a pytest tmp_path is not reachable by nobody).
That needs an interpreter and packages nobody can read; when the checkout sits somewhere
private (a 0700 clone directory), nobody cannot load pysnmp's MIBs and would answer no
request, so the agents then keep root (snmpsim's SNMPSIM_ALLOW_ROOT), still on loopback only.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dcops_inventory import AddressMap, Endpoint, Inventory
from dcops_inventory.endpoints import assert_lab_address
from dcops_lab.snmp.records import render_snmprec
from dcops_lab.snmp.wire import snmp_get

LAB_HOST = "127.0.0.1"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
PROCESS_USER, PROCESS_GROUP = "nobody", "nogroup"
# The inventory's protocol names (choices.SnmpAuthProtocol/SnmpPrivProtocol) as snmpsim
# spells them. snmpsim's AES256 is the Cisco/Reeder key expansion, like pysnmp's.
USM_AUTH = {"MD5": "MD5", "SHA": "SHA", "SHA256": "SHA256", "SHA512": "SHA512"}
USM_PRIV = {"DES": "DES", "AES": "AES", "AES256": "AES256"}
V3_DATA_FILE = "self.snmprec"  # the empty context name
VARIATION_MODULE = Path(__file__).parent / "variation" / "dcopsvalue.py"  # readings that move (families.py)


class SnmpLabError(RuntimeError):
    """The simulator could not be started; the message names the device or the log."""


@dataclass(frozen=True)
class LabUsmUser:
    """The SNMPv3 USM user a lab device answers to; `repr` never shows the keys."""

    user: str
    auth_protocol: str
    auth_key: str = field(repr=False)
    priv_protocol: str | None = None
    priv_key: str | None = field(default=None, repr=False)

    def snmpsim_args(self) -> list[str]:
        args = [f"--v3-user={self.user}", f"--v3-auth-key={self.auth_key}",
                f"--v3-auth-proto={USM_AUTH[self.auth_protocol]}"]
        if self.priv_protocol:
            args += [f"--v3-priv-key={self.priv_key}", f"--v3-priv-proto={USM_PRIV[self.priv_protocol]}"]
        return args


@dataclass
class SnmpLab:
    """Running agents; `stop()` (or leaving the `with` block) kills them and their data."""

    address_map: AddressMap
    env: dict[str, str] = field(repr=False)  # secret values: not in tracebacks
    datadir: Path
    logdir: Path
    communities: dict[str, str] = field(repr=False, default_factory=dict)
    usm_users: dict[str, LabUsmUser] = field(repr=False, default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def data_file(self, device: str) -> Path:
        """The `.snmprec` the device's agent answers from (its name is the community)."""
        name = V3_DATA_FILE if device in self.usm_users else f"{self.communities[device]}.snmprec"
        return self.datadir / "data" / device / name

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


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_udp_ports(count: int, host: str = LAB_HOST) -> list[int]:
    """Free UDP ports below the kernel's ephemeral range, held together so they are distinct.

    Ports the kernel hands out for port 0 come from the ephemeral range, which every SNMP
    client socket on the machine (the exporter opens one per probe) also draws from: in
    the seconds between choosing a port and snmpsim binding it, another socket could take
    it and the agent would never see its requests. Below that range no socket gets a port
    it did not ask for.
    """
    low, _ = _ephemeral_range()
    first, last = 10000, max(10000 + count + 1, low)
    start = first + secrets.randbelow(max(1, last - first))
    socks: list[socket.socket] = []
    try:
        for offset in range(last - first):
            port = first + (start - first + offset) % (last - first)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((host, port))
            except OSError:
                s.close()
                continue
            socks.append(s)
            if len(socks) == count:
                return [s.getsockname()[1] for s in socks]
        raise SnmpLabError(f"only {len(socks)} free UDP ports between {first} and {last} on {host}, {count} needed")
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


def _lab_secret(inv: Inventory, secret: str, env: dict[str, str]) -> str:
    """The lab value of a secret reference, invented once per variable."""
    ref = inv.get("secrets", secret).ref
    if ref not in env:
        # Always a fresh value: a production community or key set in this shell must not
        # reach the simulator.
        env[ref] = "lab" + secrets.token_hex(8)
    return env[ref]


def lab_communities(inv: Inventory, devices: list[str], overrides: dict[str, str] | None = None
                    ) -> tuple[dict[str, str], dict[str, str]]:
    """(v2c device -> community it answers to, env var -> value the exporter must see).

    SNMPv3 devices are left out: `lab_usm_users` gives theirs."""
    env: dict[str, str] = {}
    result: dict[str, str] = {}
    for name in devices:
        profile = inv.get("snmp_profiles", inv.device(name).snmp_profile)
        if profile.version == "v2c":
            result[name] = _lab_secret(inv, profile.community_secret, env)
    for name, community in (overrides or {}).items():
        if name in result:
            result[name] = community
    for name, community in result.items():
        if not community.replace("-", "").replace("_", "").isalnum():
            raise SnmpLabError(f"{name}: a lab community must be letters, digits, - or _ (it is a file name)")
    return result, env


def lab_usm_users(inv: Inventory, devices: list[str], env: dict[str, str]) -> dict[str, LabUsmUser]:
    """v3 device -> the USM user it answers to; the keys' values are added to `env`."""
    result: dict[str, LabUsmUser] = {}
    for name in devices:
        profile = inv.get("snmp_profiles", inv.device(name).snmp_profile)
        if profile.version != "v3":
            continue
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,32}", profile.user or ""):
            raise SnmpLabError(f"{name}: the lab needs a USM user name of letters, digits, '.', '-' or '_' "
                               f"(profile {profile.name})")
        if bool(profile.priv_protocol) != bool(profile.priv_secret):
            raise SnmpLabError(f"{name}: profile {profile.name} needs both priv_protocol and priv_secret, or neither")
        result[name] = LabUsmUser(
            user=profile.user,
            auth_protocol=profile.auth_protocol or "SHA",  # the exporter's default too
            auth_key=_lab_secret(inv, profile.auth_secret, env),
            priv_protocol=profile.priv_protocol,
            priv_key=_lab_secret(inv, profile.priv_secret, env) if profile.priv_secret else None,
        )
    return result


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
    usm_users = lab_usm_users(inv, names, env)
    ports = dict(zip(names, free_udp_ports(len(names))))
    workers = max(1, min(workers or min(4, os.cpu_count() or 1), len(names)))

    datadir = Path(tempfile.mkdtemp(prefix="dcops-snmplab-", dir="/tmp"))
    # snmpsim looks for variation modules in $HOME/.snmpsim/variation; HOME is datadir
    (datadir / ".snmpsim" / "variation").mkdir(parents=True)
    shutil.copy(VARIATION_MODULE, datadir / ".snmpsim" / "variation" / VARIATION_MODULE.name)
    address_map = AddressMap(
        devices={n: {"snmp": Endpoint(LAB_HOST, ports[n])} for n in names}, source=f"snmp-lab:{datadir}"
    )
    lab = SnmpLab(address_map=address_map, env=env, datadir=datadir, logdir=workdir, communities=communities,
                  usm_users=usm_users)
    try:
        for n in names:
            device_dir = datadir / "data" / n
            device_dir.mkdir(parents=True)
            data_file = V3_DATA_FILE if n in usm_users else f"{communities[n]}.snmprec"
            (device_dir / data_file).write_text(render_snmprec(inv, inv.device(n)))
        v2c = [n for n in names if n not in usm_users]
        v3 = [n for n in names if n in usm_users]
        # v3 engines run in processes of their own, with --v3-only (see the module docstring).
        groups = [(g, False) for g in _split(v2c, workers)] + [(g, True) for g in _split(v3, workers)]
        for k, (group, _) in enumerate(groups):
            args: list[str] = []
            for n in group:
                args += ["--v3-engine-id=auto", f"--data-dir={datadir / 'data' / n}",
                         f"--agent-udpv4-endpoint={LAB_HOST}:{ports[n]}"]
                if n in usm_users:
                    args += usm_users[n].snmpsim_args()
            (datadir / f"engines-{k}.args").write_text("\n".join(args) + "\n")
            (datadir / f"cache-{k}").mkdir()
        _private_to_simulator(datadir)
        for k, (_, v3_only) in enumerate(groups):
            lab.processes.append(_launch(datadir, k, workdir, v3_only=v3_only))
        _wait_ready(lab, names, ports, communities, usm_users, ready_timeout)
    except BaseException:
        lab.stop()
        raise
    (workdir / "snmp-address-map.yaml").write_text(_dump_yaml(address_map))
    return lab, address_map


def _split(names: list[str], workers: int) -> list[list[str]]:
    """At most `workers` non-empty groups, round robin."""
    return [names[k::workers] for k in range(min(workers, len(names)))]


def _launch(datadir: Path, k: int, logdir: Path, *, v3_only: bool = False) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "snmpsim.commands.responder",
           f"--args-from-file={datadir / f'engines-{k}.args'}",  # holds the v3 keys: not in argv
           f"--cache-dir={datadir / f'cache-{k}'}",
           "--log-level=error",  # info level would log community names and v3 keys
           "--logging-method=stderr"]
    if v3_only:
        cmd.append("--v3-only")
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
                usm_users: dict[str, LabUsmUser], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = [n for n in names if n not in usm_users]
    while pending:
        _check_running(lab)
        name = pending[0]
        assert_lab_address(LAB_HOST)
        if snmp_get((LAB_HOST, ports[name]), communities[name], SYS_NAME, timeout=0.5) is not None:
            pending.pop(0)
            continue
        _check_deadline(lab, name, ports, deadline, timeout)
        time.sleep(0.2)
    v3 = [n for n in names if n in usm_users]
    if v3:
        # pysnmp's asyncio API, on a loop of its own in a thread of its own: the caller's
        # thread keeps its event loop (or lack of one) whatever happens here.
        with ThreadPoolExecutor(1, thread_name_prefix="snmp-lab-v3-ready") as pool:
            pool.submit(asyncio.run, _wait_ready_v3(lab, v3, ports, usm_users, deadline, timeout)).result()


async def _wait_ready_v3(lab: SnmpLab, names: list[str], ports: dict[str, int], usm_users: dict[str, LabUsmUser],
                         deadline: float, timeout: float) -> None:
    for name in names:
        while not await usm_answers(ports[name], usm_users[name]):
            _check_running(lab)
            _check_deadline(lab, name, ports, deadline, timeout)
            await asyncio.sleep(0.2)


async def usm_answers(port: int, user: LabUsmUser) -> bool:
    """Does the agent answer sysName.0 to `user` (authenticated, decrypted, from its data)?"""
    from pysnmp.hlapi.v3arch.asyncio import (
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        UsmUserData,
        auth,
        get_cmd,
    )

    auth_protocols = {"MD5": auth.USM_AUTH_HMAC96_MD5, "SHA": auth.USM_AUTH_HMAC96_SHA,
                      "SHA256": auth.USM_AUTH_HMAC192_SHA256, "SHA512": auth.USM_AUTH_HMAC384_SHA512}
    priv_protocols = {"DES": auth.USM_PRIV_CBC56_DES, "AES": auth.USM_PRIV_CFB128_AES,
                      "AES256": auth.USM_PRIV_CFB256_AES}
    assert_lab_address(LAB_HOST)
    # A fresh engine per check: pysnmp keeps one USM row per user name, and devices may
    # share a user name with other protocols or keys.
    engine = SnmpEngine()
    try:
        usm = UsmUserData(
            user.user, authKey=user.auth_key, privKey=user.priv_key,
            authProtocol=auth_protocols[user.auth_protocol],
            privProtocol=priv_protocols[user.priv_protocol] if user.priv_protocol else auth.USM_PRIV_NONE,
        )
        target = await UdpTransportTarget.create((LAB_HOST, port), timeout=0.5, retries=0)
        error_indication, error_status, _, var_binds = await get_cmd(
            engine, usm, target, ContextData(), ObjectType(ObjectIdentity(SYS_NAME)), lookupMib=False)
        return not error_indication and not error_status and bool(var_binds)
    finally:
        engine.close_dispatcher()


def _check_running(lab: SnmpLab) -> None:
    for proc in lab.processes:
        if proc.poll() is not None:
            raise SnmpLabError(f"snmpsim exited with code {proc.returncode}; see {lab.logdir}/snmpsim-*.log")


def _check_deadline(lab: SnmpLab, name: str, ports: dict[str, int], deadline: float, timeout: float) -> None:
    if time.monotonic() > deadline:
        raise SnmpLabError(f"{name}: no SNMP answer on {LAB_HOST}:{ports[name]} after {timeout:.0f}s; "
                           f"see {lab.logdir}/snmpsim-*.log")


def _dump_yaml(address_map: AddressMap) -> str:
    import yaml

    return yaml.safe_dump(address_map.dump(), sort_keys=True)
