"""What the rendered Prometheus config measures, as plain data.

Rules can only be written about series that exist. Which devices an exporter module
probes, which devices Prometheus scrapes directly (node_exporter) and which circuits the
`wan` module reads is decided by the exporter package; `dcops prometheus render` hands it
over in this shape, so dcops_slo stays independent of the exporter and a new module
(storage, UPS, servers) makes more of the inventory measurable without a change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def promql_match(label: str, values: list[str] | tuple[str, ...]) -> str:
    """`label="a"` for one value, else an anchored regex of exactly the values (dots escaped)."""
    if len(values) == 1:
        return f'{label}="{values[0]}"'
    return f'{label}=~"' + "|".join(v.replace(".", "\\\\.") for v in values) + '"'


@dataclass(frozen=True)
class MonitoredView:
    # device name -> the exporter modules that probe it (each sets the series' `module` label)
    device_modules: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # device name -> the job that scrapes the device itself (node_exporter), whose `up` says it answers
    device_jobs: Mapping[str, str] = field(default_factory=dict)
    # circuit name -> the device whose `wan` probe reports it (`dcops_wan_*{circuit=...}`)
    circuits: Mapping[str, str] = field(default_factory=dict)
    # scrape jobs of an exporter's own endpoint, whose `up` says the exporter answers
    exporter_jobs: tuple[str, ...] = ()

    def measured(self, device: str) -> bool:
        return device in self.device_modules or device in self.device_jobs

    def answers(self, devices: list[str] | tuple[str, ...]) -> str:
        """PromQL with one sample per measured device (label `instance`): 1 while it answers, 0 while
        it does not, none while unknown."""
        return f"max by (instance) ({self.signals(devices)})"

    def signals(self, devices: list[str] | tuple[str, ...]) -> str:
        """The series saying whether the devices answer. A probed device answers when an exporter
        probe of it succeeds (`dcops_probe_success`, any module); a device scraped directly when its
        scrape does (`up` of its job)."""
        probed = sorted(d for d in devices if d in self.device_modules)
        direct = sorted(d for d in devices if d in self.device_jobs)
        parts = []
        if probed:
            parts.append(f"dcops_probe_success{{{promql_match('instance', probed)}}}")
        if direct:
            jobs = sorted({self.device_jobs[d] for d in direct})
            parts.append(f"up{{{promql_match('job', jobs)}, {promql_match('instance', direct)}}}")
        if not parts:
            raise ValueError(f"none of {', '.join(devices)} is measured")
        return " or ".join(parts)
