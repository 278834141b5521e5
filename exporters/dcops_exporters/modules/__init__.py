"""Collector modules: one small class per device family, found by name in MODULES.

A module says whether it can probe a device (`unsupported`, a reason or None) and, given a
ProbeContext, returns metric families. It raises only SnmpError-like failures; the probe
turns those into `dcops_probe_success 0`. Adding a family (storage, UPS, cooling, SSH) is
one new file that calls `register`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from prometheus_client.core import Metric

from dcops_exporters.snmp import SnmpClient
from dcops_exporters.targets import InventoryIndex
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


class Module(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    roles: ClassVar[tuple[str, ...]]  # device roles the rendered Prometheus config probes

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


def load_builtin_modules() -> None:
    from dcops_exporters.modules import if_mib, wan  # noqa: F401  (they register themselves)
