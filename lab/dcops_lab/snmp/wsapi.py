"""Simulated HPE 3PAR arrays: the Web Services API the `storage` module reads, on 127.0.0.1.

Each array gets its own HTTPS port with a certificate made for the lab (its CA file is
handed back in `env` as REQUESTS_CA_BUNDLE, so the exporter verifies TLS as it would in
production), a login that accepts only the inventory user and a password invented for
the run, and the resources the module reads: `/api/v1/cpgs`, `/capacity`, `/system`,
`/remotecopygroups`. Pools fill slowly (a few MiB a minute); `set_fault(array,
"pool_filling")` makes the first pool fill towards full from that moment.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dcops_inventory import AddressMap, Endpoint, Inventory
from dcops_inventory.endpoints import assert_lab_address
from dcops_lab.snmp.families import Fault, unit

LAB_HOST = "127.0.0.1"
FILL_MIB_PER_S = 20_000  # a filling pool: about 1 TiB a minute, so a test sees it within seconds


def _lab_certificate(workdir: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dcops lab 3PAR WSAPI")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LAB_HOST))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = workdir / "wsapi-lab-ca.pem", workdir / "wsapi-lab-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class SimulatedArray:
    name: str
    user: str
    password: str = field(repr=False)
    started: float = field(default_factory=time.time)
    fault: Fault | None = None
    sessions: set[str] = field(default_factory=set, repr=False)

    def pools(self) -> list[dict]:
        out = []
        for k, pool in enumerate(("FC_r6", "NL_r6")):
            total = int(2_000_000 + 6_000_000 * unit(self.name, pool))
            used = total * (0.4 + 0.3 * unit(self.name, pool, "used")) + 5 * (time.time() - self.started) / 60
            if k == 0 and self.fault is not None and self.fault.kind == "pool_filling":
                used += FILL_MIB_PER_S * (time.time() - self.fault.since)
            used = min(int(used), total)
            space = {"totalMiB": 0, "usedMiB": 0, "rawTotalMiB": 0, "rawUsedMiB": 0}
            out.append({"id": k, "name": pool, "state": 1,
                        "UsrUsage": {**space, "totalMiB": total, "usedMiB": used, "rawTotalMiB": total * 4 // 3},
                        "SAUsage": {**space, "totalMiB": 8192, "usedMiB": 4096},
                        "SDUsage": {**space, "totalMiB": 102_400, "usedMiB": 10_240}})
        return out

    def resource(self, path: str) -> dict | None:
        now = dt.datetime.now(dt.timezone.utc)
        if path == "/api/v1/cpgs":
            pools = self.pools()
            return {"total": len(pools), "members": pools}
        if path == "/api/v1/capacity":
            return {"allCapacity": {"totalMiB": 20_054_016, "freeMiB": 7_518_208, "failedCapacityMiB": 0}}
        if path == "/api/v1/system":
            return {"name": self.name, "model": "HPE 3PAR 8200", "clusterNodes": [0, 1], "onlineNodes": [0, 1]}
        if path == "/api/v1/remotecopygroups":
            synced = (now - dt.timedelta(seconds=30 + int(60 * unit(self.name, "lag")))).isoformat()
            volume = {"localVolumeName": f"{self.name}-data",
                      "remoteVolumes": [{"targetName": "dca-stor-01", "syncStatus": 3, "lastSyncTime": synced}]}
            return {"total": 1, "members": [{"name": f"rcg-{self.name}", "targets": [
                {"targetName": "dca-stor-01", "state": 3, "mode": 3}], "volumes": [volume]}]}
        return None


class _Handler(BaseHTTPRequestHandler):
    array: SimulatedArray

    def log_message(self, *args) -> None:  # the exporter's log is the one to read
        pass

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        if self.path != "/api/v1/credentials":
            return self._reply(404, {"code": 404, "desc": "not found"})
        if body.get("user") != self.array.user or not secrets.compare_digest(str(body.get("password", "")),
                                                                             self.array.password):
            return self._reply(403, {"code": 5, "desc": "invalid username or password"})
        key = secrets.token_hex(16)
        self.array.sessions.add(key)
        self._reply(201, {"key": key})

    def do_GET(self) -> None:  # noqa: N802
        if self.headers.get("X-HP3PAR-WSAPI-SessionKey") not in self.array.sessions:
            return self._reply(403, {"code": 6, "desc": "invalid session key"})
        body = self.array.resource(self.path)
        self._reply(200, body) if body is not None else self._reply(404, {"code": 23, "desc": "not found"})


@dataclass
class WsapiLab:
    address_map: AddressMap
    env: dict[str, str] = field(repr=False)
    arrays: dict[str, SimulatedArray] = field(repr=False)
    servers: list[ThreadingHTTPServer] = field(default_factory=list, repr=False)

    def set_fault(self, device: str, kind: str | None) -> None:
        self.arrays[device].fault = Fault(kind, time.time()) if kind else None

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers.clear()


def start_wsapi_lab(inv: Inventory, devices: list[str], workdir: str | Path) -> WsapiLab:
    """An HTTPS WSAPI per array in `devices`, each on its own loopback port."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    cert, key = _lab_certificate(workdir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    env = {"REQUESTS_CA_BUNDLE": str(cert)}
    lab = WsapiLab(AddressMap(source="wsapi-lab"), env, {})
    assert_lab_address(LAB_HOST)
    try:
        for name in devices:
            creds = inv.get("credentials", inv.device(name).credentials)
            ref = inv.get("secrets", creds.password_secret).ref
            env.setdefault(ref, "lab" + secrets.token_hex(8))  # never a value from this shell
            array = SimulatedArray(name, creds.username, env[ref])
            handler = type(f"Wsapi_{name}", (_Handler,), {"array": array})
            server = ThreadingHTTPServer((LAB_HOST, 0), handler)
            server.daemon_threads = True
            server.socket = context.wrap_socket(server.socket, server_side=True)
            threading.Thread(target=server.serve_forever, name=f"wsapi-{name}", daemon=True).start()
            lab.servers.append(server)
            lab.arrays[name] = array
            lab.address_map.devices[name] = {"http": Endpoint(LAB_HOST, server.server_address[1])}
    except BaseException:
        lab.stop()
        raise
    return lab
