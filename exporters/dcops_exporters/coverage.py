"""Which collector watches each device: an exporter module, node_exporter, or a stated exemption.

The OS rule for servers: an OS that node_exporter supports and that we administer runs
node_exporter (Debian's `prometheus-node-exporter`, the RHEL/CentOS package or binary):
it sees far more than any MIB and dcops does not reimplement it. Everything else is
read over SNMP with HOST-RESOURCES-MIB by the `host` module:

- Windows 2000/2003/2008: node_exporter's Windows sibling (windows_exporter) needs
  Windows Server 2012 or later; the SNMP service ships with the OS.
- Solaris 10 (SPARC): no node_exporter build; the System Management Agent is in the OS.
- VMware ESXi: no third-party agents on the hypervisor; its SNMP agent is built in.
- FreeBSD 10: node_exporter supports FreeBSD, but Go stopped running on FreeBSD < 11.2
  with Go 1.13, so no current build starts there; bsnmpd's hostres module is in base.
- Rented servers (the IP PBX): the provider's box, where we may not install software.

A device with a management interface that no module probes must be listed in EXEMPT
with the reason; `tests/exporters/test_module_coverage.py` fails on any other.
"""

from __future__ import annotations

from dcops_inventory import Inventory
from dcops_inventory.models import Device

NODE_EXPORTER_PLATFORMS = ("linux",)
NODE_EXPORTER_PORT = 9100

HOST_PLATFORMS = {
    "windows": "Windows 2000-2008: windows_exporter needs Server 2012+; the SNMP service ships with the OS",
    "solaris": "Solaris 10 on SPARC: no node_exporter build; SMA (net-snmp) ships with the OS",
    "vmware_esxi": "ESXi takes no third-party agent; its SNMP agent is built in",
    "freebsd": "FreeBSD 10: Go (and so node_exporter) needs FreeBSD 11.2+; bsnmpd hostres is in base",
}
HOST_DEVICE_TYPES = {
    "rented-ip-pbx-server": "rented from the telephony provider: dcops may not install an agent on it "
                            "(assumption: its SNMP agent serves HOST-RESOURCES-MIB, as net-snmp does)",
}

# role or device type -> why no module probes it (yet).
EXEMPT = {
    "access_point": "Cisco AP2802I access points run the lightweight (CAPWAP) image: radios, clients and "
                    "health are served by the wireless controller's SNMP agent, not the AP's; the inventory "
                    "lists no controller to probe",
    "backup_library": "HPE MSL4048 tape library: its state is in the vendor's library MIB, not modelled yet; "
                      "failed backups show in the backup software's reports",
    "media_gateway": "AudioCodes Mediant 1000B: trunk and DSP state live in AudioCodes' own MIBs, not modelled yet",
    "thales-voice-security": "Thales telephony security appliance: closed appliance with no published MIB",
}


def runs_node_exporter(device: Device) -> bool:
    return device.platform in NODE_EXPORTER_PLATFORMS


def host_probe(inv: Inventory, device: Device) -> str | None:
    """None when the `host` module probes the device, else why not."""
    if device.platform in HOST_PLATFORMS or device.device_type in HOST_DEVICE_TYPES:
        return None
    if runs_node_exporter(device):
        return f"device {device.name} runs {device.platform}: node_exporter watches it, not SNMP"
    return (f"device {device.name} (platform {device.platform or 'none'}, type {device.device_type}) "
            f"has no OS the host module reads")


def exemption(device: Device) -> str | None:
    """Why no module probes the device, when that is intended."""
    if device.status != "active":
        return f"status {device.status}: only active devices are scraped"
    return EXEMPT.get(device.device_type) or EXEMPT.get(device.role)
