"""Multi-window, multi-burn-rate alert parameters, derived from an availability goal's window.

The SRE Workbook (chapter 5, table 5-8) tunes its alerts for a 30-day window: page when 2 %
of the budget burns in an hour (14.4x the sustainable rate) or 5 % in six hours (6x),
open a ticket when 10 % burns in a day (3x) or in three days (1x). A burn-rate factor is
only `budget consumed x window / long window`, so the same fractions give other factors
for other windows: a 365-day goal pages at 175.2x over 1h. Each long window is paired with
a short one, 1/12 of it, so an alert stops soon after the burn does.

Arithmetic is decimal, so a 99.741 % goal has a budget of exactly 0.00259 and the rules
carry no float noise. A factor whose threshold would exceed an error ratio of 1 (a loose
goal over a long window: 2 % of a 99 %/365-day budget is 1.75 h, more than the 1 h window
holds) is clamped to 1/budget: the pair then fires on a complete outage across both windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Windows of the error-ratio recording rules: every long and short window of BURN_PAIRS.
ERROR_RATIO_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
_HOURS = {"5m": Decimal(5) / 60, "30m": Decimal("0.5"), "1h": Decimal(1), "2h": Decimal(2), "6h": Decimal(6),
          "1d": Decimal(24), "3d": Decimal(72)}
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class BurnPair:
    """One row of table 5-8: a long and a short window that must both burn at `factor`."""

    severity: str  # critical pages a human now; warning opens a ticket
    long_window: str
    short_window: str
    budget_consumed: Decimal  # the share of the whole window's budget the long window burns
    hold: str  # production `for:`: how long both windows must stay above the threshold


BURN_PAIRS = (
    BurnPair("critical", "1h", "5m", Decimal("0.02"), "2m"),
    BurnPair("critical", "6h", "30m", Decimal("0.05"), "15m"),
    BurnPair("warning", "1d", "2h", Decimal("0.10"), "1h"),
    BurnPair("warning", "3d", "6h", Decimal("0.10"), "3h"),
)


def hours(window: str) -> Decimal:
    """The length of one of ERROR_RATIO_WINDOWS in hours."""
    return _HOURS[window]


def decimal_text(value: Decimal) -> str:
    """`14.4`, `6`, `0.00259`: no exponent, no trailing zeros, stable across runs."""
    return format(value.normalize(), "f")


def error_budget(target_percent: float | int) -> Decimal:
    """The allowed error ratio: 1 - target. str() keeps the number as written in the inventory."""
    return (Decimal(100) - Decimal(str(target_percent))) / Decimal(100)


@dataclass(frozen=True)
class BurnThreshold:
    """A pair's factor for one goal; `clamped` when the Workbook factor could never fire."""

    pair: BurnPair
    factor: Decimal
    budget: Decimal
    window_days: int
    clamped: bool

    @property
    def error_ratio(self) -> Decimal:
        return self.factor * self.budget

    @property
    def budget_share(self) -> Decimal:
        """The share of the whole window's budget that burns in the long window at `factor`."""
        return self.factor * _HOURS[self.pair.long_window] / (Decimal(self.window_days) * 24)

    def promql(self) -> str:
        """The threshold as PromQL arithmetic, so a reader sees the factor and the budget."""
        return f"({decimal_text(self.factor)} * {decimal_text(self.budget)})"


def burn_factor(pair: BurnPair, window_days: int) -> Decimal:
    """budget consumed x window / long window, rounded to 4 places (12.1667 for 3d of 365d)."""
    exact = pair.budget_consumed * Decimal(window_days) * 24 / _HOURS[pair.long_window]
    return exact.quantize(FOUR_PLACES)


def burn_thresholds(target_percent: float | int, window_days: int) -> list[BurnThreshold]:
    """Every pair's threshold for a goal, page pairs first."""
    budget = error_budget(target_percent)
    out = []
    for pair in BURN_PAIRS:
        factor = burn_factor(pair, window_days)
        clamped = factor * budget > 1
        if clamped:
            factor = (1 / budget).quantize(FOUR_PLACES)
            if factor * budget > 1:  # rounding up must not make a complete outage miss the threshold
                factor -= FOUR_PLACES
        out.append(BurnThreshold(pair, factor, budget, window_days, clamped))
    return out


def window_text(window_days: int) -> str:
    """A goal's window as a Prometheus duration: `30d`, `365d`."""
    return f"{window_days}d"
