"""Stated totals in Markdown tables: every `Total` and `Sub-total` row adds up.

Rows whose first cell starts with `Total` or `Sub-total` (`Subtotal`) are stated totals
(spec section 3). Per numeric column:

- a sub-total must equal the ordinary rows since the previous total or sub-total;
- a total must equal all ordinary rows since the previous total (sub-totals are not
  added in).

Figures may carry `£`, thousands separators, decimals, `k`/`m`/`bn`, a leading minus or
brackets for negatives, and `%`. Empty cells, `-`, `–` and `n/a` count as nothing.
Shares and rates do not add up, so these columns are left alone: a column whose header
names a percentage, share, proportion, rate, average, mean, median, ratio, index, score or
a "per ..." figure, and a column of percentages (cells with `%`) unless the stated total
is 100%, which the shares must then make (within rounding). Figures rounded to `k`, `m`
or `bn`, and percentages, may be out by rounding: half a unit of the last digit shown,
per figure added. Other figures must add up exactly. Tables computed from the data
(`::: table`) are not checked here: their totals are computed, never typed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..content.plan import Plan
from ..document.model import Document, Row, Table, Text
from ..document.numbers import FIGURE, parse_figure
from ..findings import Findings, Location
from .prose import Sources
from .registry import document_check

NOT_ADDITIVE = re.compile(
    r"%|\bper\b|percent|per\s*cent|share|proportion|\brates?\b|average|\bmean\b|median|"
    r"ratio|index|score",
    re.IGNORECASE,
)
EMPTY = {"", "-", "–", "—", "n/a", "N/A"}
SCALE = {"k": Decimal(1000), "m": Decimal(10**6), "bn": Decimal(10**9)}


class Amount:
    """A figure as written: its value in base units, and how it was written."""

    def __init__(self, text: str):
        self.text = text.strip()
        match = FIGURE.match(self.text.replace("\u00a0", " "))
        value = parse_figure(self.text)
        self.ok = match is not None and value is not None
        unit = (match.group("unit") or "").lower() if match else ""
        number = match.group("num") if match else "0"
        self.decimals = len(number.split(".")[1]) if "." in number else 0
        self.percent = unit == "%"
        self.scale = SCALE.get(unit, Decimal(1))
        self.unit = unit
        self.pounds = "£" in self.text
        self.value = (value or Decimal(0)) * self.scale
        # Half a unit of the last digit shown, for figures that are plainly rounded.
        rounded = self.percent or unit in SCALE
        self.slack = Decimal(5).scaleb(-(self.decimals + 1)) * self.scale if rounded else Decimal(0)


def _cell_text(row: Row, index: int) -> str:
    if index >= len(row.cells):
        return ""
    return "".join(t.text for t in row.cells[index].inlines if isinstance(t, Text)).strip()


def _written(value: Decimal, like: Amount) -> str:
    """`value` written the way the stated figure is: '£1,234', '(5,000)', '12.5%', '£1.2m'."""
    shown = value / like.scale
    decimals = like.decimals
    text = f"{abs(shown):,.{decimals}f}"
    if like.pounds:
        text = "£" + text
    text += like.unit if like.unit != "%" else "%"
    if shown < 0:
        text = f"({text})" if like.text.startswith("(") else f"-{text}"
    return text


def _column_of_cell(sources: Sources, where: Location, index: int) -> int:
    """The column of cell `index` on the table row's line, or 1 if it cannot be found."""
    raw = sources.text(where.file)
    if raw is None:
        return 1
    lines = raw.split("\n")
    if not 0 < where.line <= len(lines):
        return 1
    line = lines[where.line - 1]
    bars = [m.start() for m in re.finditer(r"(?<!\\)\|", line)]
    if not bars:
        return 1
    # A row may or may not start with '|'; cells lie between the bars.
    starts = [0] if line.lstrip()[:1] != "|" else []
    starts += [b + 1 for b in bars]
    if index >= len(starts):
        return 1
    start = starts[index]
    while start < len(line) and line[start] == " ":
        start += 1
    return start + 1


def _check_column(
    table: Table, index: int, header: str, findings: Findings, sources: Sources
) -> None:
    rows = table.rows[1:] if table.header else table.rows
    figures: list[tuple[Row, Amount | None]] = []
    for row in rows:
        text = _cell_text(row, index)
        figures.append((row, None if text in EMPTY else Amount(text)))
    if any(f is not None and not f.ok for _r, f in figures):
        return  # not a column of figures
    percent = any(f is not None and f.percent for _r, f in figures)
    if NOT_ADDITIVE.search(header) and not percent:
        return
    since_sub: list[Amount] = []
    since_total: list[Amount] = []
    for row, figure in figures:
        if row.kind == "body":
            if figure is not None:
                since_sub.append(figure)
                since_total.append(figure)
            continue
        added = since_sub if row.kind == "subtotal" else since_total
        what = "sub-total" if row.kind == "subtotal" else "total"
        if figure is not None and added and (not percent or figure.value == 100):
            computed = sum((f.value for f in added), Decimal(0))
            slack = figure.slack + sum((f.slack for f in added), Decimal(0))
            if abs(computed - figure.value) > slack and row.location is not None:
                label = _cell_text(row, 0) or what.capitalize()
                since = (
                    "since the previous total or sub-total"
                    if row.kind == "subtotal"
                    else "since the previous total (sub-totals not added in)"
                )
                where = Location(
                    row.location.file,
                    row.location.line,
                    _column_of_cell(sources, row.location, index),
                )
                findings.error(
                    "table.total",
                    f"'{label}' in column '{header}' says {figure.text}, but the "
                    f"{len(added)} row{'s' if len(added) != 1 else ''} {since} add up to "
                    f"{_written(computed, figure)}",
                    where,
                    "correct the figures or the total; better, compute both from the data "
                    "with {{ }} so they cannot disagree",
                )
        since_sub = []
        if row.kind == "total":
            since_total = []


@document_check
def stated_totals_add_up(plan: Plan, document: Document, findings: Findings) -> None:
    sources = Sources(plan.root)
    for table in document.tables():
        rows = table.rows[1:] if table.header else table.rows
        if not any(r.kind != "body" for r in rows):
            continue
        if any(r.location is None for r in rows):
            continue  # computed from the data, not typed
        for index, column in enumerate(table.columns):
            if column.numeric:
                _check_column(table, index, column.header, findings, sources)
