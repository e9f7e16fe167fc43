"""The summary as a document of the one model, so the PDF and HTML writers lay it out with
the one look, tagged, as they do a plan: no writer of its own.

Each grid is a table (wide ones in a landscape region, which page flow keeps only when
the table is too wide for a portrait page); RAG cells carry their word and colour; the
statements come first, as a list, since they are what a board reads.
"""

from __future__ import annotations

from ..document.assemble import finish
from ..document.model import (
    Block,
    Cell,
    Column,
    Document,
    DocumentInfo,
    Heading,
    Landscape,
    ListBlock,
    Paragraph,
    Part,
    Row,
    Table,
    Text,
)
from ..findings import Findings, Location
from ..formatting import date as written_date
from ..theme import Theme, look_from_theme
from .grid import Grid, Summary

WHERE = Location("summary")
NUMERIC = ("money", "count")


def title(summary: Summary) -> str:
    return f"{summary.framework.name}: assurance summary"


def table(grid: Grid) -> Table:
    """A grid as a table: a header row, then a row per plan (or per rated column)."""
    columns = [Column(c.header, c.kind in NUMERIC, c.width) for c in grid.columns]
    header = Row([Cell([Text(c.header)], align="right" if c.numeric else "left") for c in columns])
    rows = [
        Row(
            [
                Cell(
                    [Text(value.text)],
                    rag=value.rag,  # type: ignore[arg-type]
                    align="right" if column.numeric else "left",
                )
                for value, column in zip(values, columns, strict=True)
            ]
        )
        for values in grid.rows
    ]
    return Table(
        columns=columns,
        rows=[header, *rows],
        id=grid.key,
        caption=[Text(grid.title)],
        location=WHERE,
        wide=grid.wide,
    )


def _heading(text: str, ident: str) -> Heading:
    return Heading(1, [Text(text)], ident, WHERE, numbered=False, page_break_before=False)


def summary_document(summary: Summary, theme: Theme | None = None) -> tuple[Document, Findings]:
    """The summary as a one-part document, resolved and labelled like any other."""
    plans = len(summary.plans)
    when = written_date(summary.date)
    blocks: list[Block] = [
        Paragraph([Text(title(summary))], "title"),
    ]
    if summary.region:
        blocks.append(Paragraph([Text(summary.region)], "subtitle"))
    blocks += [
        Paragraph([Text(f"{plans} plans; assessments as at {when}.")], "lead"),
        _heading("What the grid shows", "statements"),
        ListBlock(False, [[Paragraph([Text(s)])] for s in summary.statements]),
    ]
    for grid in summary.grids:
        heading = _heading(grid.heading, f"grid-{grid.key}")
        made = table(grid)
        blocks += [Landscape([heading, made], fit=True)] if grid.wide else [heading, made]
    info = DocumentInfo(
        title=title(summary),
        subtitle=summary.region,
        area="",
        board=summary.region,
        version="",
        date=summary.date,
        date_text=when,
        status="final",
        author=summary.region or "bcf-docgen",
        subject=f"Assurance of {plans} {summary.framework.name} plans",
        keywords=["Better Care Fund", "assurance", summary.framework.id],
        footer=f"{title(summary)} | {when}",
    )
    document = Document(
        info, look_from_theme(theme or Theme()), [Part(blocks, cover=False, source="summary")]
    )
    return document, finish(document, None)
