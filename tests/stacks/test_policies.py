"""HA policies on resources produced by the real program under mocks: MTPE passes, each
mutated inventory fails with a message naming what is wrong."""

from __future__ import annotations

import pytest
from pulumi_policy import PolicyResource, StackValidationArgs

from dcops_stacks.mockrun import run_program
from dcops_stacks.policies import POLICIES, run_policies
from dcops_stacks.policypack import stack_policies


def messages(inv, stack):
    return [f"[{v.policy}] {v.message}" for v in run_policies(run_program(inv, stack))]


def test_mtpe_passes_every_policy(primary, alternate):
    assert run_policies(primary) == []
    assert run_policies(alternate) == []
    assert {p.name for p in POLICIES} == {"redundant-vms-anti-affinity", "redundant-vms-apart",
                                          "critical-service-counterpart", "cluster-n-plus-one", "no-decommission-host"}


def test_critical_service_without_counterpart_fails(mutate):
    def drop_sat(docs):
        docs["recovery.yaml"]["counterparts"] = [c for c in docs["recovery.yaml"]["counterparts"]
                                                 if not c["primary"].startswith("vm-sat-app")]
    found = messages(mutate(drop_sat), "alternate")
    assert found == ["[critical-service-counterpart] critical service 'sat' has no counterpart (replica VM or "
                     "placeholder reservation) at the alternate site 'dca'"]


@pytest.mark.parametrize("mode, expected", [
    ("none", "redundancy group 'rg-dns' (vm-dns-01, vm-dns-02) has no VM anti-affinity rule in cluster 'dcp-vmw-01'"),
    ("preferred", "redundancy group 'rg-dns' (vm-dns-01, vm-dns-02): anti-affinity rule 'aa-rg-dns' is not mandatory"),
])
def test_pair_without_mandatory_anti_affinity_fails(mutate, mode, expected):
    def weaken(docs):
        docs["sites.yaml"]["cluster_plans"][0]["vm_anti_affinity"] = mode
    found = messages(mutate(weaken), "primary")
    assert f"[redundant-vms-anti-affinity] {expected}" in found
    # every one of the 13 VM groups loses its compute and its storage rule
    assert sum(m.startswith("[redundant-vms-anti-affinity]") for m in found) == 13
    assert sum("no mandatory storage anti-affinity rule" in m for m in found) == 13


def test_pair_on_one_host_and_one_datastore_fails(mutate):
    def squeeze(docs):
        docs["placements.yaml"] = {"vm_placements": [
            {"vm": vm, "cluster": "dcp-vmw-01", "host": "dcp-srv-01", "datastore": "dcp-ds-01", "provenance": "assumption"}
            for vm in ("vm-dns-01", "vm-dns-02")]}
    found = messages(mutate(squeeze), "primary")
    assert found == ["[redundant-vms-apart] redundancy group 'rg-dns': vm-dns-01 and vm-dns-02 share host 'dcp-srv-01'",
                     "[redundant-vms-apart] redundancy group 'rg-dns': vm-dns-01 and vm-dns-02 share datastore 'dcp-ds-01'"]


def test_vm_on_host_planned_for_decommission_fails(mutate):
    def retire(docs):
        host = next(d for d in docs["sites.yaml"]["devices"] if d["name"] == "dcp-srv-03")
        host["decommission_date"] = "2027-12-31"
        docs["placements.yaml"] = {"vm_placements": [
            {"vm": "vm-qlik-01", "cluster": "dcp-vmw-01", "host": "dcp-srv-03", "provenance": "assumption"}]}
    found = messages(mutate(retire), "primary")
    assert ("[no-decommission-host] VM 'vm-qlik-01' is placed on host 'dcp-srv-03', which is planned for "
            "decommission") in found


def test_cluster_without_n_plus_one_fails(mutate):
    """Boundary: 4 hosts of 160 GB keep N+1 for today's 400 GB of VMs (480 GB left), 128 GB do not."""
    def sized(gb):
        def edit(docs):
            for cap in docs["sites.yaml"]["host_capacities"]:
                if cap["host"].startswith("dcp-"):
                    cap["memory_gb"] = gb
        return edit
    assert messages(mutate(sized(160)), "primary") == []
    assert messages(mutate(sized(128)), "primary") == [
        "[cluster-n-plus-one] cluster 'dcp-vmw-01' after losing 'dcp-srv-04': VMs and reservations need "
        "400 GB RAM, the other 3 hosts have 384 GB"]


def test_policy_pack_reports_what_the_functions_report(mutate):
    """The pulumi_policy stack policies, fed PolicyResources built from the mock run."""
    def drop_sat(docs):
        docs["recovery.yaml"]["counterparts"] = [c for c in docs["recovery.yaml"]["counterparts"]
                                                 if not c["primary"].startswith("vm-sat-app")]
    resources = run_program(mutate(drop_sat), "alternate")
    policy_resources: dict[str, PolicyResource] = {}
    for r in resources:
        policy_resources[r.urn] = PolicyResource(r.type, r.props, r.urn, r.name, None, None, None, [], {})
    for r in resources:
        pr = policy_resources[r.urn]
        pr.parent = policy_resources.get(r.parent)
        pr.property_dependencies = {k: [policy_resources[u] for u in v if u in policy_resources] for k, v in r.deps.items()}
    reported = []
    for pol in stack_policies():
        pol.validate(StackValidationArgs(list(policy_resources.values())), lambda msg, urn=None, p=pol: reported.append((p.name, msg)))
    assert reported == [(v.policy, v.message) for v in run_policies(resources)]
    assert len(reported) == 1 and "critical service 'sat'" in reported[0][1]
