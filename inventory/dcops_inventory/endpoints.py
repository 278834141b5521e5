"""Where dcops may send traffic to reach a device.

The inventory's management addresses describe a network this machine may not be able (or
allowed) to reach. Every tool that opens a connection asks this module for the endpoint,
and in lab mode (an address map is given, or DCOPS_LAB_ONLY is set) only loopback and the
lab's own network-namespace subnets are accepted: a mistake then fails loudly instead of
sending packets to a production address.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LAB_ONLY_ENV = "DCOPS_LAB_ONLY"
LAB_SUBNETS_ENV = "DCOPS_LAB_SUBNETS"  # comma-separated CIDRs of namespaces the lab created

SERVICES = ("ssh", "snmp", "http")


class UnsafeTargetError(RuntimeError):
    """Raised instead of connecting to an address outside the lab's allowed ranges."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def lab_only() -> bool:
    return os.environ.get(LAB_ONLY_ENV, "") not in ("", "0", "false", "no")


def allowed_lab_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = [
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    ]
    for cidr in filter(None, (c.strip() for c in os.environ.get(LAB_SUBNETS_ENV, "").split(","))):
        nets.append(ipaddress.ip_network(cidr, strict=False))
    return nets


def assert_lab_address(host: str) -> None:
    """Refuse any host that is not loopback or a lab namespace address."""
    if host == "localhost":
        return
    try:
        addr = ipaddress.ip_address(host)
    except ValueError as exc:
        raise UnsafeTargetError(f"lab mode accepts IP literals only, got {host!r}") from exc
    if not any(addr in net for net in allowed_lab_networks()):
        raise UnsafeTargetError(
            f"refusing to contact {host}: lab mode allows only loopback and {LAB_SUBNETS_ENV} subnets"
        )


@dataclass
class AddressMap:
    """Device name -> {service: Endpoint}, loaded from YAML/JSON:

    devices:
      sc-core-01: {host: 127.0.0.1, ssh: 10022, snmp: 10161}
    """

    devices: dict[str, dict[str, Endpoint]] = field(default_factory=dict)
    source: str = "<memory>"

    @classmethod
    def load(cls, path: str | Path) -> "AddressMap":
        path = Path(path)
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict) or not isinstance(data.get("devices"), dict):
            raise ValueError(f"{path}: an address map needs a 'devices' mapping")
        devices: dict[str, dict[str, Endpoint]] = {}
        for name, entry in data["devices"].items():
            if not isinstance(entry, dict) or "host" not in entry:
                raise ValueError(f"{path}: devices.{name}: needs 'host' and service ports")
            unknown = set(entry) - {"host", *SERVICES}
            if unknown:
                raise ValueError(f"{path}: devices.{name}: unknown keys {sorted(unknown)}")
            host = str(entry["host"])
            assert_lab_address(host)
            devices[name] = {svc: Endpoint(host, int(entry[svc])) for svc in SERVICES if svc in entry}
        return cls(devices=devices, source=str(path))

    def dump(self) -> dict[str, dict[str, dict[str, str | int]]]:
        out: dict[str, dict[str, str | int]] = {}
        for name in sorted(self.devices):
            services = self.devices[name]
            host = next(iter(services.values())).host if services else "127.0.0.1"
            out[name] = {"host": host, **{svc: ep.port for svc, ep in sorted(services.items())}}
        return {"devices": out}

    def merged(self, other: "AddressMap") -> "AddressMap":
        """Both maps' services per device (the SSH lab and the SNMP lab each add theirs)."""
        devices = {name: dict(services) for name, services in self.devices.items()}
        for name, services in other.devices.items():
            devices.setdefault(name, {}).update(services)
        return AddressMap(devices=devices, source=f"{self.source}+{other.source}")

    def endpoint(self, device: str, service: str) -> Endpoint | None:
        return self.devices.get(device, {}).get(service)


DEFAULT_PORTS = {"ssh": 22, "snmp": 161, "http": 443}


def resolve_endpoint(
    device_name: str,
    mgmt_ip: str | None,
    service: str,
    address_map: AddressMap | None = None,
) -> Endpoint:
    """The one place a device name becomes host:port.

    With an address map the device must be in it (a lab never falls back to the inventory
    address); without one the inventory's management address is used, unless lab-only mode
    is on, in which case that address must itself be loopback or a lab subnet.
    """
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; valid: {', '.join(SERVICES)}")
    if address_map is not None:
        ep = address_map.endpoint(device_name, service)
        if ep is None:
            raise UnsafeTargetError(
                f"{device_name}: no {service} endpoint in the lab address map {address_map.source}"
            )
        assert_lab_address(ep.host)
        return ep
    if not mgmt_ip:
        raise UnsafeTargetError(f"{device_name}: has no management address in the inventory")
    host = str(mgmt_ip).split("/")[0]
    if lab_only():
        assert_lab_address(host)
    return Endpoint(host, DEFAULT_PORTS[service])
