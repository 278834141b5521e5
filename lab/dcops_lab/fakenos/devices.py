"""What one simulated network device knows: its facts (from the inventory) and its config.

`DeviceSpec` is plain data (picklable, JSON-able) built from the inventory by
`fakenos.specs`; `DeviceState` is the live device inside the lab process: its running
config tree, changed by configuration pushes, and counters that grow with time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from dcops_devices.intent.configtree import Node

BOOT_AGE_MINUTES = 20 * 24 * 60 + 13 * 60  # lab devices claim to have booted ~20 days ago


@dataclass(frozen=True)
class PortSpec:
    name: str
    description: str = ""
    enabled: bool = True
    speed_mbps: int = 1000


@dataclass(frozen=True)
class NeighborSpec:
    local_port: str
    device: str
    port: str


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    platform: str          # the inventory's platform, which is what the lab serves
    model: str
    serial: str
    version: str
    config: tuple[str, ...]  # the intended config lines the device boots with
    ports: tuple[PortSpec, ...] = ()
    neighbors: tuple[NeighborSpec, ...] = ()


@dataclass
class DeviceState:
    spec: DeviceSpec
    tree: Node
    booted: float = field(default_factory=time.time)
    changed: float = field(default_factory=time.time)
    config_version: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def touch(self) -> None:
        self.changed = time.time()
        self.config_version += 1

    def uptime(self) -> str:
        minutes = int(time.time() - self.booted) // 60 + BOOT_AGE_MINUTES
        days, rest = divmod(minutes, 60 * 24)
        hours, mins = divmod(rest, 60)
        return f"{days // 7} weeks, {days % 7} days, {hours} hours, {mins} minutes"

    def counter(self, port_index: int) -> int:
        return int((time.time() - self.booted) * 1000) + 1_000_000 * (port_index + 1)
