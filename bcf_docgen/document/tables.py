"""The plan's data tables, computed from the data (never typed): `::: table NAME ARGS`.

Each builder returns a Table with a documented id (so `@tbl:income` works) and totals
computed here. Money is formatted by `formatting.money` with the theme's units.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from .. import formatting
from ..content.plan import Plan
from ..content.validation import did_you_mean
from ..derived import FundingFigures, Total, funding_figures, metrics_info, risks_info
from ..unknown import Figure, Unknown, is_unknown, known_part
from .model import RAG_WORDS, Cell, Column, Link, Row, Table, Text

Builder = Callable[["TableMaker", list[str]], Table]


class TableError(Exception):
    """A computed table asked for with arguments that do not fit (message and hint)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


BUILDERS: dict[str, Builder] = {}


def builder(name: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        BUILDERS[name] = fn
        return fn

    return register


def _cell(text: object, align: str = "left", rag: str | None = None) -> Cell:
    return Cell([Text(str(text))], rag=rag, align=align)  # type: ignore[arg-type]


def _header(columns: list[Column]) -> Row:
    return Row([_cell(c.header, "right" if c.numeric else "left") for c in columns])


class TableMaker:
    """Builds tables for one plan; caches the computed figures they share."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.figures: FundingFigures = funding_figures(plan)
        self.years = plan.years

    def money(self, value: Figure) -> str:
        """An amount in the theme's units; one not yet known in the theme's words, a total
        with unknown parts "at least £..." (never £0)."""
        return formatting.money(value, self.plan.theme.money_units, self.unknown)

    @property
    def unknown(self) -> str:
        """The theme's words for a figure not yet known ("to be confirmed")."""
        return self.plan.theme.unknown

    def money_header(self, label: str) -> str:
        # Cells carry their own units ("£1,234,567" or "£1,235k"), so headers need none.
        return label

    def year_columns(self) -> list[Column]:
        return [Column(self.money_header(y), numeric=True) for y in self.years]

    def money_cells(self, amounts: dict[str, Total] | dict[str, int | Unknown]) -> list[Cell]:
        return [_cell(self.money(amounts.get(y, 0)), "right") for y in self.years]

    def table(
        self, table_id: str, caption: str, columns: list[Column], rows: list[Row], **kw: object
    ) -> Table:
        return Table(
            columns=columns,
            rows=[_header(columns), *rows],
            id=table_id,
            caption=[Text(caption)],
            **kw,  # type: ignore[arg-type]
        )

    def grouped(
        self,
        table_id: str,
        caption: str,
        label: str,
        data: dict[str, dict[str, Total]],
        names: dict[str, str] | None = None,
    ) -> Table:
        columns = [Column(label, width=3), *self.year_columns()]
        rows = [
            Row([_cell((names or {}).get(key, key)), *self.money_cells(amounts)])
            for key, amounts in sorted(
                data.items(), key=lambda kv: (-sum(known_part(v) for v in kv[1].values()), kv[0])
            )
        ]
        total: dict[str, Total] = {y: sum(a.get(y, 0) for a in data.values()) for y in self.years}
        rows.append(Row([_cell("Total"), *self.money_cells(total)], kind="total"))
        return self.table(table_id, caption, columns, rows)

    def build(self, name: str, args: list[str]) -> Table | None:
        fn = BUILDERS.get(name)
        return fn(self, args) if fn else None


@builder("income")
def _income(t: TableMaker, args: list[str]) -> Table:
    columns = [
        Column("Source of funding", width=3),
        Column("Contributor", width=2.5),
        *t.year_columns(),
    ]
    rows = [
        Row(
            [
                _cell(s.name),
                _cell(t.plan.partner_name(s.contributor)),
                *t.money_cells(t.figures.by_source[s.id]),
            ]
        )
        for s in t.plan.funding.sources
    ]
    rows.append(
        Row([_cell("Total pooled fund"), _cell(""), *t.money_cells(t.figures.pool)], kind="total")
    )
    return t.table("income", "Income to the pooled fund by source", columns, rows)


@builder("spend-by-scheme")
def _spend_by_scheme(t: TableMaker, args: list[str]) -> Table:
    columns = [Column("Scheme"), Column("Name", width=4), *t.year_columns()]
    rows = [
        Row([_cell(s.id), _cell(s.name), *t.money_cells(t.figures.by_scheme[s.id])])
        for s in t.plan.schemes
    ]
    rows.append(Row([_cell("Total"), _cell(""), *t.money_cells(t.figures.spend)], kind="total"))
    return t.table("spend-by-scheme", "Planned spend by scheme", columns, rows)


@builder("spend-by-type")
def _spend_by_type(t: TableMaker, args: list[str]) -> Table:
    return t.grouped(
        "spend-by-type", "Planned spend by scheme type", "Scheme type", t.figures.by_scheme_type
    )


@builder("spend-by-area")
def _spend_by_area(t: TableMaker, args: list[str]) -> Table:
    return t.grouped(
        "spend-by-area", "Planned spend by area of spend", "Area of spend", t.figures.by_area
    )


@builder("spend-by-commissioner")
def _spend_by_commissioner(t: TableMaker, args: list[str]) -> Table:
    names = {p.id: p.name for p in t.plan.meta.partners}
    return t.grouped(
        "spend-by-commissioner",
        "Planned spend by commissioner",
        "Commissioner",
        t.figures.by_commissioner,
        names,
    )


@builder("dfg")
def _dfg(t: TableMaker, args: list[str]) -> Table:
    columns = [Column("Passed to", width=4), *t.year_columns()]
    rows: list[Row] = []
    total: dict[str, Total] = dict.fromkeys(t.years, 0)
    for source in t.plan.funding.sources:
        if source.kind != "dfg":
            continue
        for passport in source.passported:
            rows.append(
                Row([_cell(t.plan.partner_name(passport.to)), *t.money_cells(passport.amounts)])
            )
            for year in t.years:
                total[year] += passport.amounts.get(year, 0)
        retained: dict[str, Total] = {
            y: source.amounts.get(y, 0) - t.figures.passported[source.id].get(y, 0) for y in t.years
        }
        if source.passported and any(retained.values()):
            rows.append(
                Row(
                    [
                        _cell(f"Retained by {t.plan.partner_name(source.contributor)}"),
                        *t.money_cells(retained),
                    ]
                )
            )
            for year in t.years:
                total[year] += retained[year]
    rows.append(
        Row([_cell("Total Disabled Facilities Grant"), *t.money_cells(total)], kind="total")
    )
    return t.table("dfg", "Disabled Facilities Grant passed to district councils", columns, rows)


@builder("ring-fences")
def _ring_fences(t: TableMaker, args: list[str]) -> Table:
    from ..derived import rule_planned

    columns = [
        Column("Requirement", width=4),
        Column("Year"),
        Column(t.money_header("Required"), numeric=True),
        Column(t.money_header("Planned"), numeric=True),
        Column("Met"),
    ]
    rows = []
    for fence in t.plan.funding.ring_fences:
        rule = t.plan.framework.rule(fence.rule)
        planned = rule_planned(t.plan, rule, fence.year) if rule else 0
        met = _at_least(planned, fence.amount)
        rows.append(
            Row(
                [
                    _cell(rule.title if rule else fence.rule),
                    _cell(fence.year),
                    _cell(t.money(fence.amount), "right"),
                    _cell(t.money(planned), "right"),
                    _cell(
                        t.unknown if met is None else "Met" if met else "Not met",
                        rag=None if met is None else "green" if met else "red",
                    ),
                ]
            )
        )
    return t.table(
        "ring-fences", "Minimum contributions and ring-fences: required and planned", columns, rows
    )


def _at_least(planned: Figure, required: Figure) -> bool | None:
    """Whether `planned` reaches `required`; None while that waits on a figure not yet
    known (met for sure once the known part of the planned spend reaches it)."""
    if is_unknown(required):
        return None
    if is_unknown(planned):
        return True if known_part(planned) >= required else None
    return planned >= required


@builder("schemes")
def _schemes(t: TableMaker, args: list[str]) -> Table:
    columns = [
        Column("ID"),
        Column("Scheme", width=3.5),
        Column("Theme", width=2.5),
        Column("Lead", width=2.5),
        Column("Status"),
        *t.year_columns(),
    ]
    rows = [
        Row(
            [
                _cell(s.id),
                _cell(s.name),
                _cell(s.theme or ""),
                _cell(t.plan.partner_name(s.lead)),
                _cell((s.status or "").capitalize()),
                *t.money_cells(t.figures.by_scheme[s.id]),
            ]
        )
        for s in t.plan.schemes
    ]
    rows.append(
        Row(
            [
                _cell("Total"),
                _cell(""),
                _cell(""),
                _cell(""),
                _cell(""),
                *t.money_cells(t.figures.spend),
            ],
            kind="total",
        )
    )
    return t.table("schemes", "Schemes and their planned spend", columns, rows, wide=True)


@builder("expenditure")
def _expenditure(t: TableMaker, args: list[str]) -> Table:
    scheme = t.plan.scheme(args[0]) if args else None
    if scheme is None:
        known = [s.id for s in t.plan.schemes]
        raise TableError(
            f"'expenditure' needs the id of a scheme, got '{' '.join(args)}'",
            did_you_mean(args[0], known) if args else "write e.g. '::: table expenditure S3'",
        )
    columns = [
        Column("Line", width=3),
        Column("Scheme type", width=3),
        Column("Area of spend", width=2),
        Column("Commissioner", width=2.5),
        Column("Provider", width=2),
        Column("Source", width=2.5),
        *t.year_columns(),
    ]
    sources = {s.id: s.name for s in t.plan.funding.sources}
    rows = [
        Row(
            [
                _cell(line.line),
                _cell(line.type),
                _cell(line.area),
                _cell(t.plan.partner_name(line.commissioner)),
                _cell(line.provider or ""),
                _cell(sources.get(line.source, line.source)),
                *t.money_cells(line.amounts),
            ]
        )
        for line in scheme.expenditure
    ]
    rows.append(
        Row(
            [
                _cell("Total"),
                *[_cell("") for _ in range(5)],
                *t.money_cells(t.figures.by_scheme[scheme.id]),
            ],
            kind="total",
        )
    )
    return t.table(
        f"expenditure-{scheme.id}",
        f"Expenditure of scheme {scheme.id}: {scheme.name}",
        columns,
        rows,
        wide=True,
    )


@builder("metrics")
def _metrics(t: TableMaker, args: list[str]) -> Table:
    from ..derived import metric_rag, metric_unknown

    columns = [
        Column("Metric", width=4),
        Column("Unit", width=2.5),
        Column("Baseline", numeric=True),
        *[Column(f"Target {y}", numeric=True) for y in t.years],
        Column("Latest actual", numeric=True, width=1.5),
        Column("RAG"),
        Column("Better if", width=1),
    ]
    rows = []
    for info in metrics_info(t.plan):

        def fmt(value: float | Unknown | None, info=info) -> str:
            if value is None:
                return ""
            text = formatting.number(value, info.decimals, t.unknown)
            return f"{text}%" if info.unit == "%" and not is_unknown(value) else text

        baseline = info.baseline
        latest = info.latest
        rag = metric_rag(info)
        rows.append(
            Row(
                [
                    _cell(info.name),
                    _cell("" if info.unit == "%" else info.unit),
                    _cell(
                        f"{fmt(baseline.value)} ({baseline.period})" if baseline else "", "right"
                    ),
                    *[_cell(fmt(info.targets.get(y)), "right") for y in t.years],
                    _cell(f"{fmt(latest[1])} ({latest[0]})" if latest else "", "right"),
                    _cell(_rag_words(rag, metric_unknown(info), t.unknown), rag=rag),
                    _cell("Lower" if info.direction == "lower" else "Higher"),
                ],
                anchor=f"metric-{info.id}",
            )
        )
    return t.table(
        "metrics",
        "National and local metrics: baseline, targets and latest position",
        columns,
        rows,
        wide=True,
    )


def _rag_words(rag: str | None, unknown: bool, words: str) -> str:
    """A RAG cell's words: no rating while a figure it needs is not yet known (`tbc`)."""
    if rag:
        return RAG_WORDS[rag]
    return words[:1].upper() + words[1:] if unknown else "Not yet known"


@builder("risks")
def _risks(t: TableMaker, args: list[str]) -> Table:
    columns = [
        Column("ID", width=0.6),
        Column("Risk", width=4),
        Column("Owner", width=2),
        Column("L", numeric=True, width=0.5),
        Column("I", numeric=True, width=0.5),
        Column("Score", numeric=True, width=0.8),
        Column("RAG", width=0.9),
        Column("Mitigations", width=5),
        Column("Residual", width=1.2),
    ]
    rows = []
    for risk in risks_info(t.plan):
        mitigations = "; ".join(risk.data.mitigations)
        residual = (
            f"{risk.residual_score}/{risk.out_of} {RAG_WORDS[risk.residual_rating]}"
            if risk.residual_score is not None and risk.residual_rating
            else ""
        )
        status = " (closed)" if risk.data.status == "closed" else ""
        rows.append(
            Row(
                [
                    _cell(risk.data.id),
                    _cell(risk.data.risk + status),
                    _cell(t.plan.partner_name(risk.data.owner)),
                    _cell(risk.data.likelihood, "right"),
                    _cell(risk.data.impact, "right"),
                    _cell(f"{risk.score}/{risk.out_of}", "right"),
                    _cell(RAG_WORDS[risk.rating], rag=risk.rating),
                    _cell(mitigations),
                    _cell(residual),
                ],
                anchor=f"risk-{risk.data.id}",
            )
        )
    return t.table(
        "risks",
        "Risk register, highest score first (L likelihood, I impact)",
        columns,
        rows,
        wide=True,
    )


@builder("history")
def _history(t: TableMaker, args: list[str]) -> Table:
    columns = [
        Column("Version", width=0.8),
        Column("Date", width=1.2),
        Column("Author", width=1.5),
        Column("Summary of changes", width=5),
    ]
    rows = [
        Row(
            [
                _cell(h.version),
                _cell(formatting.date(h.date, t.plan.theme.date_style)),
                _cell(h.author),
                _cell(h.summary),
            ]
        )
        for h in t.plan.meta.history
    ]
    return t.table("history", "Version history", columns, rows)


@builder("raci")
def _raci(t: TableMaker, args: list[str]) -> Table:
    roles = t.plan.meta.roles
    columns = [Column("Role", width=1.2), Column("Who", width=5)]
    rows = [
        Row([_cell(label), _cell("; ".join(names))])
        for label, names in (
            ("Accountable", roles.accountable),
            ("Responsible", roles.responsible),
            ("Consulted", roles.consulted),
            ("Informed", roles.informed),
        )
    ]
    return t.table("raci", "Responsibilities for this plan", columns, rows, key_value=True)


@builder("conditions")
def _conditions(t: TableMaker, args: list[str]) -> Table:
    words = {"met": "Met", "partly-met": "Partly met", "not-met": "Not met"}
    rags = {"met": "green", "partly-met": "amber", "not-met": "red"}
    responses = {c.id: c for c in t.plan.conditions.conditions}
    columns = [Column("Condition", width=0.8), Column("Requirement", width=5), Column("Status")]
    rows = []
    for condition in t.plan.framework.conditions:
        response = responses.get(condition.id)
        status = response.status if response else None
        rows.append(
            Row(
                [
                    _cell(condition.id),
                    _cell(condition.title),
                    _cell(
                        words[status] if status else "No response yet", rag=rags.get(status or "")
                    ),
                ]
            )
        )
    return t.table("conditions", "National conditions and the plan's position", columns, rows)


@builder("performance")
def _performance(t: TableMaker, args: list[str]) -> Table:
    """`::: table performance [monthly|quarterly] [YEAR]`: plan against actual by period."""
    from ..performance import KIND_WORDS, performance

    words = {word: kind for kind, word in KIND_WORDS.items()}
    kind, year = "month", None
    for arg in args:
        if arg in words or arg in KIND_WORDS:
            kind = words.get(arg, arg)
        elif re.fullmatch(r"\d{4}-\d{2}", arg):
            year = arg
        else:
            raise TableError(
                f"'performance' takes 'monthly' or 'quarterly' and a year, got '{arg}'",
                "write e.g. '::: table performance' or '::: table performance quarterly 2025-26'",
            )
    found = performance(t.plan, kind, year)
    periods = found.periods
    columns = [
        Column("Metric", width=3.2),
        Column("Measure", width=1.1),
        *[Column(p.label, numeric=True) for p in periods],
        Column("Year to date", numeric=True, width=1.2),
        Column("Difference", numeric=True, width=1.2),
        Column("% difference", numeric=True, width=1.2),
        Column("% change on last year", numeric=True, width=1.3),
        Column("RAG", width=1),
    ]
    rows: list[Row] = []
    for m in found.metrics:
        by_period = {p.period: p for p in m.periods}
        unit = "" if m.info.unit == "%" else f" ({m.info.unit})"
        average = "; year to date is the average" if m.average else ""
        plan_cells = [_cell(m.value(by_period[p].plan), "right") for p in periods]
        actual_cells = [_cell(m.value(by_period[p].actual), "right") for p in periods]
        rag = m.rag
        rows.append(
            Row(
                [
                    _cell(f"{m.info.name}{unit}{average}"),
                    _cell("Plan"),
                    *plan_cells,
                    _cell(m.ytd(m.ytd_plan), "right"),
                    *[_cell("") for _ in range(4)],
                ]
            )
        )
        rows.append(
            Row(
                [
                    _cell(""),
                    _cell("Actual"),
                    *actual_cells,
                    _cell(m.ytd(m.ytd_actual), "right"),
                    _cell(m.signed(m.difference), "right"),
                    _cell(m.percent(m.pct_difference), "right"),
                    _cell(m.percent(m.pct_last_year), "right"),
                    _cell(_rag_words(rag, bool(m.unknown), t.unknown), rag=rag),
                ]
            )
        )
    what = "month by month" if kind == "month" else "quarter by quarter"
    return t.table(
        found.table_id,
        f"Performance against plan {what}, {found.span}",
        columns,
        rows,
        wide=True,
    )


# ------------------------------------------------------------ the board pack's report


def _board_report(t: TableMaker, name: str):
    report = t.plan.board_report
    if report is None:
        raise TableError(
            f"'{name}' needs board-report.yaml, which this plan does not have",
            "add board-report.yaml (see docs/board-pack.md)",
        )
    return report


def _layout(rows: list[tuple[str, str]]) -> Table:
    """A label/value table without caption or number (the report's form fields). Its
    header row names the two columns, so a screen reader can say what each cell is."""
    columns = [Column("Item", width=1.6), Column("Detail", width=5)]
    return Table(
        columns=columns,
        rows=[_header(columns), *(Row([_cell(label), _cell(value)]) for label, value in rows)],
        header=True,
        key_value=True,
    )


@builder("report-details")
def _report_details(t: TableMaker, args: list[str]) -> Table:
    report = _board_report(t, "report-details")
    return _layout(
        [
            ("Decision-maker", report.decision_maker),
            ("Subject", report.subject),
            ("Date of decision", formatting.date(report.meeting_date, t.plan.theme.date_style)),
            ("Report of", report.report_of),
        ]
    )


@builder("report-contacts")
def _report_contacts(t: TableMaker, args: list[str]) -> Table:
    report = _board_report(t, "report-contacts")
    columns = [
        Column("Role", width=1),
        Column("Name and job title", width=3.6),
        Column("Telephone", width=1.7),
        Column("Email", width=3.4),
    ]
    rows = [
        Row(
            [
                _cell(c.role),
                _cell(f"{c.name}, {c.title}" if c.title else c.name),
                _cell((c.phone or "").replace(" ", "\u00a0")),  # a number is not broken
                _email_cell(c.email or ""),
            ]
        )
        for c in report.contacts
    ]
    return Table(columns=columns, rows=[_header(columns), *rows])


EMAIL = re.compile(r"[^@\s<>\"'()\[\]\\:;,]+@[^@\s<>\"'()\[\]\\:;,]+\.[A-Za-z]{2,}")


def _email_cell(email: str) -> Cell:
    """An address that looks like one is a mailto link, so that a reader (and a screen
    reader) can follow it; anything else is shown as it was written."""
    if not EMAIL.fullmatch(email):
        return _cell(email)
    return Cell([Link(f"mailto:{quote(email, safe='@.+-_')}", [Text(email)])])


@builder("report-decision")
def _report_decision(t: TableMaker, args: list[str]) -> Table:
    report = _board_report(t, "report-decision")
    return _layout(
        [
            ("Key decision", "Yes" if report.key_decision else "No"),
            ("Wards or communities affected", report.wards or "None named"),
        ]
    )


@builder("report-assessments")
def _report_assessments(t: TableMaker, args: list[str]) -> Table:
    report = _board_report(t, "report-assessments")
    rows = []
    for what, found in (
        ("Equality impact assessment", report.equality_impact_assessment),
        ("Privacy impact assessment", report.privacy_impact_assessment),
    ):
        if found is None:
            answer = "Not stated"
        else:
            answer = "Required" if found.required else "Not required"
            if found.note:
                answer += f". {found.note}"
        rows.append((what, answer))
    return _layout(rows)


@builder("scheme-spend")
def _scheme_spend(t: TableMaker, args: list[str]) -> Table:
    """A scheme's spend, narrow enough for a portrait page: line, type, source, years."""
    scheme = t.plan.scheme(args[0]) if args else None
    if scheme is None:
        known = [s.id for s in t.plan.schemes]
        raise TableError(
            f"'scheme-spend' needs the id of a scheme, got '{' '.join(args)}'",
            did_you_mean(args[0], known) if args else "write e.g. '::: table scheme-spend S3'",
        )
    sources = {s.id: s.name for s in t.plan.funding.sources}
    columns = [
        Column("Line", width=3),
        Column("Scheme type", width=2.6),
        Column("Source", width=2.2),
        *t.year_columns(),
    ]
    rows = [
        Row(
            [
                _cell(line.line),
                _cell(line.type),
                _cell(sources.get(line.source, line.source)),
                *t.money_cells(line.amounts),
            ]
        )
        for line in scheme.expenditure
    ]
    rows.append(
        Row(
            [_cell("Total"), _cell(""), _cell(""), *t.money_cells(t.figures.by_scheme[scheme.id])],
            kind="total",
        )
    )
    return t.table(
        f"scheme-spend-{scheme.id}", f"Planned spend of scheme {scheme.id}", columns, rows
    )
