"""The format-neutral document tree that both writers (Word and HTML/PDF) walk.

Assembly builds it from section templates and Markdown; resolution numbers headings,
tables, figures and appendices and fills every cross-reference's text, once. Writers
never see YAML, Markdown or the Plan: a table looks the same in Word and PDF because
both read the same Table node and the same Theme.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..findings import Location
from ..theme import Theme

# ---------------------------------------------------------------------------- inline


@dataclass
class Text:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass
class Link:
    """An external link (http, https or mailto)."""

    url: str
    children: list[Inline] = field(default_factory=list)
    # Where the link was written (for checks); not part of what the link is.
    location: Location | None = field(default=None, compare=False)


@dataclass
class XRef:
    """`@tbl:income` in the source; `text` ("Table 4") and `anchor` are set by resolution.

    `number` is the bare number ("4", "3.2", "B") when the reference is to a numbered
    thing, so the Word writer can write it as a REF field to the caption's bookmark.
    """

    kind: Literal["sec", "tbl", "fig", "app", "scheme", "risk", "metric"]
    target: str
    location: Location
    text: str = ""
    anchor: str = ""
    number: str = ""


@dataclass
class LineBreak:
    pass


@dataclass
class FootnoteRef:
    """A footnote marker; the note itself is in Document.footnotes under the same number."""

    number: int


Inline = Text | Link | XRef | LineBreak | FootnoteRef

# ---------------------------------------------------------------------------- blocks


@dataclass
class Heading:
    """A section or sub-section heading. Level 1 is a section (or appendix) of the plan."""

    level: int
    title: list[Inline]
    id: str
    location: Location
    numbered: bool = True
    in_contents: bool = True
    appendix: bool = False
    page_break_before: bool = False
    number: str = ""  # set by resolution: "3", "3.2", "A", "A.1"
    anchor: str = ""  # set by resolution: a bookmark / HTML id, e.g. "sec-background"

    @property
    def plain_title(self) -> str:
        return plain_text(self.title)

    @property
    def label(self) -> str:
        """The heading as numbered in the document: "3.2 Title" or "Appendix A: Title"."""
        if not self.number:
            return self.plain_title
        if self.appendix and self.level == 1:
            return f"Appendix {self.number}: {self.plain_title}"
        return f"{self.number} {self.plain_title}"


ParagraphStyle = Literal["body", "title", "subtitle", "cover", "banner", "lead", "small", "note"]


@dataclass
class Paragraph:
    inlines: list[Inline]
    style: ParagraphStyle = "body"


@dataclass
class ListBlock:
    ordered: bool
    items: list[list[Block]]
    start: int = 1


@dataclass
class Callout:
    """Text set apart from the body: a purpose "I statement", the vision, a key message."""

    blocks: list[Block]
    kind: Literal["statement", "quote", "note", "draft"] = "statement"
    title: str = ""


Rag = Literal["red", "amber", "green"]
RAG_WORDS: dict[str, str] = {"red": "Red", "amber": "Amber", "green": "Green"}


@dataclass
class Cell:
    inlines: list[Inline]
    rag: Rag | None = None  # shaded and labelled in words by the writers
    align: Literal["left", "right", "center"] = "left"
    colspan: int = 1


@dataclass
class Row:
    cells: list[Cell]
    kind: Literal["body", "total", "subtotal"] = "body"
    anchor: str = ""  # a row that references can point at (a risk, say)
    # Where a row of a Markdown table was written (for checks); None for computed rows.
    location: Location | None = field(default=None, compare=False)


@dataclass
class Column:
    header: str
    numeric: bool = False
    width: float = 1.0  # relative width; writers scale to the text width


@dataclass
class Table:
    columns: list[Column]
    rows: list[Row]
    id: str = ""  # "income" for @tbl:income; "" for an unnumbered layout table
    caption: list[Inline] = field(default_factory=list)
    location: Location = field(default_factory=lambda: Location("?"))
    header: bool = True  # first row is a header row (repeated on every page)
    wide: bool = False  # belongs on a landscape page
    number: str = ""  # set by resolution
    anchor: str = ""  # set by resolution
    key_value: bool = False  # a two-column label/value layout (first column is a header)

    @property
    def label(self) -> str:
        return f"Table {self.number}" if self.number else ""


@dataclass
class Figure:
    path: Path | None  # absolute, already checked to be inside the plan folder
    alt: str
    caption: list[Inline]
    id: str
    location: Location
    width_fraction: float = 1.0
    number: str = ""
    anchor: str = ""
    # A picture drawn from the data (bcf_docgen.charts.Chart) instead of a file: writers
    # ask it for SVG (PDF) or PNG (Word) bytes.
    chart: Any = None

    @property
    def label(self) -> str:
        return f"Figure {self.number}" if self.number else ""


@dataclass
class Contents:
    """Where the table of contents goes; writers fill it from the numbered headings."""

    title: str = "Contents"


@dataclass
class PageBreak:
    pass


@dataclass
class Landscape:
    """Blocks laid out on landscape pages (wide tables); a new page before and after."""

    blocks: list[Block]


@dataclass
class Signature:
    on_behalf_of: str
    name: str
    position: str
    date: dt.date | None
    date_text: str  # formatted once, or "" for a blank line to sign on


Block = (
    Heading
    | Paragraph
    | ListBlock
    | Callout
    | Table
    | Figure
    | Contents
    | PageBreak
    | Landscape
    | Signature
)


@dataclass
class DocumentInfo:
    title: str
    subtitle: str
    area: str
    board: str
    version: str
    date: dt.date
    date_text: str
    status: str  # draft | final
    author: str
    subject: str
    keywords: list[str]
    language: str = "en-GB"
    footer: str = ""  # the footer's left part, when not "Version X | date" (a board report)

    @property
    def is_draft(self) -> bool:
        return self.status != "final"


@dataclass
class Document:
    info: DocumentInfo
    theme: Theme
    blocks: list[Block]
    footnotes: dict[int, list[Block]] = field(default_factory=dict)
    logo: Path | None = None

    def walk(self):
        """Every block, depth first, including those inside lists, callouts and landscapes."""
        yield from _walk(self.blocks)

    def inline_nodes(self):
        """Every inline node of the document (footnotes included), in document order."""
        for block in self.walk():
            for inlines in block_inlines(block):
                yield from inline_nodes(inlines)
        for blocks in self.footnotes.values():
            for block in _walk(blocks):
                for inlines in block_inlines(block):
                    yield from inline_nodes(inlines)

    def headings(self) -> list[Heading]:
        return [b for b in self.walk() if isinstance(b, Heading)]

    def tables(self) -> list[Table]:
        return [b for b in self.walk() if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.walk() if isinstance(b, Figure)]


def _walk(blocks: list[Block]):
    for block in blocks:
        yield block
        if isinstance(block, Callout | Landscape):
            yield from _walk(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from _walk(item)


def plain_text(inlines: list[Inline]) -> str:
    """The text a reader sees (cross-references as resolved)."""
    out: list[str] = []
    for node in inlines:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Link):
            out.append(plain_text(node.children))
        elif isinstance(node, XRef):
            out.append(node.text or f"@{node.kind}:{node.target}")
        elif isinstance(node, LineBreak):
            out.append("\n")
        elif isinstance(node, FootnoteRef):
            out.append(str(node.number))
    return "".join(out)


def block_inlines(block: Block):
    """The lists of inlines a block holds itself (not those of blocks inside it)."""
    if isinstance(block, Heading):
        yield block.title
    elif isinstance(block, Paragraph):
        yield block.inlines
    elif isinstance(block, Table):
        yield block.caption
        for row in block.rows:
            for cell in row.cells:
                yield cell.inlines
    elif isinstance(block, Figure):
        yield block.caption


def inline_nodes(inlines: list[Inline]):
    """Every inline node, including those inside links."""
    for node in inlines:
        yield node
        if isinstance(node, Link):
            yield from inline_nodes(node.children)
