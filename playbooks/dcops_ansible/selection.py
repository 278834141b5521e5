"""Which network devices a `dcops ansible` run covers, decided before any device is contacted.

An administrator selects the way Ansible does: by site, role or platform, or with a
`--limit` pattern over device names and the inventory plugin's group names (`site_pb`,
`role_edge_switch`, `platform_cisco_ios`, `network`), not by typing `-d` 170 times. A name
or value that selects nothing is the administrator's mistake, reported as a usage error
(`SelectionError`, exit 2) before anything is contacted - never a failed device.

`preflight` then resolves every selected device's endpoint the way the access layer will
(`dcops_inventory.resolve_endpoint`, no traffic): in lab-only mode without an address map
every production address is refused, and that is one sentence for the whole run, not one
failure per device.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from dcops_ansible.hostvars import group_name
from dcops_devices.intent.baseline import network_devices
from dcops_inventory import AddressMap, Inventory, UnsafeTargetError, resolve_endpoint
from dcops_inventory.endpoints import LAB_ONLY_ENV, LAB_SUBNETS_ENV, lab_only
from dcops_inventory.models import Device

# The group kinds a --limit pattern can name, as the inventory plugin names its groups.
GROUP_KINDS = ("site", "role", "platform", "rack", "status")


class SelectionError(ValueError):
    """The selection names something the inventory does not have, or selects nothing."""


@dataclass(frozen=True)
class Selection:
    """The selected devices' names (inventory order) and the whole managed fleet's."""

    devices: tuple[str, ...]
    every: tuple[str, ...]


def _groups(dev: Device) -> set[str]:
    """The plugin's group names a device belongs to (see `hostvars.build_view`)."""
    names = {"devices", "network"}
    for kind in GROUP_KINDS:
        value = getattr(dev, kind, None)
        if value:
            names.add(group_name(kind, str(value)))
    return names


def _matches(dev: Device, pattern: str) -> bool:
    return fnmatchcase(dev.name, pattern) or any(fnmatchcase(g, pattern) for g in _groups(dev))


def _check_values(option: str, wanted: Iterable[str], have: set[str]) -> None:
    unknown = sorted(set(wanted) - have)
    if unknown:
        raise SelectionError(f"{option}: no network device has {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(have))}")


def select(inv: Inventory, devices: list[str] | None = None, sites: list[str] | None = None,
           roles: list[str] | None = None, platforms: list[str] | None = None,
           limit: str | None = None) -> Selection:
    """The network devices every given criterion selects (all of them when none is given).

    `devices` are exact names; `sites`/`roles`/`platforms` values (any of each); `limit` is
    Ansible-style: patterns separated by `,` or `:`, shell wildcards over device and group
    names, a leading `!` excludes. Raises `SelectionError` naming the first problem."""
    fleet = network_devices(inv)
    by_name = {d.name: d for d in fleet}
    chosen = list(fleet)
    if devices:
        unknown = [n for n in devices if n not in by_name]
        if unknown:
            other = [n for n in unknown if n in {d.name for d in inv.devices}]
            why = (f"{', '.join(other)}: not a managed network device (no network CLI platform, "
                   "not active/staged or no management address)") if other else ""
            raise SelectionError(f"unknown device {', '.join(map(repr, unknown))} in the inventory at {inv.root}"
                                 + (f" ({why})" if why else ""))
        chosen = [by_name[n] for n in dict.fromkeys(devices)]
    for option, values, attr in (("--site", sites, "site"), ("--role", roles, "role"),
                                 ("--platform", platforms, "platform")):
        if values:
            _check_values(option, values, {str(getattr(d, attr)) for d in fleet if getattr(d, attr)})
            chosen = [d for d in chosen if getattr(d, attr) in values]
    if limit:
        patterns = [p.strip() for p in limit.replace(":", ",").split(",") if p.strip()]
        include = [p for p in patterns if not p.startswith("!")]
        exclude = [p[1:] for p in patterns if p.startswith("!")]
        for p in include + exclude:
            if not any(_matches(d, p) for d in fleet):
                raise SelectionError(f"--limit: {p!r} matches no network device or group "
                                     "(device names and groups like site_sc, role_edge_switch, platform_cisco_ios)")
        if include:
            chosen = [d for d in chosen if any(_matches(d, p) for p in include)]
        chosen = [d for d in chosen if not any(_matches(d, p) for p in exclude)]
    if not chosen:
        raise SelectionError("the selection matches no network device (each option narrows the previous ones)")
    return Selection(tuple(d.name for d in chosen), tuple(d.name for d in fleet))


@dataclass(frozen=True)
class Preflight:
    """The selected devices that can be contacted, and those left out before contacting any."""

    reachable: tuple[str, ...]
    not_in_map: tuple[str, ...] = ()


def preflight(inv: Inventory, names: Iterable[str], address_map: AddressMap | None,
              address: str = "primary", explicit: bool = False) -> Preflight:
    """Resolve every endpoint without contacting anything.

    Without an address map in lab-only mode, any production address refuses the whole run
    (`SelectionError`, one line). With a map, devices missing from it are left out like the
    inventory plugin leaves them out - unless they were named explicitly (`explicit`), which
    is the administrator's mistake."""
    ok: list[str] = []
    refused: list[tuple[str, str | None, str]] = []  # name, inventory address, why
    for name in names:
        mgmt = inv.mgmt_address(inv.device(name), address)
        try:
            resolve_endpoint(name, mgmt, "ssh", address_map)
        except UnsafeTargetError as exc:
            refused.append((name, mgmt, str(exc)))
            continue
        ok.append(name)
    if not refused:
        return Preflight(tuple(ok))
    if address_map is None:
        first, addr, why = refused[0]
        if lab_only():
            why = f"lab-only mode ({LAB_ONLY_ENV}) allows only loopback and {LAB_SUBNETS_ENV} subnets"
        raise SelectionError(f"refusing to contact the inventory's addresses of {len(refused)} device(s) "
                             f"({first} at {addr}, ...): {why}; use --lab (the running lab) or --address-map PATH")
    missing = tuple(n for n, _, _ in refused)
    if explicit or not ok:
        raise SelectionError(f"{len(missing)} selected device(s) are not in the address map {address_map.source}: "
                             f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    return Preflight(tuple(ok), missing)
