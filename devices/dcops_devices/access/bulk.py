"""Run one function against many devices at once: one result per host, never an abort.

Concurrency is a bounded thread pool (device sessions mostly wait on the network); a
device's failure becomes its `HostResult` with the error kind and message, and every
other device carries on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from dcops_devices.access.errors import AccessError

DEFAULT_WORKERS = 32


@dataclass
class HostResult:
    name: str
    ok: bool
    value: Any = None
    error_kind: str | None = None
    error: str | None = None
    seconds: float = 0.0


def _one(name: str, fn: Callable[[str], Any]) -> HostResult:
    start = time.monotonic()
    try:
        value = fn(name)
    except AccessError as exc:
        return HostResult(name, False, error_kind=exc.kind, error=exc.message, seconds=time.monotonic() - start)
    except Exception as exc:  # a bug for one host must not hide the other hosts' results
        return HostResult(name, False, error_kind="internal", error=f"{type(exc).__name__}: {exc}",
                          seconds=time.monotonic() - start)
    return HostResult(name, True, value, seconds=time.monotonic() - start)


def run_bulk(names: Iterable[str], fn: Callable[[str], Any], workers: int = DEFAULT_WORKERS) -> list[HostResult]:
    """`fn(name)` for every name, at most `workers` at a time; results in input order."""
    names = list(names)
    if workers <= 1 or len(names) <= 1:
        return [_one(n, fn) for n in names]
    with ThreadPoolExecutor(max_workers=min(workers, len(names)), thread_name_prefix="dcops-access") as pool:
        return list(pool.map(lambda n: _one(n, fn), names))
