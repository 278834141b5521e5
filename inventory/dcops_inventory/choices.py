"""Every fixed vocabulary of the inventory, in one place.

Later components (Ansible groups, Prometheus target labels, Pulumi policies, alert rules)
key on these exact strings, so they are Literal types: the YAML says `role: core_switch`
and a typo is rejected with the list of valid values.
"""

from __future__ import annotations

from typing import Literal, get_args

SiteRole = Literal["primary_dc", "alternate_dc", "office", "served_entity"]
SiteStatus = Literal["active", "planned", "decommissioning", "retired"]

DeviceRole = Literal[
    "core_switch",
    "distribution_switch",
    "edge_switch",
    "poe_switch",
    "san_switch",
    "access_point",
    "router",
    "firewall",
    "server",
    "storage",
    "backup_library",
    "ups",
    "cooling",
    "pbx",
    "media_gateway",
    "voice_security",
    "pdu",
    "fire_detection",
    "access_control",
]
DeviceStatus = Literal["active", "planned", "staged", "offline", "decommissioning"]
Ownership = Literal["owned", "rented"]
RackFace = Literal["front", "rear"]

# netmiko device_type values for devices with a CLI, plus server/appliance platforms.
Platform = Literal[
    "cisco_ios",
    "cisco_xe",
    "cisco_nxos",
    "arista_eos",
    "hp_comware",
    "hp_procurve",
    "fortinet",
    "paloalto_panos",
    "juniper_junos",
    "linux",
    "windows",
    "solaris",
    "freebsd",
    "vmware_esxi",
]
NETWORK_PLATFORMS = ("cisco_ios", "cisco_xe", "cisco_nxos", "arista_eos", "hp_comware",
                     "hp_procurve", "fortinet", "paloalto_panos", "juniper_junos")

InterfaceType = Literal[
    "1000base-t", "10gbase-t", "10gbase-x-sfpp", "25gbase-x-sfp28", "40gbase-x-qsfpp",
    "100gbase-x-qsfp28", "fc-8g", "fc-16g", "fc-32g", "lag", "virtual", "wireless",
    "pri-e1", "power",
]
InterfaceRole = Literal["uplink", "downlink", "peer_link", "access", "server", "storage",
                        "mgmt", "wan", "internet", "voice", "unused"]
InterfaceMode = Literal["access", "trunk", "routed"]
CableType = Literal["cat6", "cat6a", "om3", "om4", "smf", "dac", "power"]

VlanRole = Literal["mgmt", "servers", "storage", "users", "voice", "wireless", "dmz",
                   "transit", "backup", "vmotion", "oob"]
PrefixRole = Literal["container", "mgmt", "servers", "storage", "users", "voice", "wireless",
                     "dmz", "transit", "backup", "vmotion", "oob", "loopback", "wan"]
CircuitKind = Literal["internet", "wan", "mpls", "pri", "dark_fiber"]

ClusterType = Literal["vmware_vsphere"]
VmStatus = Literal["active", "planned", "offline", "decommissioning"]
VmPlatform = Literal["linux", "windows", "solaris", "bsd"]

SoftwareCategory = Literal["operating_system", "database", "development", "office", "web_design",
                           "antivirus", "other"]
LicenceType = Literal["perpetual", "subscription", "open_source", "rented", "unknown"]

Criticality = Literal["critical", "high", "medium", "low"]
PartyKind = Literal["government", "bank", "platform", "provider"]

GoalScope = Literal["site", "service", "component_group"]
Redundancy = Literal["N", "N+1", "2N"]

SecretKind = Literal["env", "vault"]
SnmpVersion = Literal["v2c", "v3"]
SnmpAuthProtocol = Literal["SHA", "SHA256", "SHA512", "MD5"]
SnmpPrivProtocol = Literal["AES", "AES256", "DES"]

AssetCategory = Literal["desktop", "laptop", "netbook", "printer", "scanner", "duplicator",
                        "projector", "whiteboard", "phone", "mobile_phone", "ticketing",
                        "fire_safety", "card_printer", "other"]

# What a source document (meta.sources) is; the inventory's own channels and tables are
# declared in its meta, not here, since they differ from one organisation to the next.
SourceKind = Literal["plan", "policy", "report", "audit", "survey", "contract", "quote", "register",
                     "standard", "other"]


def values(literal: object) -> tuple[str, ...]:
    """The allowed strings of one of the Literal vocabularies above."""
    return get_args(literal)
