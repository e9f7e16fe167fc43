"""Periods that metric figures are kept for: financial years, quarters and months.

Keys in metrics.yaml are text: `2025-26` (the financial year April 2025 to March 2026),
`2025-26 Q1` (its first quarter, April to June), `2025-04` (April 2025). This module
reads them, so that periods sort by time rather than as text and a month can be placed
in its quarter and year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

YEAR = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")
MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # first day after the period
    kind: str  # year | quarter | month
    key: str

    @property
    def label(self) -> str:
        """Short column label: 'Apr 2025', '2025-26 Q1', '2025-26'."""
        if self.kind == "month":
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        return self.key

    @property
    def financial_year(self) -> str:
        first = self.start.year if self.start.month >= 4 else self.start.year - 1
        return f"{first}-{(first + 1) % 100:02d}"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(key: str) -> Period | None:
    """The period a key names, or None if it is not a period key (`period_problem` says why)."""
    try:
        return _parse(str(key).strip())
    except ValueError:  # a year such as 0000 or 9999-12's successor: outside dates
        return None


def _parse(key: str) -> Period | None:
    match = QUARTER.match(key)
    if match and (int(match.group(1)) + 1) % 100 == int(match.group(2)):
        start = _add_months(dt.date(int(match.group(1)), 4, 1), 3 * (int(match.group(3)) - 1))
        return Period(start, _add_months(start, 3), "quarter", key)
    match = YEAR.match(key)
    if match:
        first, second = int(match.group(1)), int(match.group(2))
        if (first + 1) % 100 == second:
            start = dt.date(first, 4, 1)
            return Period(start, _add_months(start, 12), "year", key)
        if 1 <= second <= 12:
            start = dt.date(first, second, 1)
            return Period(start, _add_months(start, 1), "month", key)
    return None


SHAPE = re.compile(r"^(\d{4})-(\d{2})(?: Q(\d+))?$")
FORMS = "write a year as 2025-26, a quarter as 2025-26 Q1, a month as 2025-04"


def period_problem(key: str) -> str | None:
    """Why `key` names no period, in the author's words, or None if it names one.

    Without this a metric's `2025-13` or `2025-26 Q9` was silently left out of every
    table and chart: a mistyped period must be a finding.
    """
    if parse_period(key) is not None:
        return None
    text = str(key).strip()
    match = SHAPE.match(text)
    if match is None:
        return f"'{text}' is not a period ({FORMS})"
    first, second, quarter = int(match.group(1)), int(match.group(2)), match.group(3)
    follows = (first + 1) % 100 == second
    if quarter is not None and follows:
        return f"'{text}' has no quarter Q{quarter}: a year has quarters Q1 to Q4"
    if quarter is not None:
        return (
            f"'{text}' is not a financial year's quarter: the year after {first} is "
            f"{(first + 1) % 100:02d}"
        )
    if not follows and second > 12:
        return (
            f"'{text}' is neither a month (months are 01 to 12) nor a financial year "
            f"({first}-{(first + 1) % 100:02d} is the year from April {first})"
        )
    if second == 0:
        return f"'{text}' is not a month: months are 01 to 12"
    return f"'{text}' is not a period the calendar holds ({FORMS})"


def latest(keys) -> str | None:
    """The key of the most recent period (latest end; the shorter period on a tie)."""
    periods = [p for p in (parse_period(k) for k in keys) if p is not None]
    if not periods:
        return None
    return max(periods, key=lambda p: (p.end, -(p.end - p.start).days)).key
