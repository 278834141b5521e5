"""What one device's backup or compliance check came to: records, not dicts of some shape.

Per-device outcomes arrive from two places: `run_bulk` (the `dcops ansible` commands and
the benchmark) and the variables Ansible registered per host (read by the playbooks'
once-per-run actions). Each is turned into these records where it enters, so finalize,
the state file, the report and the metrics read one shape and branch on the type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, Union

from dcops_devices.access import ConnectFailed, HostDone, HostResult

T = TypeVar("T")
# The access layer's error kind for a device that did not answer.
UNREACHABLE_KIND = ConnectFailed.kind


@dataclass(frozen=True)
class BackedUp:
    """The device's running config was read; `changed` when its masked text differs from the
    stored file (diff, before and after are the masked texts, empty when not known)."""

    device: str
    changed: bool
    diff: str = ""
    before: str = ""
    after: str = ""


@dataclass(frozen=True)
class DeviceFailed:
    """The device's config could not be read: its previous backup stays, the report says why.
    `error_kind` is the access layer's kind ("connect", "auth", ...); None when Ansible
    registered a failure that carries none."""

    device: str
    error: str
    error_kind: str | None = None

    @classmethod
    def registered(cls, device: str, registered: Mapping[str, Any]) -> DeviceFailed:
        """From a failed task's registered result (`msg`, and `dcops_error_kind` when ours)."""
        return cls(device, str(registered.get("msg", "failed")), registered.get("dcops_error_kind"))

    @property
    def reason(self) -> str:
        return f"{self.error_kind}: {self.error}" if self.error_kind else self.error

    @property
    def unreachable(self) -> bool:
        """The device did not answer (down, port closed, timed out): the network's or the
        device's state, not a fault of the run - unlike a refused login or command."""
        return self.error_kind == UNREACHABLE_KIND


BackupOutcome = Union[BackedUp, DeviceFailed]


def outcome_of(result: HostResult[T]) -> T | DeviceFailed:
    """A bulk run's per-host result as an outcome: the value, or the failure."""
    if isinstance(result, HostDone):
        return result.value
    return DeviceFailed(result.name, result.error, result.error_kind)


def registered_results(hostvars: Mapping[str, Mapping[str, Any]], hosts: list[str], var: str):
    """(host, registered result) for every host whose task ran: hosts without the variable
    (not in the play) or whose task was skipped are left out."""
    for host in hosts:
        registered = hostvars[host].get(var)
        if registered and not registered.get("skipped"):
            yield host, registered
