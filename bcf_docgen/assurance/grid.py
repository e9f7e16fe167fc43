"""The summary's grids and the statements about them, computed once.

A grid is the one description of a table of the summary (its columns, and per plan a
value holding the words shown, the number a spreadsheet keeps and the RAG rating), so
the PDF, the HTML and the workbook show the same cells. The statements ("3 of 12 plans
meet every national condition: ...") are counted from the same rows, never typed, so a
summary cannot claim one plan is all green while two rows are.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from ..document.model import RAG_WORDS
from ..findings import Findings, Location
from ..frameworks import Framework
from .assessments import RECOMMENDATIONS, Judgement
from .plans import PlanFacts, previous_year

ColumnKind = Literal["text", "rag", "money", "count", "change"]
STATED = {"met": "Met", "partly-met": "Partly met", "not-met": "Not met"}
STATED_RAG = {"met": "green", "partly-met": "amber", "not-met": "red"}
VERDICTS = {
    "met": "Met",
    "not-met": "Not met",
    "not-stated": "Not stated",
    "to-be-confirmed": "To be confirmed",
    "not-applicable": "Not applicable",
    "unchecked": "Cannot be checked",
}
NOT_ASSESSED = "Not assessed"


@dataclass(frozen=True)
class Value:
    """One cell: the words shown, the number a spreadsheet holds (None: the words), and
    the RAG rating that colours it (never without the words)."""

    text: str
    number: float | int | None = None
    rag: str | None = None


BLANK = Value("")


@dataclass(frozen=True)
class GridColumn:
    header: str
    kind: ColumnKind = "text"
    width: float = 1.0


@dataclass
class Grid:
    key: str  # the sheet's name and the table's id
    heading: str  # the heading above the table (and its bookmark)
    title: str  # the table's caption
    columns: list[GridColumn]
    rows: list[list[Value]]
    wide: bool = True  # laid out on landscape pages


def _grid(
    key: str,
    heading: str,
    title: str,
    columns: list[GridColumn],
    rows: list[list[Value]],
    wide: bool = True,
) -> Grid:
    """A grid, without its last column when that is a Note no row needs (every cell
    costs the PDF's layout time, and an empty column costs width on the page)."""
    if columns and columns[-1].header == "Note" and not any(row[-1].text for row in rows):
        columns, rows = columns[:-1], [row[:-1] for row in rows]
    return Grid(key, heading, title, columns, rows, wide)


@dataclass
class Summary:
    framework: Framework
    region: str
    date: dt.date
    plans: list[PlanFacts]
    judgements: dict[str, Judgement]
    statements: list[str]
    grids: list[Grid]
    findings: Findings = field(default_factory=Findings)

    def grid(self, key: str) -> Grid:
        return next(g for g in self.grids if g.key == key)


def sort_key(plan: PlanFacts) -> tuple[int, str, str]:
    """By ONS code; plans without one (unreadable ones too) after them, by folder."""
    return (0, plan.code, plan.folder) if plan.code else (1, "", plan.folder)


def other_round(plan: PlanFacts, framework: Framework) -> str:
    """Why a readable plan cannot be summarised with this round ("" when it can)."""
    if plan.readable and plan.framework != framework.id:
        return f"A plan of {plan.framework}, not of {framework.id}: summarise it with its own round"
    return ""


def note(plan: PlanFacts, framework: Framework, judgement: Judgement | None) -> str:
    """What the last column says of a row: why it holds nothing, or nothing."""
    if not plan.readable:
        return f"Plan {plan.problem}"
    return other_round(plan, framework) or ("" if judgement else NOT_ASSESSED)


def summarise(
    framework: Framework,
    plans: list[PlanFacts],
    judgements: dict[str, Judgement],
    region: str = "",
    date: dt.date | None = None,
) -> Summary:
    """The summary of `plans` (in any order) with the assessors' `judgements` by code."""
    ordered = sorted(plans, key=sort_key)
    dates = [j.date for j in judgements.values() if j.date]
    summary = Summary(
        framework=framework,
        region=region,
        date=date or (max(dates) if dates else dt.date.today()),
        plans=ordered,
        judgements=judgements,
        statements=[],
        grids=[],
    )
    summary.findings.extend(_plan_findings(ordered))
    summary.grids = [
        _ratings(summary),
        _counts(summary),
        _outcomes(summary),
        _stated(summary),
        _funding(summary),
        _ambitions(summary),
        _rules(summary),
    ]
    summary.statements = statements(summary)
    return summary


def _plan_findings(plans: list[PlanFacts]) -> Findings:
    """Plans that no assessment can be matched to: no ONS code, or one code twice."""
    findings = Findings()
    seen: dict[str, PlanFacts] = {}
    for plan in plans:
        where = Location(f"{plan.folder}/plan.yaml")
        if not plan.readable:
            continue
        if not plan.code:
            findings.warning(
                "summary.no-code",
                f"the plan for {plan.area} has no ONS code, so no assessment can name it",
                where,
                "add 'code:' (the area's ONS code, e.g. E10000123) under area: in plan.yaml",
            )
        elif plan.code in seen:
            findings.warning(
                "summary.same-code",
                f"{plan.folder} and {seen[plan.code].folder} both have the ONS code {plan.code}",
                where,
                "each Health and Wellbeing Board area has its own code: correct area.code",
            )
        else:
            seen[plan.code] = plan
    return findings


def _judgement(summary: Summary, plan: PlanFacts) -> Judgement | None:
    if not plan.readable or other_round(plan, summary.framework):
        return None
    return summary.judgements.get(plan.code)


def _lead(plan: PlanFacts) -> list[Value]:
    return [Value(plan.area or plan.folder), Value(plan.code)]


LEAD = [GridColumn("Area", width=1.6), GridColumn("ONS code", width=1.1)]


def rating(judged: Judgement, kind: str, ident: str) -> Value:
    """A RAG cell: the word and the colour; without a colour, a value that is not a
    rating (its finding says where) or "Not assessed"."""
    value = getattr(judged, kind).get(ident)
    if value is None:
        invalid = judged.invalid.get(ident)
        return Value(f"Not a rating: '{invalid}'" if invalid is not None else NOT_ASSESSED)
    return Value(RAG_WORDS[value], rag=value)


def _ratings(summary: Summary) -> Grid:
    """The assessors' RAG ratings: a column per condition and per key line of enquiry."""
    framework = summary.framework
    columns = [
        *LEAD,
        *(GridColumn(f"{c.id}: {c.title}", "rag") for c in framework.conditions),
        *(GridColumn(k.title, "rag") for k in framework.key_lines_of_enquiry),
        GridColumn("Note", width=1.4),
    ]
    rows = []
    for plan in summary.plans:
        judged = _judgement(summary, plan)
        if judged is None:
            blanks = len(framework.conditions) + len(framework.key_lines_of_enquiry)
            rows.append([*_lead(plan), *[BLANK] * blanks, Value(note(plan, framework, None))])
            continue
        rows.append(
            [
                *_lead(plan),
                *(rating(judged, "conditions", c.id) for c in framework.conditions),
                *(rating(judged, "lines", k.id) for k in framework.key_lines_of_enquiry),
                BLANK,
            ]
        )
    return _grid("ratings", "Ratings", "Assessors' ratings of each plan", columns, rows)


def _outcomes(summary: Summary) -> Grid:
    """The assessors' verdicts: high risk and why, the recommendation, who and when."""
    framework = summary.framework
    columns = [
        *LEAD,
        GridColumn("High risk", width=0.7),
        GridColumn("Why high risk", width=2.2),
        GridColumn("Recommendation", width=1.5),
        GridColumn("Assessor", width=1.2),
        GridColumn("Date", width=1.1),
        GridColumn("Comments", width=2.2),
        GridColumn("Note", width=1.4),
    ]
    rows = []
    for plan in summary.plans:
        judged = _judgement(summary, plan)
        if judged is None:
            rows.append([*_lead(plan), *[BLANK] * 6, Value(note(plan, framework, None))])
            continue
        rows.append(
            [
                *_lead(plan),
                Value("Yes" if judged.high_risk else "No"),
                Value(judged.reason),
                Value(RECOMMENDATIONS[judged.recommendation]),
                Value(judged.assessor),
                Value(judged.date.isoformat() if judged.date else ""),
                Value(judged.comments),
                BLANK,
            ]
        )
    return _grid(
        "outcomes", "Outcomes", "High risk and recommendation for each plan", columns, rows
    )


def rag_columns(summary: Summary) -> list[tuple[str, str]]:
    """(column header, what it rates) of every RAG column: conditions, then key lines."""
    framework = summary.framework
    return [(f"{c.id}: {c.title}", c.id) for c in framework.conditions] + [
        (k.title, k.id) for k in framework.key_lines_of_enquiry
    ]


def _counts(summary: Summary) -> Grid:
    """How many plans have each rating in each RAG column (the rows of the first grid)."""
    framework = summary.framework
    ratings: list[tuple[str, Counter[str]]] = []
    for c in framework.conditions:
        ratings.append((f"{c.id}: {c.title}", _column_counts(summary, "conditions", c.id)))
    for k in framework.key_lines_of_enquiry:
        ratings.append((k.title, _column_counts(summary, "lines", k.id)))
    columns = [
        GridColumn("Rated", width=2.6),
        *(GridColumn(RAG_WORDS[r], "count", 0.8) for r in ("red", "amber", "green")),
        GridColumn(NOT_ASSESSED, "count", 0.9),
    ]
    rows = [
        [
            Value(header),
            *(
                Value(str(counts[r]), counts[r], rag=r if counts[r] else None)
                for r in ("red", "amber", "green")
            ),
            Value(str(counts[""]), counts[""]),
        ]
        for header, counts in ratings
    ]
    return _grid(
        "counts", "Ratings counted", "Number of plans with each rating", columns, rows, wide=False
    )


def _column_counts(summary: Summary, kind: str, ident: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for plan in summary.plans:
        judged = _judgement(summary, plan)
        given = getattr(judged, kind).get(ident) if judged else None
        counts[given or ""] += 1
    return counts


def _stated(summary: Summary) -> Grid:
    framework = summary.framework
    columns = [
        *LEAD,
        GridColumn("Status", width=0.8),
        *(GridColumn(f"{c.id} as the plan states it", width=0.9) for c in framework.conditions),
        GridColumn("Errors", "count", 0.7),
        GridColumn("Warnings", "count", 0.8),
        GridColumn("Errors by family", width=1.5),
        GridColumn("Warnings by family", width=1.5),
        GridColumn("Note", width=1.8),
    ]
    rows = []
    for plan in summary.plans:
        if not plan.readable or other_round(plan, framework):
            blanks = len(framework.conditions) + 5
            rows.append([*_lead(plan), *[BLANK] * blanks, Value(note(plan, framework, None))])
            continue
        stated = [plan.conditions.get(c.id) for c in framework.conditions]
        rows.append(
            [
                *_lead(plan),
                Value(plan.status.capitalize()),
                *(
                    Value(STATED[s], rag=STATED_RAG[s]) if s else Value("Not stated")
                    for s in stated
                ),
                Value(str(sum(plan.errors.values())), sum(plan.errors.values())),
                Value(str(sum(plan.warnings.values())), sum(plan.warnings.values())),
                Value(_families(plan.errors)),
                Value(_families(plan.warnings)),
                BLANK,
            ]
        )
    return _grid(
        "plans",
        "What the plans say",
        "Each plan's own statements and what the checks find",
        columns,
        rows,
    )


def _families(counts: dict[str, int]) -> str:
    """'money 2, metric 1': findings by family, most first, as `check` codes them."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} {count}" for name, count in ordered) or "none"


def _funding(summary: Summary) -> Grid:
    framework = summary.framework
    years = framework.years
    several = len(years) > 1

    def header(name: str, year: str) -> str:
        return f"{name} {year}" if several else name

    keys = [(s.type, y) for s in framework.funding_sources for y in years]
    columns = [
        *LEAD,
        *(GridColumn(header(s.name, y), "money") for s in framework.funding_sources for y in years),
        *(GridColumn(header("Pooled fund", y), "money") for y in years),
        GridColumn("Note", width=1.8),
    ]
    rows = []
    for plan in summary.plans:
        if not plan.readable or other_round(plan, framework) or not plan.pool:
            why = (
                note(plan, framework, None)
                if not plan.readable or other_round(plan, framework)
                else "the funding cannot be read"
            )
            rows.append([*_lead(plan), *[BLANK] * (len(keys) + len(years)), Value(why)])
            continue
        cells = []
        for kind, year in keys:
            figure = plan.funding.get(kind, {}).get(year)
            cells.append(Value(figure.text, figure.number) if figure else BLANK)
        pool = [Value(plan.pool[y].text, plan.pool[y].number) for y in years]
        rows.append([*_lead(plan), *cells, *pool, BLANK])
    return _grid("funding", "Pooled fund", "Pooled fund by source", columns, rows)


def _ambitions(summary: Summary) -> Grid:
    framework = summary.framework
    first = framework.years[0]
    before = previous_year(first)
    columns = [
        *LEAD,
        *(
            GridColumn(f"{m.name}: {first} against {before} ({m.direction} is better)", "change")
            for m in framework.metrics
        ),
        GridColumn("Note", width=1.8),
    ]
    rows = []
    for plan in summary.plans:
        if not plan.readable or other_round(plan, framework):
            blanks = [BLANK] * len(framework.metrics)
            rows.append([*_lead(plan), *blanks, Value(note(plan, framework, None))])
            continue
        cells = []
        for metric in framework.metrics:
            ambition = plan.ambitions.get(metric.id)
            cells.append(Value(ambition.text, ambition.change) if ambition else Value("No metric"))
        rows.append([*_lead(plan), *cells, BLANK])
    return _grid("metrics", "Metric ambitions", "Targets against the year before", columns, rows)


def _rules(summary: Summary) -> Grid:
    framework = summary.framework
    minimum = [r for r in framework.rules if r.kind == "minimum"]
    passported = [r for r in framework.rules if r.kind == "passported"]
    columns = [*LEAD]
    for rule in minimum + passported:
        amounts = "Passed on / grant" if rule.kind == "passported" else "Planned / required"
        columns += [GridColumn(rule.title, width=1.1), GridColumn(amounts, width=1.3)]
    columns.append(GridColumn("Note", width=1.8))
    rows = []
    for plan in summary.plans:
        if not plan.readable or other_round(plan, framework):
            blanks = [BLANK] * (2 * len(minimum + passported))
            rows.append([*_lead(plan), *blanks, Value(note(plan, framework, None))])
            continue
        states = {s.rule: s for s in plan.minimum + plan.passported}
        cells = []
        for rule in minimum + passported:
            state = states.get(rule.id)
            if state is None:
                cells += [BLANK, BLANK]
                continue
            colour = {"met": "green", "not-met": "red"}.get(state.verdict)
            cells += [Value(VERDICTS[state.verdict], rag=colour), Value(state.detail)]
        rows.append([*_lead(plan), *cells, BLANK])
    return _grid(
        "rules", "Funding rules", "Minimum contributions and DFG passporting", columns, rows
    )


# ---------------------------------------------------------------------------- statements


def _names(plans: list[PlanFacts], extra: dict[str, str] | None = None) -> str:
    """'Ashvale, Coldmere': the plans a statement is about, in the grid's order."""
    return ", ".join(
        f"{p.name} ({extra[p.code]})" if extra and extra.get(p.code) else p.name for p in plans
    )


def _count(
    n: int,
    m: int,
    verbs: tuple[str, str],
    what: str,
    plans: list[PlanFacts],
    extra: dict[str, str] | None = None,
) -> str:
    """'2 of 12 plans meet every national condition: Ashvale, Coldmere.' The verb agrees
    with the count (`verbs` is its singular and plural), and a count of 0 names no plan."""
    noun = "plan" if m == 1 else "plans"
    text = f"{n} of {m} {noun} {verbs[0] if n == 1 else verbs[1]} {what}"
    return f"{text}: {_names(plans, extra)}." if plans else f"{text}."


def statements(summary: Summary) -> list[str]:
    """Every sentence the summary says about its grid, counted from the rows."""
    framework = summary.framework
    plans = summary.plans
    m = len(plans)
    judged = [(p, j) for p in plans if (j := _judgement(summary, p))]
    ids = [c.id for c in framework.conditions]
    green = [p for p, j in judged if all(j.conditions.get(i) == "green" for i in ids)]
    out = [_count(len(green), m, ("meets", "meet"), "every national condition", green)]
    stated = [
        p
        for p in plans
        if p.readable
        and not other_round(p, framework)
        and all(p.conditions.get(i) == "met" for i in ids)
    ]
    claim = "that it meets" if len(stated) == 1 else "that they meet"
    what = f"{claim} every national condition"
    out.append(_count(len(stated), m, ("states", "state"), what, stated))
    for key, words in (
        ("approved", "recommended for sign-off"),
        ("approved-with-conditions", "recommended for sign-off with conditions"),
        ("not-approved", "not recommended for sign-off"),
    ):
        chosen = [p for p, j in judged if j.recommendation == key]
        out.append(_count(len(chosen), m, ("is", "are"), words, chosen))
    risky = [(p, j) for p, j in judged if j.high_risk]
    reasons = {p.code: j.reason for p, j in risky}
    out.append(_count(len(risky), m, ("is", "are"), "high risk", [p for p, _ in risky], reasons))
    readable = [p for p in plans if p.readable and not other_round(p, framework)]
    waiting = [p for p in readable if _judgement(summary, p) is None]
    if waiting:
        out.append(_count(len(waiting), m, ("is", "are"), "not yet assessed", waiting))
    unreadable = [p for p in plans if p not in readable]
    if unreadable:
        out.append(_count(len(unreadable), m, ("cannot", "cannot"), "be summarised", unreadable))
    return out
