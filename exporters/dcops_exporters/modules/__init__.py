"""Collector modules: one small class per device family, found by name in MODULES.

A module says whether it can probe a device (`unsupported`, a reason or None) and, given a
ProbeContext, returns metric families. It raises only SnmpError-like failures; the probe
turns those into `dcops_probe_success 0`. Adding a family (storage, UPS, cooling, SSH) is
one new file that calls `register`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from prometheus_client.core import Metric

from dcops_exporters.snmp import SnmpClient
from dcops_exporters.targets import InventoryIndex
from dcops_inventory import AddressMap
from dcops_inventory.models import Device


class ProbeLog:
    """Lines for `debug=true`; timestamps are relative to the probe start."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._start = clock()
        self.lines: list[str] = []

    def __call__(self, message: str) -> None:
        self.lines.append(f"{self._clock() - self._start:8.4f}s {message}")


@dataclass
class ProbeContext:
    index: InventoryIndex
    device: Device
    snmp: SnmpClient
    log: ProbeLog
    ifnames: "IfNameCache"
    # For modules that reach a device by something other than SNMP (the storage arrays'
    # REST API): the lab address map, Ansible-vault values for secrets, the probe's time
    # budget in seconds, and state kept between probes (keyed by module, e.g. sessions).
    address_map: AddressMap | None = None
    vault_vars: Mapping[str, str] | None = None
    timeout: float = 5.0
    state: dict[str, Any] = field(default_factory=dict)


class Module(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    roles: ClassVar[tuple[str, ...]]  # device roles the rendered Prometheus config probes
    # The shortest interval the rendered config probes it at, whatever the device's scrape
    # tier (0: the tier's); for slowly changing readings such as temperatures.
    min_interval_ms: ClassVar[int] = 0

    def unsupported(self, index: InventoryIndex, device: Device) -> str | None:
        if not device.snmp_profile:
            return f"device {device.name} has no snmp_profile in the inventory"
        return None

    @abstractmethod
    async def collect(self, ctx: ProbeContext) -> list[Metric]:
        ...


MODULES: dict[str, Module] = {}


def register(cls: type[Module]) -> type[Module]:
    MODULES[cls.name] = cls()
    return cls


@dataclass
class IfNameCache:
    """ifIndex -> ifName per device, refreshed after `ttl` seconds or on an unknown index.

    Indexes are stable between reboots on real switches; walking ifName once an hour instead
    of on every scrape halves the PDUs of a probe.
    """

    ttl: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, tuple[float, dict[tuple[int, ...], str]]] = field(default_factory=dict)

    def get(self, device: str) -> dict[tuple[int, ...], str] | None:
        entry = self._entries.get(device)
        if entry is None or self.clock() > entry[0]:
            return None
        return entry[1]

    def put(self, device: str, names: dict[tuple[int, ...], str]) -> None:
        self._entries[device] = (self.clock() + self.ttl, names)

    def invalidate(self, device: str) -> None:
        self._entries.pop(device, None)


IF_NAME = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1)


async def interface_names(ctx: ProbeContext) -> dict[tuple[int, ...], str]:
    names = ctx.ifnames.get(ctx.device.name)
    if names is None:
        walked = await ctx.snmp.walk([IF_NAME], rows=len(ctx.index.interfaces.get(ctx.device.name, ())) or None)
        names = {idx: bytes(v).decode("utf-8", "replace") for idx, v in walked[IF_NAME].items()}
        ctx.ifnames.put(ctx.device.name, names)
        ctx.log(f"walked ifName: {len(names)} interfaces")
    return names


def number(value: object) -> float:
    """An SNMP value as a number: gufo-snmp hands back ints, and DisplayStrings as bytes
    (FortiGate's sensor values are text); anything else is a malformed reply."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("ascii", "replace").strip()
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        from dcops_exporters.snmp import SnmpError

        raise SnmpError(f"expected a number, got {type(value).__name__} {str(value)[:40]!r}") from None


def text(value: object) -> str:
    """An SNMP OctetString (or OID) value as text, for labels."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace").strip().strip("\x00")
    return str(value).strip(".")


def index_label(index: tuple[int, ...]) -> str:
    return ".".join(map(str, index))


def load_builtin_modules() -> None:
    from dcops_exporters.modules import cooling, health, host, if_mib, storage, ups, wan  # noqa: F401  (they register themselves)
