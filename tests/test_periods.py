"""Metric periods: financial years, quarters and months, ordered by time."""

import datetime as dt

import pytest

from bcf_docgen.periods import latest, parse_period


@pytest.mark.parametrize(
    ("key", "kind", "start", "end", "label", "year"),
    [
        ("2025-26", "year", dt.date(2025, 4, 1), dt.date(2026, 4, 1), "2025-26", "2025-26"),
        (
            "2025-26 Q1",
            "quarter",
            dt.date(2025, 4, 1),
            dt.date(2025, 7, 1),
            "2025-26 Q1",
            "2025-26",
        ),
        (
            "2025-26 Q4",
            "quarter",
            dt.date(2026, 1, 1),
            dt.date(2026, 4, 1),
            "2025-26 Q4",
            "2025-26",
        ),
        ("2025-04", "month", dt.date(2025, 4, 1), dt.date(2025, 5, 1), "Apr 2025", "2025-26"),
        ("2026-03", "month", dt.date(2026, 3, 1), dt.date(2026, 4, 1), "Mar 2026", "2025-26"),
        ("2025-12", "month", dt.date(2025, 12, 1), dt.date(2026, 1, 1), "Dec 2025", "2025-26"),
    ],
)
def test_parse_period(key, kind, start, end, label, year):
    period = parse_period(key)
    assert period is not None
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert period.financial_year == year


@pytest.mark.parametrize("key", ["2025", "2025-13", "2025-27", "2025-26 Q5", "April", ""])
def test_not_periods(key):
    assert parse_period(key) is None


def test_latest_orders_by_time_not_text():
    assert latest(["2025-26 Q1", "2025-09", "2025-04"]) == "2025-09"
    assert latest(["2025-04", "2025-26 Q1", "2025-06"]) == "2025-06"  # same end: the month
    assert latest(["nonsense"]) is None
