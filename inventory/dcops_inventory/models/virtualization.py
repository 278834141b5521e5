"""Virtualisation: the vCenter of a site, clusters (their hosts are devices with `cluster:`)
and virtual machines."""

from __future__ import annotations

from ipaddress import IPv4Interface
from typing import Annotated

from pydantic import Field, StrictStr

from dcops_inventory.choices import ClusterType, SiteStatus, VmPlatform, VmStatus
from dcops_inventory.models.base import Bool, Name, NonNegNumber, Part, PositiveInt, Provenance, Record, Text

# A DNS name or an IPv4 address, as a client connects to it.
HostName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")]


class VCenter(Part):
    """The vCenter managing a site's clusters, as the Pulumi stack of that site reaches it.

    Both logins are `credentials` records: the user names are read from there and the
    passwords stay secrets (`pulumi config set --secret`), so no name is built into code.
    """

    server: HostName
    credentials: Name  # the automation account that logs in to vCenter
    host_credentials: Name  # the account vCenter uses to add the site's ESXi hosts
    description: Text | None = None


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
