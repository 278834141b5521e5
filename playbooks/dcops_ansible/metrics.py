"""Prometheus textfile output (node_exporter's textfile collector format), written atomically.

A fresh registry per write; prometheus_client's write_to_textfile writes a temporary file
and renames it, so node_exporter never reads half a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile


def write_textfile(path: str | Path, families: Iterable[tuple[str, str, list[str], dict[tuple, float]]]) -> None:
    """families: (name, help, label names, {label values: value})."""
    registry = CollectorRegistry()
    for name, help_text, labels, samples in families:
        gauge = Gauge(name, help_text, labels, registry=registry)
        for values, value in sorted(samples.items()):
            (gauge.labels(*values) if labels else gauge).set(value)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)
