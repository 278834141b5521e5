"""Interface counters changed in a running agent: a saturated link, and the same link healed.

The octet counters of a simulated port use snmpsim's `numeric` variation, which caches a
record's settings for the life of the agent: rewriting its data file cannot change their
rate. The lab's `dcopsvalue` variation (snmp/variation/dcopsvalue.py) parses its settings
from the value text at every request, so a counter moved to it follows a new rate at once.

A counter must never go backwards: Prometheus would read a reset, an increase of the
whole counter value, a spike of terabytes. So the new line starts at or above what the
agent answers now: exactly, for a counter already on `dcopsvalue` (base + rate x (now -
t0)); for one still on `numeric`, from above, with the agent process's start time (the
variation counts from when snmpsim imported it, a moment later). A healed link stays on
`dcopsvalue`, at its normal rate, for the same reason: `numeric` would jump back to the
value it would have had.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from dcops_inventory import Inventory
from dcops_lab.snmp.records import IFX_ENTRY, PortTraffic, port_traffic

HC_IN, HC_OUT = f"{IFX_ENTRY}.6", f"{IFX_ENTRY}.10"
COUNTER64 = 70
COUNTER64_MAX = 2**64 - 1


class CounterError(ValueError):
    """The port or its data file is not what the lab rendered; the message names it."""


@dataclass(frozen=True)
class CounterLine:
    """value = base + rate x (t - t0), as `dcopsvalue` computes it."""

    base: int
    rate: float  # bytes per second
    t0: float

    def value_at(self, t: float) -> int:
        return int(round(self.base + self.rate * (t - self.t0)))

    def text(self) -> str:
        return f"{COUNTER64}:dcopsvalue|base={self.base},rate={self.rate:.12g},t0={self.t0:.3f},min=0,max={COUNTER64_MAX}"

    @classmethod
    def parse(cls, text: str) -> "CounterLine":
        tag, _, spec = text.partition("|")
        if tag != f"{COUNTER64}:dcopsvalue":
            raise CounterError(f"not a dcopsvalue counter: {text!r}")
        values = dict(item.split("=", 1) for item in spec.split(","))
        return cls(int(float(values["base"])), float(values["rate"]), float(values["t0"]))


def port(inv: Inventory, device: str, interface: str) -> PortTraffic:
    """The simulated row of `interface` on `device` (its ifIndex and normal rates)."""
    found = next((p for p in port_traffic(inv, inv.device(device)) if p.name == interface), None)
    if found is None:
        raise CounterError(f"{device} has no interface {interface!r} in the inventory")
    return found


def _initial_and_rate(p: PortTraffic, oid: str) -> tuple[int, float]:
    return (p.rx_initial, p.rx_bytes_per_s) if oid.startswith(HC_IN + ".") else (p.tx_initial, p.tx_bytes_per_s)


def now_value(p: PortTraffic, oid: str, override: str | None, agent_started: float, now: float) -> int:
    """What the agent answers for `oid` at `now` (for `numeric`: an upper bound, see the docstring)."""
    if override is not None:
        return CounterLine.parse(override).value_at(now)
    initial, rate = _initial_and_rate(p, oid)
    return int(initial + rate * max(0.0, now - agent_started)) + 1


def retimed(p: PortTraffic, overrides: dict[str, str], rates: dict[str, float], agent_started: float,
            now: float | None = None) -> dict[str, str]:
    """The port's HC octet counters moved to `rates` (direction -> bytes/s; `receive`,
    `transmit`) from `now`, continuing from their current values; other overrides kept."""
    now = time.time() if now is None else now
    out = dict(overrides)
    for direction, column in (("receive", HC_IN), ("transmit", HC_OUT)):
        if direction not in rates:
            continue
        oid = f"{column}.{p.ifindex}"
        start = now_value(p, oid, overrides.get(oid), agent_started, now)
        out[oid] = CounterLine(start, float(rates[direction]), now).text()
    return out


def normal_rates(p: PortTraffic) -> dict[str, float]:
    return {"receive": p.rx_bytes_per_s, "transmit": p.tx_bytes_per_s}


def apply(data_file: Path, overrides: dict[str, str]) -> None:
    """Replace the values of the overridden OIDs in a running agent's data file.

    Atomically, keeping the file's owner and mode (the agent may run as nobody), with an
    mtime moved forward: snmpsim re-reads a data file whose whole-second mtime changed."""
    if not overrides:
        return
    before = data_file.stat()
    lines = data_file.read_text().splitlines()
    seen = set()
    for i, line in enumerate(lines):
        oid = line.split("|", 1)[0]
        if oid in overrides:
            lines[i] = f"{oid}|{overrides[oid]}"
            seen.add(oid)
    missing = sorted(set(overrides) - seen)
    if missing:
        raise CounterError(f"{data_file}: no record for {', '.join(missing)}")
    tmp = data_file.with_name(f".{data_file.name}.counters.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.chmod(before.st_mode & 0o777)
    if os.geteuid() == 0:
        os.chown(tmp, before.st_uid, before.st_gid)
    os.replace(tmp, data_file)
    mtime = max(int(before.st_mtime) + 1, int(time.time()) + 1)
    os.utime(data_file, (mtime, mtime))
