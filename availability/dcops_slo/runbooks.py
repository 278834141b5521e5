"""Alert components: the prefix every alert name starts with, and where its runbook lives.

An alert named `RedundancyGroupDown` belongs to component `redundancy`; its runbook is
`runbooks/redundancy/RedundancyGroupDown.md` in the repository and its `runbook_url` is
`<--runbook-base-url>/redundancy/RedundancyGroupDown.md`. tests/slo checks that every
rendered alert has exactly one runbook and every runbook one alert.
"""

from __future__ import annotations

from pathlib import Path

# component (runbook folder) -> the PascalCase prefix of its alert names
COMPONENTS = {
    "slo": "Slo",
    "redundancy": "RedundancyGroup",
    "circuit": "Circuit",
    "storage": "Storage",
    "power": "Ups",
    "cooling": "Cooling",
    "device": "Device",
    "firewall": "Firewall",
    "host": "Host",
    "config": "Config",
    "monitoring": "Monitoring",
}
RUNBOOK_SECTIONS = ("## Meaning", "## Impact", "## Diagnosis", "## Mitigation")


def component_of(alert: str) -> str:
    """The component whose prefix `alert` starts with; ValueError naming the valid prefixes."""
    matches = [c for c, prefix in COMPONENTS.items() if alert.startswith(prefix) and alert[len(prefix):][:1].isupper()]
    if len(matches) != 1:
        valid = ", ".join(sorted(COMPONENTS.values()))
        raise ValueError(f"alert {alert!r} does not start with one component prefix ({valid}) followed by a capital")
    return matches[0]


def runbook_path(root: Path, alert: str) -> Path:
    """runbooks/<component>/<AlertName>.md under the repository `root`."""
    return root / "runbooks" / component_of(alert) / f"{alert}.md"
