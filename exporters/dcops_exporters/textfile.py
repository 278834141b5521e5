"""The textfile collector: `*.prom` files that other dcops tools write, served on `/metrics`.

`dcops ansible backup` and `dcops ansible compliance` leave their results as Prometheus
textfiles (dcops_ansible/metrics.py). Something must serve them or the config freshness
alerts see nothing; node_exporter's textfile collector does that where a node_exporter
runs, and this collector does it from the dcops exporter, which Prometheus scrapes
anyway (job `dcops_exporter`, rendered always).

It behaves like node_exporter's, so an operator who knows one knows the other: the
directories are read again on every scrape (a new backup run shows up at once, nothing
is cached); a file that cannot be used is skipped whole and the scrape carries on,
reported by `dcops_exporter_textfile_scrape_error 1` and a log line; every file served has
`dcops_exporter_textfile_mtime_seconds{file}`; client-side timestamps are refused. Beyond
node_exporter: a file larger than `max_bytes` is refused unread, a file that would
redefine one of the exporter's own metrics (or repeat a series another file already
gave) is refused instead of breaking the whole `/metrics`, and a non-regular file (a FIFO
named `x.prom`) is refused without blocking the scrape.

Parsing is prometheus_client's (`text_string_to_metric_families`); it names counters the
OpenMetrics way, so a counter written as `foo` is served as `foo_total`. dcops' own
textfiles hold gauges only.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

log = logging.getLogger("dcops.exporter.textfile")

MAX_FILE_BYTES = 4 * 1024 * 1024  # the backup textfile of 200 devices is 47 kB
SCRAPE_ERROR = "dcops_exporter_textfile_scrape_error"
MTIME = "dcops_exporter_textfile_mtime_seconds"
OWN_NAMES = frozenset({SCRAPE_ERROR, MTIME})
SUFFIX = ".prom"

# Prometheus 2.x accepts only these (prometheus_client would also accept quoted UTF-8 names).
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class TextfileError(ValueError):
    """Why one file is not served (the whole file is skipped)."""


def read_textfile(path: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[float, list[Metric]]:
    """(mtime, families) of one textfile, or TextfileError saying why it cannot be served."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer, and stalling the scrape.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise TextfileError(f"cannot open: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise TextfileError("not a regular file")
        if st.st_size > max_bytes:
            raise TextfileError(f"{st.st_size} bytes, more than the {max_bytes} allowed")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise TextfileError(f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise TextfileError(f"more than the {max_bytes} bytes allowed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TextfileError(f"not UTF-8 (byte {exc.start})") from None
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as exc:  # the parser raises ValueError, IndexError, KeyError... on bad input
        detail = f": {str(exc)[:200]}" if str(exc) else ""
        raise TextfileError(f"not the Prometheus text format ({type(exc).__name__}{detail})") from None
    for family in families:
        _check_family(family)
    return st.st_mtime, families


def _check_family(family: Metric) -> None:
    for sample in family.samples:
        if not _METRIC_NAME.fullmatch(sample.name):
            raise TextfileError(f"invalid metric name {sample.name!r}")
        for label in sample.labels:
            if not _LABEL_NAME.fullmatch(label) or label.startswith("__"):
                raise TextfileError(f"{sample.name}: invalid label name {label!r}")
        if sample.timestamp is not None:
            raise TextfileError(f"{sample.name}: client-side timestamps are not supported")


def _kind(metric_type: str) -> str:
    return "untyped" if metric_type == "unknown" else metric_type  # the text format's word for it


def _names(family: Metric) -> set[str]:
    return {family.name, *(s.name for s in family.samples)}


class TextfileCollector:
    """Serves every `*.prom` file of `directories`, re-read on each collect().

    `reserved`: metric names the exporter itself exposes; a file that uses one is refused.
    """

    def __init__(self, directories: Sequence[str | Path], reserved: Iterable[str] = (),
                 max_bytes: int = MAX_FILE_BYTES):
        self.directories = tuple(Path(d) for d in directories)
        self.reserved = frozenset(reserved) | OWN_NAMES
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._reported: dict[str, str] = {}  # path -> the problem last logged, so it is logged once

    def describe(self) -> Iterator[Metric]:
        """Only the fixed families: the files' own are not known until a scrape reads them."""
        yield GaugeMetricFamily(MTIME, "")
        yield GaugeMetricFamily(SCRAPE_ERROR, "")

    def collect(self) -> Iterator[Metric]:
        merged: dict[str, Metric] = {}
        owners: dict[str, str] = {}
        series: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        mtimes: dict[str, float] = {}
        error = False
        for directory in self.directories:
            try:
                names = sorted(e.name for e in os.scandir(directory) if e.name.endswith(SUFFIX))
            except OSError as exc:
                error = True
                self._report(str(directory), f"cannot list the directory ({exc.strerror})")
                continue
            for name in names:
                path = directory / name
                try:
                    mtime, families = read_textfile(path, self.max_bytes)
                    self._merge(families, merged, owners, series)
                except TextfileError as exc:
                    error = True
                    self._report(str(path), str(exc))
                    continue
                self._report(str(path), None)
                mtimes[str(path)] = mtime
        yield from merged.values()
        mtime = GaugeMetricFamily(MTIME, "Unix time of the last modification of each textfile served.",
                                  labels=["file"])
        for path, value in sorted(mtimes.items()):
            mtime.add_metric([path], value)
        yield mtime
        yield GaugeMetricFamily(SCRAPE_ERROR, "1 if a textfile or directory could not be read or served "
                                "(see the exporter's log), 0 otherwise.", value=float(error))

    def _merge(self, families: list[Metric], merged: dict[str, Metric], owners: dict[str, str],
               series: set[tuple[str, tuple[tuple[str, str], ...]]]) -> None:
        """Add one file's families, or nothing at all if any of them cannot be served.

        Families of one name from several files merge (as in node_exporter) when their
        types agree and no series repeats. `owners`: sample name -> its family's name, so
        that one series name never appears under two families (two TYPE lines)."""
        kinds = {name: family.type for name, family in merged.items()}
        claimed: dict[str, str] = {}
        fresh: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for family in families:
            clash = _names(family) & self.reserved
            if clash:
                raise TextfileError(f"{min(clash)} is one of the exporter's own metrics")
            kind = kinds.setdefault(family.name, family.type)
            if kind != family.type:
                raise TextfileError(f"{family.name} has type {_kind(family.type)} here but {_kind(kind)} before")
            for sample in family.samples:
                owner = claimed.setdefault(sample.name, owners.get(sample.name, family.name))
                if owner != family.name:
                    raise TextfileError(f"{sample.name} is in family {family.name} here but in {owner} before")
                key = (sample.name, tuple(sorted(sample.labels.items())))
                if key in series or key in fresh:
                    labels = ",".join(f'{k}="{v}"' for k, v in key[1])
                    raise TextfileError(f"{sample.name}{{{labels}}} appears twice" if labels
                                        else f"{sample.name} appears twice")
                fresh.add(key)
        for family in families:
            if family.name in merged:
                merged[family.name].samples.extend(family.samples)
            else:
                merged[family.name] = family
        owners.update(claimed)
        series |= fresh

    def _report(self, path: str, problem: str | None) -> None:
        """Log a file's problem when it starts or changes, and when it is gone: not every scrape."""
        with self._lock:
            before = self._reported.get(path)
            if problem == before:
                return
            if problem is None:
                del self._reported[path]
                log.info("textfile collector: %s is served again", path)
            else:
                self._reported[path] = problem
                log.warning("textfile collector: skipping %s: %s", path, problem)
