"""The configuration every network device is meant to carry, derived from the inventory.

One platform-neutral `Baseline` per device (hostname, NTP, syslog, SNMPv3 user, banner, AAA,
VLANs), rendered to each platform's config text by a registered renderer. The same text
seeds the lab's simulated devices and is what compliance compares running configs with, so
"compliant" means exactly "what the inventory says".

Where the inventory has no dedicated field the convention is explicit: NTP and syslog
servers are the management addresses of devices tagged `ntp` / `syslog` and of VMs whose
role is `ntp` / `syslog` (the device's own site first, then every site).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dcops_inventory import Inventory
from dcops_inventory.models import Device

SWITCH_ROLES = ("core_switch", "distribution_switch", "edge_switch", "poe_switch", "san_switch")
SNMP_GROUP = "dcops-ro"
# Where a secret's value would stand in a config line. The lab boots with it; compliance
# replaces every secret value (real or placeholder) by one token before comparing.
SECRET_PLACEHOLDER = "<secret>"


@dataclass(frozen=True)
class Baseline:
    hostname: str
    ntp_servers: tuple[str, ...] = ()
    syslog_servers: tuple[str, ...] = ()
    snmp_user: str | None = None
    snmp_auth: str | None = None
    snmp_priv: str | None = None
    snmp_community: bool = False  # a v2c profile: a read-only community (value stays secret)
    banner: str = ""
    admin_user: str | None = None
    vlans: tuple[tuple[int, str], ...] = field(default_factory=tuple)


def _servers(inv: Inventory, device: Device, kind: str) -> tuple[str, ...]:
    found: list[tuple[bool, str]] = []
    for dev in inv.devices:
        if kind in dev.tags and dev.mgmt_ip and dev.status == "active":
            found.append((dev.site != device.site, str(dev.mgmt_ip.ip)))
    for vm in inv.vms:
        if vm.role == kind and vm.mgmt_ip and vm.status == "active":
            cluster_site = inv.get("clusters", vm.cluster).site
            found.append((cluster_site != device.site, str(vm.mgmt_ip.ip)))
    return tuple(ip for _, ip in sorted(found))


def _vlans(inv: Inventory, device: Device) -> tuple[tuple[int, str], ...]:
    if device.role not in SWITCH_ROLES:
        return ()
    names = {v.name for v in inv.vlans if v.site in (None, device.site)}
    for iface in inv.device_interfaces(device):
        names.update(iface.tagged_vlans)
        if iface.untagged_vlan:
            names.add(iface.untagged_vlan)
    vlans = inv.index("vlans")
    return tuple(sorted((vlans[n].vid, n) for n in names))


def baseline_for(inv: Inventory, device: Device) -> Baseline:
    profile = inv.get("snmp_profiles", device.snmp_profile) if device.snmp_profile else None
    creds = inv.get("credentials", device.credentials) if device.credentials else None
    v3 = profile if profile is not None and profile.version == "v3" else None
    return Baseline(
        hostname=device.name,
        ntp_servers=_servers(inv, device, "ntp"),
        syslog_servers=_servers(inv, device, "syslog"),
        snmp_user=v3.user if v3 else None,
        snmp_auth=(v3.auth_protocol or "SHA").lower() if v3 else None,
        snmp_priv=v3.priv_protocol.lower() if v3 and v3.priv_protocol else None,
        snmp_community=profile is not None and profile.version == "v2c",
        banner=f"Authorized access only - {inv.meta.title}. Activity is logged.",
        admin_user=creds.username if creds else None,
        vlans=_vlans(inv, device),
    )


# -- renderers: Baseline -> config text in the platform's own syntax ----------------------
Renderer = Callable[[Baseline], list[str]]
RENDERERS: dict[str, Renderer] = {}


def renderer(*platforms: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        for p in platforms:
            RENDERERS[p] = fn
        return fn
    return register


def _time_logging_snmp(b: Baseline, community_access: str) -> list[str]:
    """NTP, syslog and SNMP lines, which IOS and EOS spell alike (but for the RO keyword)."""
    lines = [f"ntp server {ip}" for ip in b.ntp_servers]
    lines += [f"logging host {ip}" for ip in b.syslog_servers]
    if b.snmp_user:
        lines.append(f"snmp-server group {SNMP_GROUP} v3 priv")
        priv = f" priv {b.snmp_priv}" if b.snmp_priv else ""
        lines.append(f"snmp-server user {b.snmp_user} {SNMP_GROUP} v3 auth {b.snmp_auth}{priv}")
    if b.snmp_community:
        lines.append(f"snmp-server community {SECRET_PLACEHOLDER} {community_access}")
    return lines


@renderer("cisco_ios", "cisco_xe")
def render_ios(b: Baseline) -> list[str]:
    lines = [f"hostname {b.hostname}", "aaa new-model", "aaa authentication login default local",
             "aaa authorization exec default local"]
    if b.admin_user:
        lines.append(f"username {b.admin_user} privilege 15 secret 9 {SECRET_PLACEHOLDER}")
    lines += _time_logging_snmp(b, community_access="RO")
    for vid, name in b.vlans:
        lines += [f"vlan {vid}", f" name {name}"]
    lines.append(f"banner login ^C{b.banner}^C")
    return lines


@renderer("arista_eos")
def render_eos(b: Baseline) -> list[str]:
    lines = [f"hostname {b.hostname}", "aaa authentication login default local",
             "aaa authorization exec default local"]
    if b.admin_user:
        lines.append(f"username {b.admin_user} privilege 15 role network-admin secret sha512 {SECRET_PLACEHOLDER}")
    lines += _time_logging_snmp(b, community_access="ro")
    for vid, name in b.vlans:
        lines += [f"vlan {vid}", f"   name {name}"]
    lines += ["banner login", b.banner, "EOF"]
    return lines


@renderer("fortinet")
def render_fortios(b: Baseline) -> list[str]:
    lines = ["config system global", f'    set hostname "{b.hostname}"',
             "    set pre-login-banner enable", "end",
             "config system replacemsg admin \"pre_admin-disclaimer-text\"",
             f'    set buffer "{b.banner}"', "end"]
    if b.admin_user:
        lines += ["config system admin", f'    edit "{b.admin_user}"', '        set accprofile "super_admin"',
                  f"        set password ENC {SECRET_PLACEHOLDER}", "    next", "end"]
    if b.ntp_servers:
        lines += ["config system ntp", "    set ntpsync enable", "    set type custom", "    config ntpserver"]
        for i, ip in enumerate(b.ntp_servers, 1):
            lines += [f"        edit {i}", f'            set server "{ip}"', "        next"]
        lines += ["    end", "end"]
    for i, ip in enumerate(b.syslog_servers[:4], 1):
        section = "log syslogd setting" if i == 1 else f"log syslogd{i} setting"
        lines += [f"config {section}", "    set status enable", f'    set server "{ip}"', "end"]
    if b.snmp_user:
        lines += ["config system snmp user", f'    edit "{b.snmp_user}"', "        set security-level auth-priv",
                  f"        set auth-proto {b.snmp_auth}", f"        set priv-proto {b.snmp_priv or 'aes'}",
                  "    next", "end"]
    if b.snmp_community:
        lines += ["config system snmp community", "    edit 1", f"        set name {SECRET_PLACEHOLDER}",
                  "        set status enable", "    next", "end"]
    return lines


def render(platform: str, b: Baseline) -> list[str]:
    try:
        return RENDERERS[platform](b)
    except KeyError:
        raise KeyError(f"no baseline renderer for platform {platform!r}; "
                       f"known: {', '.join(sorted(RENDERERS))}") from None


MANAGED_STATUSES = ("active", "staged")


def network_devices(inv: Inventory) -> list[Device]:
    """Devices with a network CLI that exist today (active or staged) and have an address:
    what backup, compliance and the lab cover."""
    from dcops_inventory.choices import NETWORK_PLATFORMS

    return [d for d in inv.devices
            if d.platform in NETWORK_PLATFORMS and d.status in MANAGED_STATUSES and (d.mgmt_ip or d.oob_ip)]
