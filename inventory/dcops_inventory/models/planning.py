"""The build-out plan for the new data centers: what the Pulumi stacks need beyond today's estate.

The plan (project 28/31) funds a high-availability primary site and an alternate site but
names no cluster, datastore or VM. These records hold those decisions explicitly, each with
its provenance, so the stacks derive everything from the inventory and nothing is invented
in code: where each VM will run, on which storage, how big the hosts are, and which VM at
the alternate site stands in for which primary VM.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StrictFloat, StrictInt, model_validator

from dcops_inventory.models.base import Bool, Finite, Name, NonNegNumber, PositiveInt, Provenance, Record, Text

SdrsAutomation = Literal["manual", "automated"]
AntiAffinityMode = Literal["mandatory", "preferred", "none"]
CounterpartMode = Literal["replica", "placeholder"]


class DatastoreCluster(Record):
    """A vSphere datastore cluster (Storage DRS pod) at one site."""

    name: Name
    site: Name
    sdrs_enabled: Bool = True
    sdrs_automation: SdrsAutomation = "automated"
    description: Text | None = None
    provenance: Provenance


class Datastore(Record):
    """A VMFS datastore on a LUN of a storage array, member of a datastore cluster."""

    name: Name
    datastore_cluster: Name
    host: Name  # the host that formats the LUN; the others in the cluster see it after a rescan
    lun: Text  # canonical disk name (naa.*) as the hosts see it
    capacity_gb: PositiveInt
    storage: Name | None = None  # the array device presenting the LUN
    provenance: Provenance


class ClusterPlan(Record):
    """How a compute cluster is run: its storage, its vCPU overcommit, its DRS rule strength."""

    key_field = "cluster"
    cluster: Name
    datastore_cluster: Name
    absorbs: list[Name] = []  # today's clusters whose VMs are planned to move here
    vcpu_per_core: Annotated[StrictInt | StrictFloat, Field(gt=0, le=100), Finite] = 4
    vm_anti_affinity: AntiAffinityMode = "mandatory"
    description: Text | None = None
    provenance: Provenance


class HostCapacity(Record):
    """What one hypervisor host offers, for the N+1 capacity check."""

    key_field = "host"
    host: Name
    cpu_cores: PositiveInt
    memory_gb: PositiveInt
    provenance: Provenance


class VmPlacement(Record):
    """Where one VM is planned to run, when that is not simply where its cluster moves."""

    key_field = "vm"
    vm: Name
    cluster: Name
    host: Name | None = None
    datastore: Name | None = None
    provenance: Provenance


class Counterpart(Record):
    """The alternate-site stand-in for one primary VM: a running replica or reserved capacity."""

    key_field = "primary"
    primary: Name
    site: Name
    mode: CounterpartMode
    replica: Name | None = None
    reserve_percent: NonNegNumber = 100  # placeholders: share of the primary's CPU/RAM reserved
    provenance: Provenance

    @model_validator(mode="after")
    def _replica_matches_mode(self) -> Self:
        if self.mode == "replica" and self.replica is None:
            raise ValueError("mode replica needs `replica` (the VM at the alternate site)")
        if self.mode == "placeholder" and self.replica is not None:
            raise ValueError("mode placeholder reserves capacity; drop `replica` or use mode replica")
        return self
