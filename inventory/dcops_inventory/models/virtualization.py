"""Virtualisation: clusters (their hosts are devices with `cluster:`) and virtual machines."""

from __future__ import annotations

from ipaddress import IPv4Interface

from dcops_inventory.choices import ClusterType, SiteStatus, VmPlatform, VmStatus
from dcops_inventory.models.base import Bool, Name, NonNegNumber, PositiveInt, Provenance, Record, Text


class Cluster(Record):
    name: Name
    site: Name
    type: ClusterType = "vmware_vsphere"
    ha_enabled: Bool = True
    drs_enabled: Bool = True
    status: SiteStatus = "active"
    description: Text | None = None
    provenance: Provenance


class VirtualMachine(Record):
    name: Name
    cluster: Name
    host: Name | None = None
    vcpus: PositiveInt
    memory_gb: NonNegNumber
    disk_gb: NonNegNumber
    os: Name
    platform: VmPlatform
    status: VmStatus = "active"
    role: Text | None = None
    mgmt_ip: IPv4Interface | None = None
    credentials: Name | None = None
    description: Text | None = None
    provenance: Provenance
