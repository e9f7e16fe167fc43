"""The format-neutral document tree that both writers (Word and HTML/PDF) walk.

Assembly builds it from section templates and Markdown; resolution numbers headings,
tables, figures and appendices and fills every cross-reference's text, once. Writers
never see YAML, Markdown or the Plan: a table looks the same in Word and PDF because
both read the same Table node and the same Look.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..findings import Location
from .look import Look


class ChartSpec(Protocol):
    """A chart the writers can draw without knowing how: the model never imports charting."""

    def svg(self) -> bytes: ...

    def png(self) -> bytes: ...

    def blank_png(self) -> bytes: ...  # png()'s size, nothing drawn: for a layout pass


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
    # Set by labelling: what is printed before the title ("3.2", "Appendix A:"), and
    # whether it hangs in the margin before a tab (a number) or runs on (a word label).
    prefix: str = ""
    hanging: bool = True

    @property
    def plain_title(self) -> str:
        return plain_text(self.title)

    @property
    def label(self) -> str:
        """The heading as printed: "3.2 Title" or "Appendix A: Title" (after labelling)."""
        return f"{self.prefix} {self.plain_title}" if self.prefix else self.plain_title


ParagraphStyle = Literal["body", "title", "subtitle", "cover", "banner", "lead", "small", "note"]


@dataclass
class Paragraph:
    inlines: list[Inline]
    style: ParagraphStyle = "body"


@dataclass
class TitlePage:
    """A page that opens a part of a binder (an appendix of a board pack).

    `label` ("Appendix 2:") and `title` are the part's; `before` and `after` are lines
    set above and below them (the meeting, what the part is attached to).
    """

    label: str
    title: str
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


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
    rag: Rag | None = None  # shaded by the writers; labelling puts the word in an empty cell
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
    number: str = ""  # set by resolution: "4", or "2.1" in a part numbered on its own
    anchor: str = ""  # set by resolution
    key_value: bool = False  # a two-column label/value layout (first column is a header)
    label: str = ""  # set by labelling: "Table 4"
    label_word: str = ""  # set by labelling: "Table" (Word writes the number as a field)
    separator: str = ""  # set by labelling: between the label and the caption text


ImageFormat = Literal["png", "jpeg", "gif", "svg"]
MEDIA_TYPES: dict[str, str] = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
}


@dataclass(frozen=True)
class ImageData:
    """A picture from the plan folder, read, checked and decoded once before any writer
    (`content/images.py`). The writers take its bytes from here and never open a file,
    so what they embed is exactly what was checked: format by content, size in pixels
    within the cap, not a reference to anything outside the plan (SVG)."""

    data: bytes = field(repr=False)
    format: ImageFormat  # what the bytes are, whatever the file was called
    width: int  # pixels (an SVG's declared size, or 0 when it declares none)
    height: int
    source: str  # the path as the plan wrote it, for messages

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


@dataclass
class Figure:
    image: ImageData | None  # None for a chart, which is drawn from the data instead
    alt: str
    caption: list[Inline]
    id: str
    location: Location
    width_fraction: float = 1.0
    number: str = ""
    anchor: str = ""
    # A picture drawn from the data (bcf_docgen.charts.Chart) instead of a file: writers
    # ask it for SVG (PDF) or PNG (Word) bytes.
    chart: ChartSpec | None = None
    label: str = ""  # set by labelling: "Figure 2"
    label_word: str = ""  # set by labelling: "Figure"
    separator: str = ""  # set by labelling


@dataclass(frozen=True)
class ContentsEntry:
    """One line of a contents: its level (1 to 3), its text and the anchor it leads to."""

    level: int
    text: str
    anchor: str
    prefix: str = ""  # the heading's number or "Appendix A:"
    hanging: bool = True  # the prefix hangs before a tab (a number) or runs on (words)
    part: bool = False  # a part of a binder (set in bold)


@dataclass
class Contents:
    """Where the table of contents goes; labelling fills `entries` from the headings.

    `scope` is "part" (the headings of the part it is in: a plan's contents) or
    "binder" (every part and its top headings: a board pack's contents).
    """

    title: str = "Contents"
    scope: Literal["part", "binder"] = "part"
    entries: list[ContentsEntry] = field(default_factory=list)


@dataclass
class PageBreak:
    pass


@dataclass
class Landscape:
    """Blocks laid out on landscape pages (wide tables); a new page before and after.

    Composition makes it; `document/flow.py` then settles it before any writer sees it:
    one marked `fit` (what `::: landscape` makes) stays only if a table inside is too
    wide for a portrait page, adjacent ones become one, and the short lead-in before
    one (a heading, an introduction) joins it. Writers draw what is left as it is.
    """

    blocks: list[Block]
    fit: bool = False  # landscape only if its content does not fit a portrait page


@dataclass
class Signature:
    on_behalf_of: str
    name: str
    position: str
    date: dt.date | None
    date_text: str  # formatted once, or "" for a blank line to sign on
    # Set by labelling: (label, value) lines as printed, the last one to sign on.
    lines: list[tuple[str, str]] = field(default_factory=list)


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
    | TitlePage
)

# Every block type, for the writers' dispatch tables (a test holds each writer to it).
BLOCK_TYPES: tuple[type, ...] = (
    Heading,
    Paragraph,
    ListBlock,
    Callout,
    Table,
    Figure,
    Contents,
    PageBreak,
    Landscape,
    Signature,
    TitlePage,
)
INLINE_TYPES: tuple[type, ...] = (Text, Link, XRef, LineBreak, FootnoteRef)


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
class Part:
    """One part of a binder: a plan, a covering report, an appendix made from a template.

    Composition fills the first group of fields; resolution numbers the part (on its own,
    or with `caption_prefix` before its table and figure numbers so that they stay unique
    in the binder) and labelling fills the rest, so the writers decide none of it.
    """

    blocks: list[Block]
    footnotes: dict[int, list[Block]] = field(default_factory=dict)
    logo: ImageData | None = None
    key: str = ""  # put before every anchor of the part when a binder has several
    number: str = ""  # an appendix's number in a binder ("1", "2"); "" otherwise
    title: str = ""
    source: str = ""  # what it was made from: plan, report, risks, a template, a file
    cover: bool = True  # what precedes the first heading is a page of its own
    caption_prefix: str = ""  # "2." numbers tables 2.1, 2.2; "" numbers them 1, 2
    draft: bool = False  # its pages carry the draft mark
    title_page: TitlePage | None = None  # a page of its own before the part (in a pack)
    anchor: str = ""  # set by resolution in a binder of several parts: where the part starts
    # Set by labelling:
    label: str = ""  # "Appendix 2: Risk register", as contents and bookmarks name it
    short: str = ""  # "Appendix 2": what a reference from another part adds
    cover_end: int = 0  # blocks[:cover_end] make the cover page (0: no cover page)
    top_level: int = 1  # the level of its top headings (1 for a plan, 2 for a report)
    running_header: str = ""
    footer: str = ""
    draft_mark: str = ""  # "DRAFT" on the part's pages while a draft (the watermark)
    notes_title: str = ""


@dataclass
class Document:
    """A binder of one or more parts, laid out as one file by each writer.

    A plan build is a binder of one part; a board pack holds its front (cover and
    contents), the covering report, the plan and the other appendices. Numbers and
    anchors are unique across the binder.
    """

    info: DocumentInfo
    look: Look  # computed once from the theme; writers read only this
    parts: list[Part]
    page_words: tuple[str, str] = ("Page", "of")  # set by labelling: "Page 3 of 40"

    @classmethod
    def single(
        cls,
        info: DocumentInfo,
        look: Look,
        blocks: list[Block],
        footnotes: dict[int, list[Block]] | None = None,
        logo: ImageData | None = None,
    ) -> Document:
        """A document of one part (a plan, a report on its own)."""
        return cls(info, look, [Part(blocks, footnotes or {}, logo, draft=info.is_draft)])

    @property
    def part(self) -> Part:
        """The only part of a one-part document."""
        if len(self.parts) != 1:
            raise ValueError(f"this binder has {len(self.parts)} parts, not one")
        return self.parts[0]

    @property
    def blocks(self) -> list[Block]:
        return self.part.blocks

    @property
    def footnotes(self) -> dict[int, list[Block]]:
        return self.part.footnotes

    @property
    def logo(self) -> ImageData | None:
        return self.part.logo

    def walk(self):
        """Every block of every part, depth first (inside lists, callouts, landscapes)."""
        for part in self.parts:
            yield from _walk(part.blocks)

    def inline_nodes(self):
        """Every inline node of the document (footnotes included), in document order."""
        for part in self.parts:
            yield from part_inline_nodes(part)

    def headings(self) -> list[Heading]:
        return [b for b in self.walk() if isinstance(b, Heading)]

    def tables(self) -> list[Table]:
        return [b for b in self.walk() if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.walk() if isinstance(b, Figure)]


def walk_part(part: Part):
    """Every block of one part, depth first."""
    yield from _walk(part.blocks)


def part_inline_nodes(part: Part):
    """Every inline node of one part, its notes included, in order."""
    for block in _walk(part.blocks):
        for inlines in block_inlines(block):
            yield from inline_nodes(inlines)
    for blocks in part.footnotes.values():
        for block in _walk(blocks):
            for inlines in block_inlines(block):
                yield from inline_nodes(inlines)


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
