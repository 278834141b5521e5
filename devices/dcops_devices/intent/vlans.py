"""VLANs on switches: what the inventory intends, what a device has, and the plan between.

Pure planning, no connection: `intended_vlans` reads the inventory (the same VLANs the
baseline renders: global ones, the switch's site's, and those its interfaces carry),
`parse_vlans` reads `show vlan brief` (IOS) / `show vlan` (EOS) through ntc-templates, and
`plan` says what to add, rename and remove. Two rules protect a network from its own
inventory:

- VLAN 1 and 1002-1005 are never touched (IOS will not delete them, and a plan that tries
  would fail half-way through a push);
- a VLAN that still has ports in it is not removed unless the caller says so: deleting it
  silently cuts those ports off. A port listed by the show command counts as in use (IOS
  lists access ports only; EOS lists trunk members too, so there it errs on the safe side).

`render` turns a plan into the platform's config lines, removals first (their `no vlan N`
is a top-level command, and a rename that follows must not land in a removed block).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dcops_devices.intent.baseline import baseline_for
from dcops_inventory import Inventory

PROTECTED = frozenset({1, 1002, 1003, 1004, 1005})
VLAN_ROLES = ("distribution_switch", "edge_switch")
# IOS and EOS keep (and `show vlan` prints) at most 32 characters of a VLAN name; a longer
# inventory name would be renamed again at every run.
MAX_NAME = 32
# The command that lists a device's VLANs with their ports, by platform.
SHOW_VLANS: dict[str, str] = {"cisco_ios": "show vlan brief", "cisco_xe": "show vlan brief", "arista_eos": "show vlan"}


class VlanError(ValueError):
    """A device's VLAN listing could not be read, or a platform has no VLAN support here."""


@dataclass(frozen=True)
class DeviceVlan:
    vid: int
    name: str
    ports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rename:
    vid: int
    old: str
    new: str


@dataclass(frozen=True)
class VlanPlan:
    """What to change on one switch; `blocked` are removals held back because ports use them."""

    device: str
    add: tuple[DeviceVlan, ...] = ()
    rename: tuple[Rename, ...] = ()
    remove: tuple[DeviceVlan, ...] = ()
    blocked: tuple[DeviceVlan, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.add or self.rename or self.remove)

    def diff(self) -> str:
        """The plan as `+`/`-`/`~` lines, one VLAN each (what --check --diff prints)."""
        out = [f"- vlan {v.vid} {v.name}\n" for v in self.remove]
        out += [f"~ vlan {r.vid} {r.old} -> {r.new}\n" for r in self.rename]
        out += [f"+ vlan {v.vid} {v.name}\n" for v in self.add]
        out += [f"! vlan {v.vid} {v.name} kept: in use on {', '.join(v.ports)}\n" for v in self.blocked]
        return "".join(out)


def intended_vlans(inv: Inventory, device_name: str) -> dict[int, str]:
    """{vid: name} the inventory puts on the switch (empty for any other role)."""
    dev = inv.device(device_name)
    if dev.role not in VLAN_ROLES:
        return {}
    return dict(baseline_for(inv, dev).vlans)


def show_command(platform: str) -> str:
    try:
        return SHOW_VLANS[platform]
    except KeyError:
        raise VlanError(f"no VLAN support for platform {platform!r}; known: {', '.join(sorted(SHOW_VLANS))}") from None


def parse_vlans(platform: str, text: str) -> list[DeviceVlan]:
    """The device's VLANs from its `show vlan` output (ntc-templates' TextFSM templates)."""
    from ntc_templates.parse import parse_output

    command = show_command(platform)
    try:
        rows = parse_output(platform="cisco_ios" if platform == "cisco_xe" else platform, command=command, data=text)
    except Exception as exc:  # textfsm raises its own error types for output it cannot read
        raise VlanError(f"cannot parse {command!r} output: {exc}") from None
    if not rows and text.strip():
        raise VlanError(f"{command!r} output lists no VLAN: {text.strip()[:120]!r}")
    return [DeviceVlan(int(r["vlan_id"]), r["vlan_name"], tuple(r["interfaces"])) for r in rows]


def plan(device: str, intended: dict[int, str], present: Iterable[DeviceVlan], remove_in_use: bool = False) -> VlanPlan:
    """Add what is missing, rename what is misnamed, remove what the inventory does not
    have - never a protected VLAN, and one with ports only when `remove_in_use`."""
    too_long = [f"VLAN {vid} name {name!r} ({len(name)} characters)" for vid, name in sorted(intended.items())
                 if len(name) > MAX_NAME]
    if too_long:
        raise VlanError(f"{device}: switches keep at most {MAX_NAME} characters of a VLAN name: {'; '.join(too_long)}")
    have = {v.vid: v for v in present}
    add = tuple(DeviceVlan(vid, name) for vid, name in sorted(intended.items())
                if vid not in have and vid not in PROTECTED)
    rename = tuple(Rename(vid, have[vid].name, name) for vid, name in sorted(intended.items())
                   if vid in have and have[vid].name != name and vid not in PROTECTED)
    extra = [v for vid, v in sorted(have.items()) if vid not in intended and vid not in PROTECTED]
    remove = tuple(v for v in extra if remove_in_use or not v.ports)
    blocked = tuple(v for v in extra if v.ports and not remove_in_use)
    return VlanPlan(device, add, rename, remove, blocked)


def _indented(step: str) -> Callable[[VlanPlan], list[str]]:
    def render_plan(p: VlanPlan) -> list[str]:
        lines = [f"no vlan {v.vid}" for v in p.remove]
        for vid, name in sorted([(r.vid, r.new) for r in p.rename] + [(v.vid, v.name) for v in p.add]):
            lines += [f"vlan {vid}", f"{step}name {name}", "exit"]
        return lines
    return render_plan


RENDERERS: dict[str, Callable[[VlanPlan], list[str]]] = {
    "cisco_ios": _indented(" "), "cisco_xe": _indented(" "), "arista_eos": _indented("   "),
}


def render(platform: str, p: VlanPlan) -> list[str]:
    """Config lines that carry out the plan on `platform` (none for an empty plan)."""
    try:
        return RENDERERS[platform](p)
    except KeyError:
        raise VlanError(f"no VLAN renderer for platform {platform!r}; known: {', '.join(sorted(RENDERERS))}") from None
