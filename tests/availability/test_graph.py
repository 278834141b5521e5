"""Services' diagrams built from a small inventory: today's hall and the planned pair."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dcops_availability.blocks import availability, leaves
from dcops_availability.graph import DiagramBuilder, GraphError
from dcops_availability.scenario import place
from dcops_availability.spof import single_points
from dcops_inventory import load_inventory
from dcops_inventory.models import RedundancyGroup
from dcops_inventory.placement import planned_cluster

PAIR = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "availability_pair"


@pytest.fixture(scope="module")
def inv():
    return load_inventory(PAIR)


def spofs(builder: DiagramBuilder, service: str) -> list[str]:
    return [p.label for p in single_points(builder.service(service))]


def test_a_circuit_only_service_by_hand(inv):
    # uplink needs the circuit, the router it ends on, the hall's network and facility, no storage.
    # beta = 0: the groups are plain 1-of-2. Figures are the documented defaults.
    circuit = 0.999                                     # Internet circuit SLA
    router = 150_000 / 150_004
    core_pair = 1 - (4 / 200_004) ** 2                  # rg-core, two switches
    firewall = 100_000 / 100_004
    ups_pair = 1 - (8 / 100_008) ** 2                   # rg-ups; the closet UPS hq-ups-09 is not the hall's
    crac = 20_000 / 20_012
    utility = 4380 / 4382
    expected = circuit * router * core_pair * firewall * ups_pair * crac * utility
    block = DiagramBuilder(inv, "today", beta=0).service("uplink")
    assert availability(block) == pytest.approx(expected, rel=1e-12)
    assert "device:hq-ups-09" not in leaves(block)
    assert "storage:hq" not in str(block)


def test_single_points_of_failure_today(inv):
    found = spofs(DiagramBuilder(inv, "today"), "web")
    assert set(found) == {"hq-inet-01", "hq-rtr-01", "hq-fw-01", "hq-crac-01", "hq-stor-01", "hq utility power"}
    assert found[0] == "hq-inet-01"  # the largest unavailability first (0.1 %)


def test_redundant_members_are_not_single_points(inv):
    names = {p.label for p in single_points(DiagramBuilder(inv, "today").service("web"))}
    assert not names & {"hq-core-01", "hq-core-02", "hq-ups-01", "web-01", "web-02", "hq-srv-01"}


def test_declared_figures_are_used(inv):
    comps = leaves(DiagramBuilder(inv, "today").service("shop"))
    assert comps["device:hq-stor-01"].mtbf_hours == 99999
    assert comps["device:hq-stor-01"].source == "declared on device hq-stor-01: measured over five years"
    assert comps["external:card-network"].source.startswith("declared on external party card-network")
    assert comps["device:hq-db-01"].source.startswith("declared on device type server-2u: Acme X2")
    assert comps["device:hq-db-01"].source.endswith("applied to a physical server's OS")  # plus its OS


def test_a_service_includes_what_it_depends_on(inv):
    builder = DiagramBuilder(inv, "today")
    shop = leaves(builder.service("shop"))
    assert {"vm:web-01", "vm:web-02", "vm:app-01", "device:hq-db-01", "external:card-network"} <= set(shop)
    assert availability(builder.service("shop")) < availability(builder.service("web"))


def test_an_ha_cluster_without_a_group_tolerates_one_host(inv):
    builder = DiagramBuilder(inv, "today")
    assert not {"hq-srv-01", "hq-srv-02", "hq-srv-03"} & set(spofs(builder, "web"))
    builder.service("web")
    assert any("cluster hq-vmw is up while 2 of its 3 hosts are" in a for a in builder.assumptions)


def test_a_redundancy_group_listing_the_hosts_sets_k(inv):
    every_host = RedundancyGroup(name="rg-hosts", requirement="N", needed=3,
                                 members=["hq-srv-01", "hq-srv-02", "hq-srv-03"], provenance="assumption")
    strict = dataclasses.replace(inv, redundancy_groups=[*inv.redundancy_groups, every_host])
    assert {"hq-srv-01", "hq-srv-02", "hq-srv-03"} <= set(spofs(DiagramBuilder(strict, "today"), "web"))


def test_planned_pair_gives_web_a_second_site(inv):
    today, planned = DiagramBuilder(inv, "today"), DiagramBuilder(inv, "planned")
    assert availability(planned.service("web")) > 0.999 > availability(today.service("web"))
    assert spofs(planned, "web") == []
    comps = leaves(planned.service("web"))
    assert {"vm:web-dr-01", "device:dr-srv-01", "site:np", "site:dr", "circuit:hq-inet-01@np",
            "circuit:hq-inet-01@dr", "device:hq-rtr-01@dr", "switchover:web"} <= set(comps)
    assert comps["switchover:web"].mttr_hours <= 0.25  # a running replica: DNS moves in 15 min


def test_a_physical_server_without_a_stand_in_keeps_the_service_on_one_site(inv):
    planned = DiagramBuilder(inv, "planned")
    assert "hq-db-01@np" in spofs(planned, "shop")
    notes = planned.placements["shop"].notes
    assert any("nothing stands in at dr for physical server(s) hq-db-01" in n for n in notes)


def test_what_the_planned_figures_assume_is_listed(inv):
    planned = DiagramBuilder(inv, "planned")
    for svc in ("web", "shop", "uplink"):
        planned.service(svc)
    text = "\n".join(planned.assumptions)
    assert "np: power and cooling not modelled; the site counts at its goal np-tier3 (99.982 %)" in text
    assert "np: its network layer is not in the inventory; taken as built like hq's" in text
    assert "np gets its own copy of hq-inet-01, hq-db-01" in text


def test_placement(inv):
    assert planned_cluster(inv) == {"web-01": "np-vmw", "web-02": "np-vmw", "app-01": "np-vmw",
                                    "web-dr-01": "dr-vmw"}
    planned = place(inv, "planned")
    assert planned["web"].sites == ("np", "dr") and planned["web"].paths[1].switchover == "replica"
    assert [vm.name for vm in planned["web"].paths[1].vms] == ["web-dr-01", "web-dr-01"]
    assert planned["uplink"].sites == ("hq",) and planned["uplink"].notes == ("the plan does not move it",)
    assert place(inv, "today")["shop"].sites == ("hq",)
    with pytest.raises(ValueError, match="unknown scenario 'someday'; valid: today, planned"):
        place(inv, "someday")


def test_a_cluster_without_hosts_is_an_error(inv):
    hostless = dataclasses.replace(inv, devices=[d for d in inv.devices if d.cluster != "hq-vmw"])
    with pytest.raises(GraphError, match="cluster 'hq-vmw' runs VMs but has no hosts"):
        DiagramBuilder(hostless, "today").service("web")


def test_a_dependency_cycle_is_an_error(inv):
    services = [s.model_copy(update={"depends_on": ["shop"]}) if s.name == "web" else s for s in inv.services]
    looped = dataclasses.replace(inv, services=services)
    with pytest.raises(GraphError, match="service dependency cycle: shop -> web -> shop"):
        DiagramBuilder(looped, "today").service("shop")
