"""Run one function against many devices at once: one typed result per host, never an abort.

Concurrency is a bounded thread pool (device sessions mostly wait on the network). A host
whose work returns is a `HostDone` carrying the value; one whose work raises is a
`HostFailed` with the error kind and message, and every other host carries on. Callers
branch on the type (`isinstance`), so a failure never hides in a dict of another shape.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar, Union

from dcops_devices.access.errors import AccessError

DEFAULT_WORKERS = 32
# Covariant, as HostDone is frozen: a HostDone[BackedUp] may stand where a
# HostDone[BackedUp | DeviceFailed] is expected (outcome_of relies on it).
T = TypeVar("T", covariant=True)


@dataclass(frozen=True)
class HostDone(Generic[T]):
    """The host's work returned `value`."""

    name: str
    value: T
    seconds: float = 0.0
    ok: ClassVar[bool] = True


@dataclass(frozen=True)
class HostFailed:
    """The host's work raised. `error_kind` is the `AccessError.kind` ("connect", "auth", ...)
    or "internal" for any other exception: a bug for one host must not hide the others."""

    name: str
    error_kind: str
    error: str
    seconds: float = 0.0
    ok: ClassVar[bool] = False

    @property
    def reason(self) -> str:
        return f"{self.error_kind}: {self.error}"


HostResult = Union[HostDone[T], HostFailed]


def _one(name: str, fn: Callable[[str], T]) -> HostResult[T]:
    start = time.monotonic()
    try:
        value = fn(name)
    except AccessError as exc:
        return HostFailed(name, exc.kind, exc.message, time.monotonic() - start)
    except Exception as exc:  # a bug for one host must not hide the other hosts' results
        return HostFailed(name, "internal", f"{type(exc).__name__}: {exc}", time.monotonic() - start)
    return HostDone(name, value, time.monotonic() - start)


def run_bulk(names: Iterable[str], fn: Callable[[str], T], workers: int = DEFAULT_WORKERS) -> list[HostResult[T]]:
    """`fn(name)` for every name, at most `workers` at a time; results in input order."""
    names = list(names)
    if workers <= 1 or len(names) <= 1:
        return [_one(n, fn) for n in names]
    with ThreadPoolExecutor(max_workers=min(workers, len(names)), thread_name_prefix="dcops-access") as pool:
        return list(pool.map(lambda n: _one(n, fn), names))
