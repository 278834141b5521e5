"""The real program under Pulumi's mocks: resource counts follow the inventory."""

from __future__ import annotations

from dcops_stacks.mockrun import MOCK_SECRET


def _vm_groups(inv, vm_names):
    return [g for g in inv.redundancy_groups
            if g.requirement != "N" and sum(m in vm_names for m in g.members) >= 2]


def test_primary_counts_follow_the_inventory(mtpe, primary, of_type):
    cluster = of_type(primary, "compute:Cluster")[0]
    assert cluster.props["resourcePoolId"] == "resgroup-dcp-vmw-01"  # its register_outputs, seen by policies
    moving = {vm.name for vm in mtpe.vms if vm.cluster == "sc-vmw-01" and vm.status != "decommissioning"}
    vms = of_type(primary, ":VirtualMachine")
    assert {r.props["name"] for r in vms} == moving and len(vms) == 43
    assert len(of_type(primary, ":DistributedPortGroup")) == len([v for v in mtpe.vlans if v.site == "dcp"])
    rules = of_type(primary, ":ComputeClusterVmAntiAffinityRule")
    assert len(rules) == len(_vm_groups(mtpe, moving)) == 13
    assert len(of_type(primary, ":DatastoreClusterVmAntiAffinityRule")) == len(rules)
    assert len(of_type(primary, "index/host:Host")) == len(mtpe.hosts_of("dcp-vmw-01"))


def test_alternate_counts_follow_the_inventory(mtpe, alternate, of_type):
    dca_vms = {vm.name for vm in mtpe.vms if vm.cluster == "dca-vmw-01"}
    assert {r.props["name"] for r in of_type(alternate, ":VirtualMachine")} == dca_vms
    assert len(of_type(alternate, ":DistributedPortGroup")) == len([v for v in mtpe.vlans if v.site == "dca"])
    placeholders = [c for c in mtpe.counterparts if c.mode == "placeholder"]
    assert len(of_type(alternate, ":ResourcePool")) == len(placeholders)
    critical = {s.name for s in mtpe.services if s.criticality == "critical"}
    plan = of_type(alternate, "recovery:RecoveryPlan")[0]
    assert set(plan.props["criticalServices"]) == critical


def test_components_parent_their_children(primary, alternate, of_type):
    for resources in (primary, alternate):
        by_urn = {r.urn: r for r in resources}
        for r in resources:
            assert r.type.startswith(("dcops:", "vsphere:", "pulumi:providers:")), r.type
            if r.type.startswith("dcops:"):  # props are outputs, as stack policies see them
                assert r.props, f"{r.urn} registered no outputs"
            if r.type.startswith("vsphere:"):
                parent = by_urn.get(r.parent)
                assert parent is not None and parent.type.startswith("dcops:"), f"{r.urn} has no dcops parent"


def test_redundant_members_get_distinct_datastores_and_mandatory_rules(primary, of_type):
    by_urn = {r.urn: r for r in primary}
    for rule in of_type(primary, ":ComputeClusterVmAntiAffinityRule"):
        assert rule.props["mandatory"] is True
        members = [by_urn[u] for u in rule.deps["virtualMachineIds"]]
        stores = [m.deps["datastoreId"][0] for m in members]
        assert len(set(stores)) == len(members), rule.name


def test_vcenter_credentials_come_from_secret_config(primary, of_type):
    # Pulumi marks a secret on the wire with this signature; the mocks see the envelope.
    secret_sig = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")
    provider = of_type(primary, "providers:vsphere")[0]
    assert provider.props["password"] == {secret_sig[0]: secret_sig[1], "value": MOCK_SECRET}
    assert provider.props["vsphereServer"] == "dcp-vcenter-01"
    hosts = of_type(primary, "index/host:Host")
    assert hosts and all(h.props["password"] == provider.props["password"] for h in hosts)


def test_vms_land_on_the_matching_vlan(primary, of_type):
    by_urn = {r.urn: r for r in primary}
    vm = next(r for r in of_type(primary, ":VirtualMachine") if r.props["name"] == "vm-portal-web-01")
    network = by_urn[vm.deps["networkInterfaces"][0]]
    assert network.props["name"] == "dcp-mgmt-vm" and network.props["vlanId"] == 15
