"""What each SLI is made of, for different views of what Prometheus measures."""

from __future__ import annotations

import pytest
from slo_helpers import SLO_INVENTORY

from dcops_inventory import load_inventory
from dcops_slo import MonitoredView
from dcops_slo.sli import SliBuilder

NETWORK = ("hq-core-01", "hq-core-02", "hq-fw-01", "hq-fw-02", "hq-san-01", "hq-san-02", "hq-san-03", "hq-san-04",
           "hq-rtr-01", "hq-rtr-02")


@pytest.fixture(scope="module")
def inv():
    return load_inventory(SLO_INVENTORY)


def view(probed=NETWORK, direct=(), circuits=True):
    return MonitoredView({d: ("if_mib",) for d in probed}, {d: "dcops_node_60s" for d in direct},
                         {"hq-inet-01": "hq-rtr-01"} if circuits else {}, ("dcops_exporter",))


def subjects(inv, v):
    builder = SliBuilder(inv, v)
    return {(s.goal.name, s.name): s for goal in inv.availability_goals for s in builder.subjects(goal)}


def test_site_needs_its_data_hall_groups_and_a_service_adds_its_circuit(inv):
    found = subjects(inv, view())
    keys = lambda s: [c.key for c in s.components]  # noqa: E731
    assert keys(found[("site-tier2", "hq")]) == ["redundancy_group/rg-core", "redundancy_group/rg-fw",
                                                 "redundancy_group/rg-rtr", "redundancy_group/rg-san"]
    assert keys(found[("svc-critical", "portal")]) == ["circuit/hq-inet-01", *keys(found[("site-tier2", "hq")])]
    assert keys(found[("core-2n", "rg-core")]) == ["redundancy_group/rg-core"]
    # distribution switches serve a closet, not the data hall
    assert not any("rg-dist" in k for s in found.values() for k in keys(s))


def test_a_subject_without_measurements_has_no_sli_and_says_why(inv):
    found = subjects(inv, view())
    branch = found[("site-tier2", "branch")]
    assert not branch.measured and branch.unmeasured == ("no active infrastructure device at the site",)


def test_a_group_with_an_unprobed_member_is_listed_not_measured(inv):
    found = subjects(inv, view(probed=tuple(d for d in NETWORK if d != "hq-san-04"), circuits=False))
    hq, portal = found[("site-tier2", "hq")], found[("svc-critical", "portal")]
    assert "redundancy group rg-san" in hq.unmeasured
    assert "redundancy_group/rg-san" not in [c.key for c in hq.components]
    assert "circuit hq-inet-01" in portal.unmeasured


def test_directly_scraped_devices_count_through_up(inv):
    builder = SliBuilder(inv, view(probed=NETWORK[2:], direct=("hq-core-01", "hq-core-02")))
    core = builder.group(inv.get("redundancy_groups", "rg-core"))
    assert 'up{job="dcops_node_60s", instance=~"hq-core-01|hq-core-02"}' in core.expr
    mixed = MonitoredView({"a": ("if_mib",)}, {"b": "dcops_node_60s"}).answers(["a", "b"])
    assert mixed == 'max by (instance) (dcops_probe_success{instance="a"} or up{job="dcops_node_60s", instance="b"})'


def test_dotted_names_are_escaped_in_regexes():
    assert MonitoredView({"a.b": ("if_mib",), "c": ("if_mib",)}).answers(["a.b", "c"]) == \
        'max by (instance) (dcops_probe_success{instance=~"a\\\\.b|c"})'


def test_a_service_on_vms_needs_the_hosts_of_their_cluster():
    mtpe = load_inventory()
    hosts = tuple(f"sc-srv-{n:02d}" for n in range(1, 16))
    with_hosts = SliBuilder(mtpe, MonitoredView({h: ("host",) for h in hosts}))
    goal = mtpe.get("availability_goals", "svc-critical-monthly")
    contratos = next(s for s in with_hosts.subjects(goal) if s.name == "contratos")
    assert "redundancy_group/rg-vmw-hosts" in [c.key for c in contratos.components]
    assert "vm vm-contratos-app-01" in contratos.unmeasured
    without = next(s for s in SliBuilder(mtpe, MonitoredView()).subjects(goal) if s.name == "contratos")
    assert not without.measured
    assert "device sc-srv-01 (a host of cluster sc-vmw-01)" in without.unmeasured
