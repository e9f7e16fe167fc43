"""Performance against plan, period by period: the figures behind the performance table,
the charts and their alt text, computed once from metrics.yaml (never typed).

For each metric with monthly (or quarterly) targets and actuals in a financial year:

- the plan and the actual for each period of the year up to the latest actual;
- year to date: the **total** of those periods for counts and rates per head of
  population (which add up over a year), or their **average** for metrics that are an
  average or a share in every period (percentages, average days, ...); see `is_average`;
- the difference and % difference of the year-to-date actual against plan, the % change
  against the same periods of last year (`last_year`), and a RAG rating from the
  metric's direction, with the same 5% amber tolerance as the metrics table.

Year to date covers the periods that have both a plan and an actual, so the two are
always compared like for like. A plan or an actual written `tbc` (not yet known) makes
the year to date, the differences and the RAG to be confirmed: no rating, never red.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import formatting
from .content.plan import Plan
from .derived import MetricInfo, metrics_info, rag
from .periods import Period, parse_period
from .unknown import TO_BE_CONFIRMED, Partial, Unknown, is_unknown, parts_of

Value = float | Unknown  # a figure as written: a number, or `tbc`

KINDS = ("month", "quarter")
KIND_WORDS = {"month": "monthly", "quarter": "quarterly"}

# Units that are an average or a share in every period: their periods do not add up.
_AVERAGE_UNIT = re.compile(
    r"%|\bper ?cent\b|\bpercent(age)?\b|\bproportion\b|\bratio\b|\bscore\b|\baverage\b|"
    r"\bmean\b|\bmedian\b|^\s*(days?|hours?|weeks?|minutes?)\s*$",
    re.IGNORECASE,
)
_AVERAGE_NAME = re.compile(r"^\s*(average|mean|median|proportion|percentage|share)\b", re.I)


def is_average(info: MetricInfo) -> bool:
    """True when a metric's year to date is the average of its periods, not their total.

    Percentages, proportions, ratios and scores, and averages of a length of time (a unit
    of just "days", "hours" or "weeks", or a name starting "Average") are averaged. Counts
    and rates per head of population ("admissions", "per 100,000 population aged 65+",
    "delayed days per 100,000") add up over the year and are totalled.
    """
    return bool(_AVERAGE_UNIT.search(info.unit or "") or _AVERAGE_NAME.search(info.name or ""))


def previous_year_key(period: Period) -> str:
    """The same period a year earlier: 2025-04 -> 2024-04; 2025-26 Q1 -> 2024-25 Q1."""
    if period.kind == "month":
        return f"{period.start.year - 1}-{period.start.month:02d}"
    first = int(period.financial_year[:4]) - 1
    return f"{first}-{(first + 1) % 100:02d} Q{period.key[-1]}"


def year_periods(year: str, kind: str) -> list[Period]:
    """Every month (or quarter) of a financial year, in order."""
    first = int(year[:4])
    if kind == "month":
        keys = [f"{first + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]
    else:
        keys = [f"{year} Q{q}" for q in range(1, 5)]
    return [p for p in (parse_period(k) for k in keys) if p is not None]


def _of_kind(values: dict[str, Value], kind: str) -> dict[Period, Value]:
    found: dict[Period, Value] = {}
    for key, value in values.items():
        period = parse_period(key)
        if period is not None and period.kind == kind:
            found[period] = value
    return found


@dataclass
class PeriodFigures:
    period: Period
    plan: Value | None
    actual: Value | None
    last_year: Value | None


@dataclass
class MetricPerformance:
    """One metric's performance in one financial year, by month or quarter."""

    info: MetricInfo
    kind: str  # month | quarter
    year: str  # the financial year, e.g. 2025-26
    periods: list[PeriodFigures]  # every period of the year, in order
    average: bool  # year to date is the average of the periods, not their total
    unknown_words: str = TO_BE_CONFIRMED  # the theme's words for a figure not yet known

    @property
    def to_date(self) -> list[PeriodFigures]:
        """Periods from the start of the year to the latest actual."""
        last = max((i for i, p in enumerate(self.periods) if p.actual is not None), default=-1)
        return self.periods[: last + 1]

    @property
    def compared(self) -> list[PeriodFigures]:
        """Periods to date with both a plan and an actual: what year to date covers."""
        return [p for p in self.to_date if p.plan is not None and p.actual is not None]

    @property
    def unknown(self) -> tuple[Unknown, ...]:
        """The figures not yet known (`tbc`) that year to date compares: while there are
        any, the differences and the RAG are to be confirmed."""
        return tuple(u for p in self.compared for u in (*parts_of(p.plan), *parts_of(p.actual)))

    def _actual_and_plan(self) -> list[tuple[float, float]]:
        """The compared periods' known figures, for comparisons that need both."""
        return [
            (p.actual, p.plan)
            for p in self.to_date
            if isinstance(p.plan, int | float) and isinstance(p.actual, int | float)
        ]

    def _ytd(self, values: list[Value]) -> float | Partial | None:
        if not values:
            return None
        total: float | Partial = 0
        for value in values:
            total = total + value
        return total / len(values) if self.average else total

    def _to_confirm(self, *values: object) -> Partial | None:
        """A figure worked out from `values` when any is not yet known (else None)."""
        found = [u for v in values for u in parts_of(v)]
        return Partial(0, found, bounded=False) if found else None

    @property
    def ytd_plan(self) -> float | Partial | None:
        return self._ytd([p.plan for p in self.compared if p.plan is not None])

    @property
    def ytd_actual(self) -> float | Partial | None:
        return self._ytd([p.actual for p in self.compared if p.actual is not None])

    @property
    def ytd_last_year(self) -> float | Partial | None:
        """Last year's figure for the same periods, when every one of them is given."""
        compared = self.compared
        values = [p.last_year for p in compared if p.last_year is not None]
        return self._ytd(values) if compared and len(values) == len(compared) else None

    @property
    def difference(self) -> float | Partial | None:
        plan, actual = self.ytd_plan, self.ytd_actual
        if plan is None or actual is None:
            return None
        if isinstance(plan, Partial) or isinstance(actual, Partial):
            return self._to_confirm(plan, actual)
        return actual - plan

    @property
    def pct_difference(self) -> float | Partial | None:
        difference, plan = self.difference, self.ytd_plan
        if difference is None or not plan:
            return None
        if isinstance(difference, Partial) or isinstance(plan, Partial):
            return self._to_confirm(difference, plan)
        return difference / abs(plan) * 100

    @property
    def pct_last_year(self) -> float | Partial | None:
        last, actual = self.ytd_last_year, self.ytd_actual
        if last is None or actual is None or not last:
            return None
        if isinstance(last, Partial) or isinstance(actual, Partial):
            return self._to_confirm(last, actual)
        return (actual - last) / abs(last) * 100

    @property
    def rag(self) -> str | None:
        """No rating while a figure it needs is not yet known: shown as to be confirmed."""
        plan, actual = self.ytd_plan, self.ytd_actual
        if plan is None or actual is None or is_unknown(plan) or is_unknown(actual):
            return None
        return rag(self.info.direction, actual, plan)  # type: ignore[arg-type]

    @property
    def above(self) -> int:
        """Periods to date where the actual was above plan."""
        return sum(1 for actual, plan in self._actual_and_plan() if actual > plan)

    @property
    def below(self) -> int:
        return sum(1 for actual, plan in self._actual_and_plan() if actual < plan)

    @property
    def comparable(self) -> bool:
        """There is something to compare: a plan and an actual for at least one period."""
        return bool(self.compared)

    # -- how the figures are written (the table, the alt text and templates share these)

    @property
    def decimals(self) -> int:
        return self.info.decimals

    @property
    def ytd_decimals(self) -> int:
        """Averages get one more decimal place, so a difference between them shows."""
        return self.info.decimals + 1 if self.average else self.info.decimals

    def value(self, number: float | Unknown | Partial | None, decimals: int | None = None) -> str:
        if number is None:
            return ""
        if is_unknown(number):
            return self.unknown_words
        text = formatting.number(number, self.decimals if decimals is None else decimals)
        return f"{text}%" if self.info.unit == "%" else text

    def ytd(self, number: float | Partial | None) -> str:
        return self.value(number, self.ytd_decimals)

    def signed(self, number: float | Partial | None) -> str:
        """A difference with its sign: +59, -0.07, 0."""
        if number is None:
            return ""
        if isinstance(number, Partial):
            return self.unknown_words
        text = formatting.number(number, self.ytd_decimals)
        if text.lstrip("-").strip("0.,") == "":
            return text.lstrip("-")
        return text if text.startswith("-") else f"+{text}"

    def percent(self, number: float | Partial | None) -> str:
        """A % change with its sign, one decimal place: +0.5%, -14.2%."""
        if number is None:
            return ""
        if isinstance(number, Partial):
            return self.unknown_words
        text = formatting.number(number, 1)
        if text.lstrip("-") == "0.0":
            return "0.0%"
        return f"{text}%" if text.startswith("-") else f"+{text}%"


@dataclass
class Performance:
    """The performance table of one kind of period (monthly or quarterly) for one year."""

    kind: str
    year: str
    metrics: list[MetricPerformance]
    left_out: list[MetricInfo] = field(default_factory=list)  # no plan or no actual to compare

    @property
    def periods(self) -> list[Period]:
        """The table's columns: the year's periods up to the latest actual of any metric."""
        count = max((len(m.to_date) for m in self.metrics), default=0)
        return year_periods(self.year, self.kind)[:count]

    @property
    def span(self) -> str:
        """'April to September 2025' (or '2025-26 Q1 to Q2')."""
        periods = self.periods
        if not periods:
            return self.year
        first, last = periods[0], periods[-1]
        if self.kind == "month":
            start = first.start.strftime("%B")
            if first.start.year != last.start.year:
                start += f" {first.start.year}"
            if first == last:
                return last.start.strftime("%B %Y")
            return f"{start} to {last.start.strftime('%B %Y')}"
        if first == last:
            return first.key
        return f"{first.key} to Q{last.key[-1]}"

    @property
    def summary(self) -> str:
        """'Year to date, two of the three metrics are on plan or better and one is within 5%
        of plan.' (the table's RAG ratings in words)."""
        total = len(self.metrics)
        groups = [
            (sum(1 for m in self.metrics if m.rag == rag), words)
            for rag, words in (
                ("green", "on plan or better"),
                ("amber", "within 5% of plan"),
                ("red", "more than 5% worse than plan"),
                (None, "not yet rated"),
            )
        ]
        groups = [(n, words) for n, words in groups if n]
        noun = "metric" if total == 1 else "metrics"
        if not groups:
            return "There are no metrics to compare yet."
        if len(groups) == 1:
            every = (
                "the one metric is" if total == 1 else f"all {formatting.words(total)} {noun} are"
            )
            return f"Year to date, {every} {groups[0][1]}."
        phrases = []
        for index, (n, words) in enumerate(groups):
            verb = "is" if n == 1 else "are"
            if index == 0:
                phrases.append(
                    f"{formatting.words(n)} of the {formatting.words(total)} {noun} {verb} {words}"
                )
            else:
                phrases.append(f"{formatting.words(n)} {verb} {words}")
        return "Year to date, " + ", ".join(phrases[:-1]) + " and " + phrases[-1] + "."

    @property
    def table_id(self) -> str:
        return "performance" if self.kind == "month" else "performance-quarterly"


def metric_performance(info: MetricInfo, kind: str | None = None, year: str | None = None):
    """A metric's performance by month (or quarter), or None without periodic figures.

    The kind is months when the metric has monthly actuals (or, failing that, monthly
    targets), else quarters; the year is that of its latest periodic actual (or target).
    """
    for candidate in (kind,) if kind else KINDS:
        actuals = _of_kind(info.actuals, candidate)
        targets = _of_kind(info.targets, candidate)
        if not actuals and not targets:
            continue
        if year is None:
            source = actuals or targets
            chosen = max(source).financial_year
        else:
            chosen = year
        last_year = info.data.last_year
        periods = [
            PeriodFigures(
                period=p,
                plan=targets.get(p),
                actual=actuals.get(p),
                last_year=last_year.get(previous_year_key(p)),
            )
            for p in year_periods(chosen, candidate)
        ]
        if not any(p.plan is not None or p.actual is not None for p in periods):
            continue
        return MetricPerformance(
            info=info, kind=candidate, year=chosen, periods=periods, average=is_average(info)
        )
    return None


def performance(plan: Plan, kind: str = "month", year: str | None = None) -> Performance:
    """The performance table of `kind` periods: metrics with a plan and an actual to compare.

    The year defaults to the financial year of the latest actual of that kind among all
    metrics, so every row of the table covers the same months.
    """
    infos = metrics_info(plan)
    if year is None:
        latest = [
            max(found).financial_year for info in infos if (found := _of_kind(info.actuals, kind))
        ]
        year = max(latest) if latest else (plan.years[0] if plan.years else "")
    rows: list[MetricPerformance] = []
    left_out: list[MetricInfo] = []
    for info in infos:
        row = metric_performance(info, kind, year) if year else None
        if row is not None and row.comparable:
            row.unknown_words = plan.theme.unknown
            rows.append(row)
        elif _of_kind(info.actuals, kind) or _of_kind(info.targets, kind):
            left_out.append(info)
    return Performance(kind=kind, year=year or "", metrics=rows, left_out=left_out)


def performances(plan: Plan) -> list[Performance]:
    """The performance tables the plan's data supports: monthly, then quarterly."""
    return [p for p in (performance(plan, kind) for kind in KINDS) if p.metrics]


def charted_metrics(plan: Plan) -> list[MetricPerformance]:
    """Every metric with monthly or quarterly figures (plan or actual), for charts."""
    found = [metric_performance(info) for info in metrics_info(plan)]
    for m in found:
        if m is not None:
            m.unknown_words = plan.theme.unknown
    return [m for m in found if m is not None]
