"""Scrape tiers: Prometheus durations, which tier a device gets, and the tier checks that
have no fixture of their own (the common mistakes are in tests/fixtures/invalid/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcops_inventory import InventoryError, load_inventory
from dcops_inventory.models import FALLBACK_SCRAPE_TIER, ScrapeTier
from dcops_inventory.models.monitoring import duration_ms, format_duration

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "minimal.yaml"


@pytest.mark.parametrize("text, ms", [("15s", 15_000), ("1m", 60_000), ("1m30s", 90_000), ("500ms", 500),
                                      ("1h", 3_600_000), ("2d", 172_800_000), ("1s500ms", 1_500)])
def test_prometheus_durations_parse(text, ms):
    assert duration_ms(text) == ms


@pytest.mark.parametrize("text", ["15", "15 s", "1.5s", "s", "", "30s1m", "1M", "0s"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        duration_ms(text)


def test_canonical_spelling_is_seconds_else_milliseconds():
    assert [format_duration(ms) for ms in (15_000, 60_000, 3_600_000, 1_500)] == ["15s", "60s", "3600s", "1500ms"]


def test_timeout_defaults_to_ten_seconds_or_the_interval():
    assert ScrapeTier(name="a", interval="1m", roles=["ups"]).timeout_ms == 10_000
    assert ScrapeTier(name="a", interval="5s", roles=["ups"]).timeout_ms == 5_000
    assert ScrapeTier(name="a", interval="1m", timeout="30s", roles=["ups"]).timeout_ms == 30_000


def test_inventory_without_tiers_falls_back_to_30s_and_10s():
    inv = load_inventory(MINIMAL)
    tier = inv.scrape_tier_of(inv.device("hq-core-01"))
    assert tier is FALLBACK_SCRAPE_TIER
    assert (tier.name, tier.interval_ms, tier.timeout_ms) == ("default", 30_000, 10_000)


def test_mtpe_polls_the_network_core_every_15s_and_access_switches_every_60s():
    inv = load_inventory()
    by_role = {d.role: inv.scrape_tier_of(d) for d in inv.devices}
    for role in ("core_switch", "distribution_switch", "san_switch", "router", "firewall"):
        assert by_role[role].interval_ms == 15_000, role
    for role in ("edge_switch", "poe_switch", "ups"):
        assert by_role[role].interval_ms == 60_000, role
    assert by_role["ups"].default


def tiered(tmp_path, tiers: str):
    (tmp_path / "inv.yaml").write_text(MINIMAL.read_text() + "scrape_tiers:\n" + tiers)
    return load_inventory(tmp_path)


def test_a_role_no_tier_names_gets_the_default_tier(tmp_path):
    inv = tiered(tmp_path, "  - {name: wan, interval: 15s, roles: [router]}\n"
                           "  - {name: rest, interval: 2m, default: true}\n")
    tier = inv.scrape_tier_of(inv.device("hq-core-01"))
    assert (tier.name, tier.interval_ms, tier.timeout_ms) == ("rest", 120_000, 10_000)


def problems(tmp_path, tiers: str) -> list[str]:
    with pytest.raises(InventoryError) as exc:
        tiered(tmp_path, tiers)
    return [f"{p.line}: {p.field}: {p.reason}" for p in exc.value.problems]


def test_two_default_tiers_are_refused(tmp_path):
    assert problems(tmp_path, "  - {name: a, interval: 15s, default: true}\n"
                              "  - {name: b, interval: 60s, default: true}\n") == [
        "78: scrape_tiers[b].default: tier 'a' is already the default"]


def test_a_tier_without_roles_must_be_the_default(tmp_path):
    assert problems(tmp_path, "  - {name: a, interval: 15s}\n") == [
        "77: scrape_tiers[a].roles: a tier that is not the default needs at least one role"]


def test_the_tier_named_default_is_the_default(tmp_path):
    assert problems(tmp_path, "  - {name: default, interval: 15s, roles: [router]}\n") == [
        "77: scrape_tiers[default].default: the tier named 'default' must be the default tier (default: true)"]


def test_1m_and_60s_are_one_interval(tmp_path):
    assert problems(tmp_path, "  - {name: a, interval: 1m, roles: [router]}\n"
                              "  - {name: b, interval: 60s, timeout: 20s, roles: [ups]}\n") == [
        "78: scrape_tiers[b].timeout: 20s differs from the 10s of tier 'a', which has the same interval (60s): "
        "they share one scrape job"]
