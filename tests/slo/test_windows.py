"""Burn-rate factors derived from a goal's window (SRE Workbook table 5-8 for 30 days)."""

from __future__ import annotations

from decimal import Decimal

from dcops_slo.windows import BURN_PAIRS, burn_thresholds, decimal_text, error_budget


def factors(target, days):
    return [(t.pair.long_window, t.pair.short_window, decimal_text(t.factor)) for t in burn_thresholds(target, days)]


def test_thirty_days_gives_the_workbook_table():
    assert factors(99.9, 30) == [("1h", "5m", "14.4"), ("6h", "30m", "6"), ("1d", "2h", "3"), ("3d", "6h", "1")]
    assert [p.severity for p in BURN_PAIRS] == ["critical", "critical", "warning", "warning"]
    assert [p.hold for p in BURN_PAIRS] == ["2m", "15m", "1h", "3h"]


def test_a_year_scales_every_factor_by_the_window():
    assert factors(99.741, 365) == [("1h", "5m", "175.2"), ("6h", "30m", "73"), ("1d", "2h", "36.5"),
                                    ("3d", "6h", "12.1667")]


def test_each_pair_burns_its_share_of_the_whole_budget():
    for days in (30, 365):
        shares = [t.budget_share.quantize(Decimal("0.0001")) for t in burn_thresholds(99.9, days)]
        assert shares == [Decimal("0.0200"), Decimal("0.0500"), Decimal("0.1000"), Decimal("0.1000")]


def test_budgets_are_exact_decimals_as_written():
    assert error_budget(99.741) == Decimal("0.00259")
    assert error_budget(99.9) == Decimal("0.001")
    assert [t.promql() for t in burn_thresholds(99.741, 365)][:2] == ["(175.2 * 0.00259)", "(73 * 0.00259)"]


def test_a_factor_that_could_never_fire_is_clamped_to_a_complete_outage():
    # 2 % of a 99 %/365-day budget (87.6 h) is 1.75 h: more than the 1h window holds
    pairs = burn_thresholds(99, 365)
    assert [(t.clamped, decimal_text(t.factor)) for t in pairs] == [
        (True, "100"), (False, "73"), (False, "36.5"), (False, "12.1667")]
    assert pairs[0].error_ratio == 1
    assert all(t.error_ratio <= 1 for t in burn_thresholds(99.5, 365))
