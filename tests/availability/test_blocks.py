"""The reliability-block math against values computed by hand."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from dcops_availability.blocks import (
    KofN,
    Leaf,
    Series,
    at_least,
    availability,
    birnbaum,
    common_cause_group,
    failure_frequency,
    k_of_n,
    leaves,
    series,
    works,
)


def a(key: str, value: float) -> Leaf:
    return Leaf.of_availability(key, value)


def test_three_099_blocks_two_of_three():
    # 3 * 0.99^2 * 0.01 + 0.99^3 = 0.029403 + 0.970299
    value = availability(k_of_n(2, [a("x", 0.99), a("y", 0.99), a("z", 0.99)]))
    assert round(value, 6) == 0.999702
    assert value == pytest.approx(0.999702, abs=1e-12)


def test_series_multiplies():
    assert availability(series(a("x", 0.99), a("y", 0.98))) == pytest.approx(0.9702, abs=1e-12)


def test_one_of_two_is_parallel():
    assert availability(k_of_n(1, [a("x", 0.9), a("y", 0.9)])) == pytest.approx(0.99, abs=1e-12)


def test_k_of_n_with_members_that_differ():
    # all three up: .9*.8*.7 = .504; exactly two: .9*.8*.3 + .9*.2*.7 + .1*.8*.7 = .398
    assert availability(k_of_n(2, [a("x", 0.9), a("y", 0.8), a("z", 0.7)])) == pytest.approx(0.902, abs=1e-12)
    assert at_least(3, [0.9, 0.8, 0.7]) == pytest.approx(0.504, abs=1e-12)
    assert at_least(4, [0.9, 0.8, 0.7]) == 0.0
    assert at_least(0, [0.9]) == 1.0


def test_n_of_n_is_a_series():
    members = [a("x", 0.99), a("y", 0.95)]
    assert availability(k_of_n(2, members)) == pytest.approx(availability(Series(tuple(members))), abs=1e-15)


def test_mtbf_mttr_conversion():
    assert Leaf("x", 999, 1).availability == pytest.approx(0.999, abs=1e-15)
    assert Leaf("x", 8760, 8.76).availability == pytest.approx(8760 / 8768.76, abs=1e-15)
    leaf = Leaf.of_availability("x", 0.999, mttr_hours=4)
    assert leaf.mtbf_hours == pytest.approx(3996)
    assert leaf.frequency == pytest.approx(1 / 4000)


def test_beta_factor_takes_a_share_of_each_members_failures_to_all_members():
    # two 0.99 members (MTBF/MTTR r = 99), beta 0.1:
    # independent part r / (r + 1 - beta) = 99/99.9, common cause r / (r + beta) = 99/99.1
    members = [(a("x", 0.99), ()), (a("y", 0.99), ())]
    expected = (99 / 99.1) * (1 - (1 - 99 / 99.9) ** 2)
    group = common_cause_group("g", 1, members, beta=0.1)
    assert availability(group) == pytest.approx(expected, abs=1e-12)
    assert round(availability(group), 6) == 0.998910
    # no common cause: plain parallel; common cause costs most of what redundancy buys
    assert availability(common_cause_group("g", 1, members, beta=0.0)) == pytest.approx(0.9999, abs=1e-12)
    assert 0.99 < availability(group) < 0.9999
    # the common-cause leaf is an event of the group, not a member
    assert leaves(group)["ccf:g"].kind == "common-cause"


def test_beta_factor_on_members_that_differ_uses_geometric_means():
    members = [(Leaf("x", 100, 1), ()), (Leaf("y", 400, 4), ())]
    group = common_cause_group("g", 1, members, beta=0.05)
    ccf = leaves(group)["ccf:g"]
    assert ccf.mtbf_hours == pytest.approx(1 / (0.05 * math.sqrt(1 / 100 * 1 / 400)))  # 4000 h
    assert ccf.mttr_hours == pytest.approx(2.0)  # sqrt(1 * 4)


def test_a_shared_component_counts_once():
    # two VMs in parallel on one host: A = A_host * (1 - (1 - A_vm)^2), not the tree product
    host = a("host", 0.9)
    pair = k_of_n(1, [series(a("v1", 0.9), host), series(a("v2", 0.9), host)])
    assert availability(pair) == pytest.approx(0.9 * 0.99, abs=1e-12)
    naive = 1 - (1 - 0.81) ** 2
    assert availability(pair) < naive


def _brute_force(block, comps: dict[str, Leaf]) -> float:
    total = 0.0
    keys = sorted(comps)
    for states in itertools.product((True, False), repeat=len(keys)):
        p = math.prod(comps[k].availability if up else 1 - comps[k].availability for k, up in zip(keys, states))
        if works(block, {k for k, up in zip(keys, states) if not up}):
            total += p
    return total


def _random_diagram(rng: random.Random, pool: list[Leaf], depth: int):
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(pool)
    children = [_random_diagram(rng, pool, depth - 1) for _ in range(rng.randint(2, 3))]
    if rng.random() < 0.5:
        return Series(tuple(children))
    return KofN(rng.randint(1, len(children)), tuple(children))


def test_exact_evaluation_matches_enumeration_of_every_state():
    rng = random.Random(61508)
    pool = [a(f"c{i}", rng.uniform(0.6, 0.99)) for i in range(7)]
    shared = series(pool[0], pool[1], key="shared")  # a named block used in several branches
    for _ in range(60):
        diagram = _random_diagram(rng, pool + [shared], depth=3)
        comps = leaves(diagram)
        assert availability(diagram) == pytest.approx(_brute_force(diagram, comps), abs=1e-12)


def test_structure_function_and_importance():
    core = a("core", 0.99)
    pair = k_of_n(1, [a("x", 0.9), a("y", 0.9)])
    diagram = series(core, pair)
    assert not works(diagram, {"core"})
    assert works(diagram, {"x"}) and not works(diagram, {"x", "y"})
    # Birnbaum importance: A(core up) - A(core down) = A(pair)
    assert birnbaum(diagram, "core") == pytest.approx(0.99, abs=1e-12)


def test_failure_frequency_of_series_and_parallel():
    # series of two (MTBF 99, MTTR 1): each fails 0.01/h while the other is up (A = 0.99)
    assert failure_frequency(series(Leaf("x", 99, 1), Leaf("y", 99, 1))) == pytest.approx(0.0198, abs=1e-12)
    # parallel pair of 0.9 (MTBF 9, MTTR 1): a failure of one while the other is down, 2 * 0.1 * 0.1
    assert failure_frequency(k_of_n(1, [Leaf("x", 9, 1), Leaf("y", 9, 1)])) == pytest.approx(0.02, abs=1e-12)


def test_bad_blocks_are_refused():
    with pytest.raises(ValueError, match="beta must be in"):
        common_cause_group("g", 1, [(a("x", 0.9), ()), (a("y", 0.9), ())], beta=1.0)
    with pytest.raises(ValueError, match="k must be at least 1"):
        k_of_n(0, [a("x", 0.9)])
    with pytest.raises(ValueError, match="MTBF must be > 0"):
        Leaf("x", 0, 1)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        Leaf.of_availability("x", 1.0)
    with pytest.raises(ValueError, match="two different blocks share the key 'x'"):
        availability(series(a("x", 0.9), a("x", 0.8)))
