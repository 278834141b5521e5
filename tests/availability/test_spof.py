"""Single points of failure come from the diagram's structure, worst first."""

from __future__ import annotations

from dcops_availability.blocks import Leaf, common_cause_group, k_of_n, series
from dcops_availability.spof import single_points


def test_components_whose_failure_alone_stops_the_service():
    circuit = Leaf.of_availability("circuit:c1", 0.999, label="c1")
    router = Leaf.of_availability("device:r1", 0.9999, label="r1")
    pair = common_cause_group("group:fw", 1, [(Leaf.of_availability("device:fw1", 0.999, label="fw1"), ()),
                                              (Leaf.of_availability("device:fw2", 0.999, label="fw2"), ())], 0.05)
    two_of_three = k_of_n(2, [Leaf.of_availability(f"device:h{i}", 0.99, label=f"h{i}") for i in range(3)])
    found = single_points(series(router, circuit, pair, two_of_three))
    assert [p.label for p in found] == ["c1", "r1"]  # by unavailability: 0.1 % before 0.01 %
    assert found[0].unavailability == 1 - circuit.availability


def test_common_cause_and_failover_events_are_not_components():
    pair = common_cause_group("group:g", 1, [(Leaf.of_availability("a", 0.99), ()),
                                             (Leaf.of_availability("b", 0.99), ())], 0.1)
    switch = Leaf("switchover:s", 1000, 0.25, kind="switchover")
    assert single_points(series(pair, switch)) == []


def test_no_redundancy_means_every_member_counts():
    members = [Leaf.of_availability(f"m{i}", 0.99, label=f"m{i}") for i in range(2)]
    assert [p.label for p in single_points(k_of_n(2, members))] == ["m0", "m1"]
