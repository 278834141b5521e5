"""How often monitoring polls each kind of device: scrape tiers keyed by device role.

SNMP shops poll the devices whose failure takes many users down (core, distribution,
SAN, WAN routers, firewalls) often, and the many access switches less often: polling
cost grows with the device count, the value of a fast signal does not. A tier names an
interval, the roles it covers and optionally a timeout; one tier may be the `default`
for roles no tier names. `dcops prometheus render` turns the tiers into one scrape job
per exporter module and interval.

An inventory without tiers (or without a default tier) still renders: roles no tier
names fall back to FALLBACK_SCRAPE_TIER, 30 s with a 10 s timeout.

Durations are Prometheus durations (`15s`, `1m`, `1m30s`, `500ms`). They are kept as
written; `duration_ms` and `format_duration` give the value and the canonical spelling
(whole seconds as `60s`, else milliseconds) that job names are built from.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StrictStr, ValidationInfo, field_validator

from dcops_inventory.choices import DeviceRole
from dcops_inventory.models.base import Bool, Name, Provenance, Record, Text

_UNITS_MS = (("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
             ("m", 60_000), ("s", 1_000), ("ms", 1))
# Prometheus' own duration syntax (common/model.ParseDuration): units largest first, each once.
_DURATION = re.compile("^" + "".join(rf"(?:(\d+){unit})?" for unit, _ in _UNITS_MS) + "$")

DEFAULT_TIMEOUT_MS = 10_000


def duration_ms(text: str) -> int:
    """Milliseconds of a Prometheus duration; ValueError naming the syntax otherwise."""
    match = _DURATION.match(text) if text else None
    if not match:
        raise ValueError(f"{text!r} is not a Prometheus duration (such as 15s, 1m, 1m30s or 500ms)")
    ms = sum(int(n) * scale for n, (_, scale) in zip(match.groups(), _UNITS_MS) if n)
    if ms <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return ms


def format_duration(ms: int) -> str:
    """The canonical spelling dcops renders: `60s` for 1m, `1500ms` for 1.5s."""
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _valid_duration(text: str) -> str:
    duration_ms(text)
    return text


Duration = Annotated[StrictStr, AfterValidator(_valid_duration)]


class ScrapeTier(Record):
    """Devices of `roles` are scraped every `interval`, each scrape given `timeout`."""

    name: Name
    interval: Duration
    timeout: Duration | None = None  # default: min(10s, interval)
    roles: list[DeviceRole] = []
    default: Bool = False  # the tier of every role no tier names
    description: Text | None = None
    provenance: Provenance = "assumption"

    @field_validator("timeout")
    @classmethod
    def _timeout_below_interval(cls, timeout: str | None, info: ValidationInfo) -> str | None:
        interval = info.data.get("interval")  # absent when the interval itself was invalid
        if timeout is not None and interval is not None and duration_ms(timeout) >= duration_ms(interval):
            raise ValueError(f"{timeout} must be shorter than the interval ({interval})")
        return timeout

    @property
    def interval_ms(self) -> int:
        return duration_ms(self.interval)

    @property
    def timeout_ms(self) -> int:
        """The timeout in effect: the one written, else min(10s, interval)."""
        return duration_ms(self.timeout) if self.timeout else min(DEFAULT_TIMEOUT_MS, self.interval_ms)


FALLBACK_SCRAPE_TIER = ScrapeTier(
    name="default", interval="30s", timeout="10s", default=True,
    description="Used for every role when the inventory declares no default scrape tier.",
    provenance="assumption: Prometheus' usual 30s for exporters, 10s its default timeout",
)
