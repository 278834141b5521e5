"""Calendar periods as planners write them: `90d`, `6w`, `6m`, `1y`, for `report eol --within`.

Why calendar months and years rather than 30 or 365 days: "within 6m" of 31 August means
up to the last day of February, the day a support contract counts to, whatever the
month lengths in between. A day past a short month's end is clamped to that end.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
_PERIOD = re.compile(r"^([1-9][0-9]{0,3})([dwmy])$")


class PeriodError(ValueError):
    """Not a period: the message says what one looks like."""


def parse_period(text: str) -> tuple[int, str]:
    """(count, unit letter) of `text`, e.g. "6m" -> (6, "m"); PeriodError otherwise."""
    match = _PERIOD.match(text.strip().lower())
    if not match:
        raise PeriodError(f"{text!r} is not a period: a whole number of 1-9999 followed by d (days), w (weeks), "
                          "m (months) or y (years), e.g. 90d, 6m, 1y")
    return int(match.group(1)), match.group(2)


def add_period(day: date, text: str) -> date:
    """`day` moved forward by the period `text` (calendar months and years, end-of-month clamped)."""
    count, unit = parse_period(text)
    try:
        if unit == "d":
            return day + timedelta(days=count)
        if unit == "w":
            return day + timedelta(weeks=count)
        months = count * (12 if unit == "y" else 1)
        year, month0 = divmod(day.month - 1 + months, 12)
        year += day.year
        last = calendar.monthrange(year, month0 + 1)[1]
        return date(year, month0 + 1, min(day.day, last))
    except (OverflowError, ValueError):
        raise PeriodError(f"{text!r} from {day.isoformat()} is past the last date this calendar holds") from None
