"""The site plan (no Pulumi): which VMs a stack builds, where, and what stands in for them."""

from __future__ import annotations

import shutil

import pytest
import yaml
from fixture_paths import MINI  # noqa: E402

from dcops_inventory import load_inventory
from dcops_stacks.errors import StackError
from dcops_stacks.plan import plan_site, stack_site


@pytest.fixture(scope="module")
def mini():
    return load_inventory(MINI)


def test_stack_builds_the_planned_site_of_its_role(mini):
    assert stack_site(mini, "primary") == "dcp"  # not sc, today's active primary
    assert stack_site(mini, "alternate") == "dca"
    with pytest.raises(StackError, match="unknown stack 'dr'; valid: primary, alternate"):
        stack_site(mini, "dr")


def test_primary_takes_todays_vms_but_not_those_being_retired(mini):
    plan = plan_site(mini, "primary")
    assert [vm.name for vm in plan.vms] == ["vm-db-01", "vm-db-02", "vm-intranet-01", "vm-web-01", "vm-web-02"]
    assert all(vm.existing_at == "sc" for vm in plan.vms)
    pinned = {vm.name: vm.host for vm in plan.vms}
    assert pinned["vm-db-01"] == "dcp-srv-01" and pinned["vm-web-01"] is None  # sc hosts do not follow the VM


def test_redundant_members_get_distinct_datastores(mini):
    plan = plan_site(mini, "primary")
    store = {vm.name: vm.datastore for vm in plan.vms}
    groups = {g.name: g.members for g in plan.clusters[0].groups}
    assert set(groups) == {"rg-db", "rg-web"}  # rg-intranet is requirement N: nothing to separate
    for members in groups.values():
        assert len({store[m] for m in members}) == len(members)


def test_vm_owned_by_its_most_critical_service(mini):
    plan = plan_site(mini, "primary")
    owner = {vm.name: vm.service for vm in plan.vms}
    assert owner["vm-web-01"] == "payroll"  # listed by payroll (critical) and intranet (medium)
    assert owner["vm-intranet-01"] == "intranet"


def test_alternate_recovery_plan_lists_replicas_and_placeholders(mini):
    plan = plan_site(mini, "alternate")
    assert plan.recovery.critical_services == ("payroll",)
    cp = plan.recovery.counterparts[0]
    assert cp.replicas == ("dca-vm-db-01",)  # one replica stands in for both database VMs
    web01, web02 = cp.placeholders
    assert (web01.name, web01.cpu_mhz, web01.memory_mb) == ("vm-web-01-standby", 4000, 4096)
    assert (web02.cpu_mhz, web02.memory_mb) == (2000, 2048)  # reserve_percent 50
    assert [vm.service for vm in plan.vms] == ["payroll"]  # the replica belongs to its primary's service


def test_cluster_without_a_plan_is_a_clear_error(tmp_path):
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    doc = yaml.safe_load((root / "plan.yaml").read_text())
    doc["cluster_plans"] = [c for c in doc["cluster_plans"] if c["cluster"] != "dca-vmw-01"]
    (root / "plan.yaml").write_text(yaml.safe_dump(doc))
    inv = load_inventory(root)
    with pytest.raises(StackError, match="cluster 'dca-vmw-01' at site 'dca' has no cluster_plans record"):
        plan_site(inv, "alternate")
