"""The Word writer: a Document (the format-neutral model) in, finished .docx bytes out.

"Finished" means a reader who opens the file sees the contents with page numbers,
"Table 4" in every caption and cross-reference and "Page 3 of 40" in the footer before
Word updates anything, while each of those is still a real Word field (TOC, PAGEREF,
SEQ, REF, PAGE, NUMPAGES) that Word can refresh. The cached page numbers come from
LibreOffice's layout of the file (`build_docx`), which says on which page every bookmark
lands.

python-docx provides the package, the styles part and pictures; the body is written as
raw WordprocessingML (docx_ooxml) because fields, bookmarks, numbering, row properties
and shading have no python-docx API. Colours, fonts and paper come from the Look only.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import re
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import docx
from docx.enum.section import WD_ORIENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.parfmt import CT_PPr
from docx.section import Section
from docx.shared import Emu, Twips
from lxml import etree

from ..document.model import (
    Block,
    Callout,
    Contents,
    Document,
    Figure,
    FootnoteRef,
    Heading,
    ImageData,
    Inline,
    Landscape,
    LineBreak,
    Link,
    ListBlock,
    PageBreak,
    Paragraph,
    Part,
    Row,
    Signature,
    Table,
    Text,
    TitlePage,
    XRef,
    plain_text,
)
from ..untrusted import SourceDateEpochError, language_tag, safe_url, source_date_epoch
from .docx_layout import fit_columns, longest_word
from .docx_ooxml import (
    EMU_PER_TWIP,
    Bookmarks,
    bookmark,
    border_set,
    break_run,
    el,
    external_link,
    field_begin,
    field_end,
    field_runs,
    internal_link,
    paragraph,
    ppr,
    put_ppr,
    rpr,
    tab_run,
    text_run,
    val,
    watermark_run,
    xml_attr,
    xml_safe,
)
from .docx_package import complete_settings, drop_relationship, replace_blob, replace_named
from .docx_styles import PARAGRAPH_STYLES, Numbering, define_styles, eighths, hex6, mm, pt

__all__ = ["render_docx", "build_docx", "bookmark_names"]

CELL_PADDING = 2 * 85 + 60  # the Plan Table style's cell margins, and some slack


def render_docx(
    doc: Document,
    pages: Mapping[str, int] | None = None,
    *,
    total_pages: int | None = None,
    drawn: bool = True,
) -> bytes:
    """The .docx for `doc`.

    `pages` maps the model's anchors (headings' `anchor`) to the page they land on; the
    contents shows them as the cached results of its PAGEREF fields (blank if unknown).
    `total_pages` is the cached result of NUMPAGES in the footer. Same input, same bytes.
    Not `drawn`, charts are blank pictures of their size: a file only to be laid out.
    """
    return _Writer(doc, pages or {}, total_pages, drawn).render()


def bookmark_names(doc: Document) -> dict[str, str]:
    """anchor -> Word bookmark name, exactly as render_docx names them."""
    return _collect_targets(doc)[0].mapping()


def build_docx(doc: Document, timeout: float | None = None, passes: int = 2) -> tuple[bytes, bool]:
    """Render, paginate with LibreOffice, render again with the real page numbers.

    Returns (docx bytes, paginated?). Where this process has a warm LibreOffice
    (libreoffice.start_office or keep_warm), one load of the file settles its pages: the
    contents is filled in and laid out again inside LibreOffice until nothing moves, so
    the file rendered with those pages is laid out as they were read. Otherwise (a cold
    LibreOffice only shows the cached page numbers it finds) with `passes` = 2 the result
    is paginated once more and rendered a third time only if a page moved (a contents line
    that wraps once its page number is in, say). Without LibreOffice (or if it fails) the
    file is still complete except for the contents' page numbers, which Word fills in
    when the reader updates fields.
    """
    from .libreoffice import PAGINATE_SECONDS, Unsettled, end_office, settle

    names = bookmark_names(doc)
    layout = render_docx(doc, drawn=False)  # laid out only: the charts are drawn meanwhile
    seconds = timeout or PAGINATE_SECONDS
    try:
        with _charts_drawn_aside(doc):
            settled = settle(layout, _contents_bookmarks(doc, names), timeout=seconds)
        if settled is None:  # LibreOffice failed, twice
            return render_docx(doc), False
        pages = {a: settled.pages[n] for a, n in names.items() if n in settled.pages}
        return render_docx(doc, pages, total_pages=settled.total), True
    except Unsettled:
        return _pass_by_pass(doc, names, layout, seconds, passes)
    finally:
        end_office()  # if it was started for this file alone


@contextlib.contextmanager
def _charts_drawn_aside(doc: Document) -> Iterator[None]:
    """Draw the charts in a thread while LibreOffice lays out the file, so that the file
    rendered with the pages finds them drawn (charts.py caches them): a third of a second
    off the M plan's build. It ends only when the drawing has, so matplotlib, which is not
    thread-safe, is never used from two threads at once. A chart that fails to draw here
    fails again, and is reported, in the render that needs it."""

    def draw() -> None:
        with contextlib.suppress(Exception):  # left for the render to raise
            for chart in charts:
                chart.png()

    charts = [figure.chart for figure in doc.figures() if figure.chart is not None]
    if not charts:
        yield
        return
    # A plain thread: a thread pool's fork hooks misfire when LibreOffice is started
    # (forked) from another thread meanwhile ("release unlocked lock" on stderr).
    thread = threading.Thread(target=draw, name="bcf-docgen-charts", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _pass_by_pass(
    doc: Document, names: dict[str, str], data: bytes, seconds: float, passes: int
) -> tuple[bytes, bool]:
    """Paginate, render with the pages found, and again until they hold (`passes` looks).
    `data` is the file laid out first (its charts blank)."""
    from .libreoffice import paginate

    pages: dict[str, int] = {}
    total: int | None = None
    paginated = False
    for _ in range(max(1, passes)):
        result = paginate(data, timeout=seconds)
        if result is None:
            break
        found = _anchor_pages(names, result)
        if paginated and found == pages and result.total == total:
            break
        pages, total, paginated = found, result.total, True
        data = render_docx(doc, pages, total_pages=total)
    return (data if paginated else render_docx(doc)), paginated


def _contents_bookmarks(doc: Document, names: dict[str, str]) -> list[list[str]]:
    """The bookmark each contents line leads to, one list per contents in document order."""
    return [
        [names.get(entry.anchor, "") for entry in block.entries]
        for block in doc.walk()
        if isinstance(block, Contents)
    ]


def _anchor_pages(names: dict[str, str], result) -> dict[str, int]:
    """anchor -> page, from LibreOffice's named destinations (skipping ambiguous names)."""
    from .libreoffice import destination_name

    spelled: dict[str, list[str]] = {}
    for anchor, name in names.items():
        spelled.setdefault(destination_name(name), []).append(anchor)
    pages: dict[str, int] = {}
    for destination, anchors in spelled.items():
        page = result.destinations.get(destination)
        if page is not None and len(anchors) == 1:
            pages[anchors[0]] = page
    return pages


# ---------------------------------------------------------------------------- targets


def _collect_targets(doc: Document) -> tuple[Bookmarks, dict[str, str]]:
    """Bookmark names for every anchor in document order, and what each anchor marks."""
    bookmarks = Bookmarks()
    kinds: dict[str, str] = {}
    for part in doc.parts:
        if part.anchor:
            kinds[part.anchor] = "part"
            bookmarks.name(part.anchor)
    for block in doc.walk():
        anchors: list[tuple[str, str]] = []
        if isinstance(block, Heading):
            anchors.append((block.anchor, "heading"))
        elif isinstance(block, Table):
            anchors.append((block.anchor, "table"))
            anchors += [(row.anchor, "row") for row in block.rows]
        elif isinstance(block, Figure):
            anchors.append((block.anchor, "figure"))
        for anchor, kind in anchors:
            if anchor and anchor not in kinds:
                kinds[anchor] = kind
                bookmarks.name(anchor)
    return bookmarks, kinds


def _sequential(numbers: list[str]) -> bool:
    """True when captions are numbered 1, 2, 3... in order (what a SEQ field counts)."""
    return numbers == [str(i) for i in range(1, len(numbers) + 1)]


@dataclass(frozen=True)
class _Look:
    """Formatting a block imposes on the runs inside it (header cells, RAG cells)."""

    bold: bool = False
    italic: bool = False
    color: str = ""


@dataclass(frozen=True)
class _Place:
    """The room a block has (twips): the text width, and the page's text height."""

    width: int
    height: int


# ----------------------------------------------------------------------------- writer


class _Writer:
    def __init__(
        self, doc: Document, pages: Mapping[str, int], total_pages: int | None, drawn: bool
    ) -> None:
        self.doc = doc
        self.drawn = drawn
        self.info = doc.info
        self.look = doc.look
        self.colours = doc.look.colours
        self.pages = pages
        self.total_pages = total_pages
        self.word = docx.Document()
        self.part = self.word.part
        self.bookmarks, self.kinds = _collect_targets(doc)
        page = doc.look.page
        self.paper = (mm(page.width_mm), mm(page.height_mm))  # portrait, in twips
        # (top, right, bottom, left, header, footer) in twips
        self.margins = tuple(
            mm(value)
            for value in (page.margin_top_mm, page.margin_right_mm, page.margin_bottom_mm)
            + (page.margin_left_mm, page.header_mm, page.footer_mm)
        )
        self.across = self.margins[1] + self.margins[3]  # the left and right margins
        self.down = self.margins[0] + self.margins[2]
        self.portrait_width = self.paper[0] - self.across
        self.portrait = _Place(self.portrait_width, self.paper[1] - self.down)
        self.shape_ids = 0
        self.watermarks = 0
        tables = [t for t in doc.tables() if t.number]
        figures = [f for f in doc.figures() if f.number]
        self.table_seq = _sequential([t.number for t in tables])
        self.figure_seq = _sequential([f.number for f in figures])
        self.caption_labels = {t.anchor: t.label for t in tables if t.anchor}
        self.caption_labels.update({f.anchor: f.label for f in figures if f.anchor})
        self.current: Part = doc.parts[0]
        # Each Word section's part, and whether its first page is set apart (a cover
        # or a title page: no running header or footer, only the draft watermark).
        self.sections: list[tuple[Part, bool]] = [(self.current, False)]
        self.body = self.word.element.body
        self.pending_break = False
        self.at_page_start = True
        self.in_landscape = False  # a landscape region was the last thing written

    # ------------------------------------------------------------------ the whole file

    def render(self) -> bytes:
        self._clean_package()
        define_styles(self.word.styles.element, self.look, self.portrait_width)
        self.numbering = Numbering(self.part.numbering_part.element, self.look)
        sentinel = self.body.sectPr
        for name in list(sentinel.attrib):  # the template's revision ids
            sentinel.attrib.pop(name)
        self._page_setup(Section(sentinel, self.part), landscape=False)
        for index, part in enumerate(self.doc.parts):
            self._part(part, first=index == 0)
        self._headers_and_footers()
        self._properties()
        complete_settings(self.word)
        out = io.BytesIO()
        self.word.save(out)
        return _normalise_zip(out.getvalue())

    def _part(self, part: Part, first: bool) -> None:
        """A part starts a section of its own (its own running header), on a new page."""
        self.current = part
        if part.title_page is not None:
            if not first:
                self._section_break(landscape=False)
            self._set_apart()
            self._emit(self.title_page(part.title_page, part.anchor))
            self._section_break(landscape=False)
        elif not first:
            self._section_break(landscape=False)
        if part.anchor and part.title_page is None:  # where the binder's contents leads
            start, end = bookmark(self.bookmarks.name(part.anchor), self.bookmarks.new_id())
            self._emit([paragraph(_spacer().find(qn("w:pPr")), start, end)])
        if part.cover_end or (part.cover and part.logo is not None):
            self._set_apart()
        if part.logo is not None:
            self._emit(self._logo(part.logo))
        for block in part.blocks[: part.cover_end]:
            self._top_level(block)
        if part.cover_end:  # the cover is a page of its own, as in the PDF
            self.pending_break = not self.at_page_start
        # Which blocks are landscape, and what joins them, the model has settled.
        for block in part.blocks[part.cover_end :]:
            self._top_level(block)
        if part.footnotes:
            self._end_landscape()
            self._emit(self._notes(part))

    def _set_apart(self) -> None:
        """The current section's first page has no running header or footer."""
        self.sections[-1] = (self.sections[-1][0], True)

    def _top_level(self, block) -> None:
        if isinstance(block, Landscape):
            if not block.blocks:
                return
            self._section_break(landscape=True)
            place = _Place(self.paper[1] - self.across, self.paper[0] - self.down)
            for inner in block.blocks:
                if isinstance(inner, PageBreak):
                    self.pending_break = not self.at_page_start
                    continue
                self._emit(self._block(inner, place))
            # Portrait again only when something follows: a region that ends the file
            # ends it on its own page, with no empty portrait page after it.
            self.in_landscape = True
            return
        self._end_landscape()
        if isinstance(block, PageBreak):
            self.pending_break = not self.at_page_start
        else:
            self._emit(self._block(block, self.portrait))

    def _end_landscape(self) -> None:
        if self.in_landscape:
            self._section_break(landscape=False)

    def _emit(self, elements: list[etree._Element]) -> None:
        sentinel = self.body.sectPr
        for node in elements:
            if self.pending_break:
                target = cast(CT_P, node if node.tag == qn("w:p") else _spacer())
                target.get_or_add_pPr().pageBreakBefore_val = True
                if target is not node:  # a table: a tiny paragraph carries the break
                    sentinel.addprevious(target)
                self.pending_break = False
            sentinel.addprevious(node)
            self.at_page_start = False

    def _section_break(self, landscape: bool) -> None:
        """End the current section here; the next one starts on a new page."""
        sentinel = self.body.sectPr
        last = sentinel.getprevious()
        if last is None or last.tag != qn("w:p") or last.xpath("./w:pPr/w:sectPr"):
            last = _spacer()
            sentinel.addprevious(last)
        last.set_sectPr(copy.deepcopy(sentinel))
        self.sections.append((self.current, False))
        self._page_setup(Section(sentinel, self.part), landscape)
        self.pending_break = False
        self.at_page_start = True
        self.in_landscape = False

    def _page_setup(self, section: Section, landscape: bool) -> None:
        width, height = self.paper
        if landscape:
            width, height = height, width
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Twips(width), Twips(height)
        top, right, bottom, left, header, footer = self.margins
        section.top_margin, section.bottom_margin = Twips(top), Twips(bottom)
        section.left_margin, section.right_margin = Twips(left), Twips(right)
        section.header_distance, section.footer_distance = Twips(header), Twips(footer)
        section.gutter = Twips(0)

    # ------------------------------------------------------------------------- blocks

    def _block(self, block: Block, place: _Place) -> list[etree._Element]:
        return BLOCK_RULES[type(block)](self, block, place)

    def paragraph_block(self, block: Paragraph) -> list[etree._Element]:
        style = PARAGRAPH_STYLES.get(block.style, "Normal")
        return [paragraph(ppr(style=style), *self._inlines(block.inlines))]

    def nested_landscape(self, block: Landscape, place: _Place) -> list[etree._Element]:
        """A landscape region inside a list or callout: no section of its own."""
        out: list[etree._Element] = []
        for inner in block.blocks:
            out += self._block(inner, place)
        return out

    def heading(self, heading: Heading) -> etree._Element:
        # A report's top headings are "##" (level 2, under the pack's parts); in Word they
        # are Heading 1, so that its outline runs Title, Heading 1, Heading 2.
        shift = max(0, self.current.top_level - 1)
        level = max(1, min(heading.level - shift, 4))
        listed = heading.in_contents and level <= 3
        # Headings kept out of the contents get a look-alike style without an outline
        # level: Word's TOC field would list a real "Heading N" paragraph on update.
        style = f"Heading{level}" if listed or level == 4 else f"HeadingUnlisted{level}"
        runs: list[etree._Element] = []
        indent: dict[str, str] | None = None
        if heading.prefix and heading.hanging:
            runs += [text_run(heading.prefix), tab_run()]
        elif heading.prefix:  # a word label ("Appendix A:") runs on, without the hang
            runs.append(text_run(f"{heading.prefix} "))
            indent = {"left": "0", "hanging": "0"}
        elif listed:
            indent = {"left": "0", "hanging": "0"}
        runs += self._inlines(heading.title)
        runs = self._bookmarked(heading.anchor, runs)
        props = ppr(
            style=style,
            page_break_before=heading.page_break_before and not self.at_page_start,
            ind=indent,
        )
        return paragraph(props, *runs)

    def _bookmarked(self, anchor: str, runs: list[etree._Element]) -> list[etree._Element]:
        if not anchor:
            return runs
        start, end = bookmark(self.bookmarks.name(anchor), self.bookmarks.new_id())
        return [start, *runs, end]

    def list_block(self, block: ListBlock, place: _Place, level: int) -> list[etree._Element]:
        num = self.numbering.new_list(block.ordered, max(block.start, 1), level)
        out: list[etree._Element] = []
        for item in block.items:
            first = True
            for inner in item:
                if isinstance(inner, Paragraph):
                    style = PARAGRAPH_STYLES.get(inner.style, "Normal")
                    if style == "Normal":
                        style = "ListParagraph"
                    if first:
                        props = ppr(style=style, num=(num, level))
                    else:
                        props = ppr(style=style, ind={"left": self.numbering.indent(level)})
                    out.append(paragraph(props, *self._inlines(inner.inlines)))
                elif isinstance(inner, ListBlock):
                    if first:  # an item that starts with a sub-list still gets its marker
                        out.append(paragraph(ppr(style="ListParagraph", num=(num, level))))
                    out += self.list_block(inner, place, level + 1)
                else:
                    inner_place = _Place(place.width - self.numbering.indent(level), place.height)
                    out += self._block(inner, inner_place)
                first = False
            if first:
                out.append(paragraph(ppr(style="ListParagraph", num=(num, level))))
        return out

    # ------------------------------------------------------------------------- inlines

    def _inlines(self, nodes: list[Inline], look: _Look = _Look()) -> list[etree._Element]:
        out: list[etree._Element] = []
        for node in nodes:
            out += INLINE_RULES[type(node)](self, node, look)
        return out

    def text(self, node: Text, look: _Look) -> list[etree._Element]:
        props = rpr(
            style="Code" if node.code else "",
            bold=look.bold or node.bold,
            italic=look.italic or node.italic,
            color=look.color,
        )
        return [text_run(node.text, props)]

    def link(self, node: Link, look: _Look) -> list[etree._Element]:
        inner = self._inlines(node.children, look)
        url = safe_url(node.url)
        if url is None:  # javascript:, data:, file: ...: the text without the link
            return inner
        rel = self.part.relate_to(url, RT.HYPERLINK, is_external=True)
        for run in inner:
            _restyle(run, "Hyperlink")
        return [external_link(rel, inner)]

    def note_ref(self, node: FootnoteRef, look: _Look) -> list[etree._Element]:
        run = text_run(str(node.number), rpr(style="FootnoteReference", color=look.color))
        if node.number in self.current.footnotes:
            return [internal_link(self._note_name(node.number), [run])]
        return [run]

    def xref(self, xref: XRef, look: _Look) -> list[etree._Element]:
        text = xref.text or plain_text([xref])
        props = rpr(bold=look.bold, italic=look.italic, color=look.color)
        kind = self.kinds.get(xref.anchor) if xref.anchor else None
        if kind is None:  # unresolved: resolution has reported it; show the text
            return [text_run(text, props)]
        name = self.bookmarks.name(xref.anchor)
        seq = self.table_seq if kind == "table" else self.figure_seq
        if (
            xref.number
            and kind in ("table", "figure")
            and seq
            and self.caption_labels.get(xref.anchor) == text
        ):
            return field_runs(f"REF {name} \\h", text, props)
        return [internal_link(name, [text_run(text, props)])]

    # -------------------------------------------------------------------------- tables

    def _caption(self, block: Table | Figure, seq: bool) -> list[etree._Element]:
        """'Table 4: Income by source', with a bookmark around 'Table 4' only."""
        runs: list[etree._Element] = []
        if block.label:
            word = block.label_word
            label = [text_run(f"{word} ")]
            if seq:
                label += field_runs(f"SEQ {word} \\* ARABIC", block.number)
            else:
                label.append(text_run(block.number))
            runs += self._bookmarked(block.anchor, label)
            if block.separator:
                runs.append(text_run(block.separator))
        runs += self._inlines(block.caption)
        return runs

    def table(self, table: Table, place: _Place) -> list[etree._Element]:
        out: list[etree._Element] = []
        if table.caption or table.number:
            runs = self._caption(table, self.table_seq)
            out.append(paragraph(ppr(style="Caption", keep_next=True), *runs))
        if not table.columns or not table.rows:  # Word refuses a table without rows
            return out
        widths = fit_columns(
            [c.width for c in table.columns], self._column_needs(table), place.width
        )
        tbl = el("w:tbl")
        has_header = table.header and bool(table.rows)
        look = {
            "w:firstRow": "1" if has_header else "0",
            "w:lastRow": "0",
            "w:firstColumn": "1" if table.key_value else "0",
            "w:lastColumn": "0",
            "w:noHBand": "1",
            "w:noVBand": "1",
        }
        look_val = (0x20 if has_header else 0) | (0x80 if table.key_value else 0) | 0x600
        tbl_pr = el(
            "w:tblPr",
            None,
            val("w:tblStyle", "PlanTable"),
            el("w:tblW", {"w:w": str(sum(widths)), "w:type": "dxa"}),
            el("w:tblLayout", {"w:type": "fixed"}),
            el("w:tblLook", {"w:val": f"{look_val:04X}", **look}),
        )
        summary = plain_text(table.caption)
        alt = f"{table.label}{table.separator}{summary}" if table.label else summary
        if alt:
            tbl_pr.append(val("w:tblCaption", xml_safe(alt)))
        # The description a screen reader offers: the caption and what the columns hold.
        names = [plain_text(c.inlines).strip() for c in table.rows[0].cells] if has_header else []
        columns = "Columns: " + ", ".join(n for n in names if n) if any(names) else ""
        description = ". ".join(part for part in (alt, columns) if part)
        if description:
            tbl_pr.append(val("w:tblDescription", xml_safe(description)))
        tbl.append(tbl_pr)
        tbl.append(el("w:tblGrid", None, *(el("w:gridCol", {"w:w": str(w)}) for w in widths)))
        for index, row in enumerate(table.rows):  # the first row is the header row
            tbl.append(self._row(table, row, widths, header=has_header and index == 0))
        out += [tbl, _spacer()]
        return out

    def _column_needs(self, table: Table) -> list[int]:
        """Per column, the width its longest word needs (twips, with the cell margins)."""
        size = self.look.sizes.table  # the Table Text style
        needs = [0] * len(table.columns)
        for row_index, row in enumerate(table.rows):
            column = 0
            for index, cell in enumerate(row.cells):
                span = max(1, cell.colspan)
                if span == 1 and column < len(needs):
                    bold = (
                        (table.header and row_index == 0)
                        or row.kind != "body"
                        or (table.key_value and index == 0)
                    )
                    text = plain_text(cell.inlines).strip()
                    need = longest_word(text, size, bold) + CELL_PADDING
                    needs[column] = max(needs[column], need)
                column += span
        return needs

    def _row(self, table: Table, row: Row, widths: list[int], header: bool) -> etree._Element:
        tr = el("w:tr")
        tr_pr = el("w:trPr", None, el("w:cantSplit"))
        if header:
            tr_pr.append(el("w:tblHeader"))
        tr.append(tr_pr)
        column = 0
        cells = list(row.cells)
        for index, cell in enumerate(cells):
            span = max(1, min(cell.colspan, len(widths) - column))
            if span <= 0:
                break
            width = sum(widths[column : column + span])
            numeric = any(c.numeric for c in table.columns[column : column + span])
            fill, look, style = "", _Look(), "TableText"
            if header or (table.key_value and index == 0):  # a header cell
                fill, style = hex6(self.colours.table_header), "TableHeading"
                look = _Look(bold=True, color=hex6(self.colours.table_header_text))
            elif row.kind in ("total", "subtotal"):
                fill, look = hex6(self.colours.total_row), _Look(bold=True)
            inlines = list(cell.inlines)  # labelling put the word in a bare RAG cell
            if cell.rag and not header:
                fill, color = (hex6(colour) for colour in self.colours.rag(cell.rag))
                look = _Look(bold=look.bold, color=color)
            align = cell.align
            if align == "left" and numeric:
                align = "right"
            jc = {"left": "", "right": "right", "center": "center"}[align]
            runs = self._inlines(inlines, look)
            if index == 0 and row.anchor:
                runs = self._bookmarked(row.anchor, runs)
            tc_pr = el("w:tcPr", None, el("w:tcW", {"w:w": str(width), "w:type": "dxa"}))
            if span > 1:
                tc_pr.append(val("w:gridSpan", span))
            if fill:
                tc_pr.append(el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": fill}))
            tr.append(el("w:tc", None, tc_pr, paragraph(ppr(style=style, jc=jc), *runs)))
            column += span
        while column < len(widths):  # a short row: pad to the grid
            tc_pr = el("w:tcPr", None, el("w:tcW", {"w:w": str(widths[column]), "w:type": "dxa"}))
            tr.append(el("w:tc", None, tc_pr, paragraph(ppr(style="TableText"))))
            column += 1
        return tr

    def callout(self, callout: Callout, place: _Place) -> list[etree._Element]:
        """Text set apart: paragraphs with a thick rule on the left and a tint, which Word
        draws as one box; not a table, so a screen reader does not announce one."""
        kind = self.look.callouts.of(callout.kind)
        accent, fill = hex6(kind.rule), hex6(kind.fill)
        rule = round(self.look.callouts.rule_width * 8)  # eighths of a point
        down, across = self.look.spacing.callout_padding  # points
        # A border's space is in whole points, at most 31; the text keeps its column.
        space_down, space_across = (min(31, round(value)) for value in (down, across))
        indent, right = pt(space_across) + pt(self.look.callouts.rule_width), pt(space_across)
        inner = _Place(place.width - indent - right, place.height)
        content: list[etree._Element] = []
        if callout.title:
            content.append(
                paragraph(
                    ppr(keep_next=True, spacing={"after": "60"}),
                    text_run(callout.title, rpr(bold=True, color=hex6(self.colours.primary))),
                )
            )
        for block in callout.blocks:
            content += self._block(block, inner)
        if not content:
            return []
        # The last paragraph's space after would pad the foot of the box: take it away.
        if content[-1].tag == qn("w:p"):
            props: Any = cast(CT_P, content[-1]).get_or_add_pPr()  # python-docx's metaclass
            spacing = props.get_or_add_spacing()
            if spacing.get(qn("w:after")) is None:
                spacing.set(qn("w:after"), "0")
        # Top, bottom and right borders in the tint pad the box; identical borders on
        # consecutive paragraphs make Word draw them as one box.
        sides = {
            "top": ("single", 4, fill, space_down),
            "left": ("single", rule, accent, space_across),
            "bottom": ("single", 4, fill, space_down),
            "right": ("single", 4, fill, space_across),
        }
        for element in content:
            if element.tag != qn("w:p"):
                continue  # a real table inside a callout stays a table
            put_ppr(element, border_set("w:pBdr", sides))
            put_ppr(element, el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": fill}))
            if element.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is None:
                put_ppr(element, el("w:ind", {"w:left": str(indent), "w:right": str(right)}))
        return [*content, _spacer()]

    # ------------------------------------------------------------------------- figures

    def _picture(self, data: bytes, width: int, height: int, alt: str, title: str):
        """A picture scaled to `width` twips, or smaller to stay within `height`.

        `data` is a PNG, JPEG or GIF checked and decoded before the writers (or a chart
        drawn as PNG): the writer embeds those bytes and never reads a file.
        """
        inline = self.part.new_pic_inline(io.BytesIO(data), Emu(width * EMU_PER_TWIP), None)
        if inline.extent.cy > height * EMU_PER_TWIP:
            inline = self.part.new_pic_inline(io.BytesIO(data), None, Emu(height * EMU_PER_TWIP))
        self.shape_ids += 1
        inline.docPr.set("id", str(self.shape_ids))
        inline.docPr.set("name", f"Picture {self.shape_ids}")
        inline.docPr.set("descr", xml_safe(alt))
        if title:
            inline.docPr.set("title", xml_safe(title))
        for c_nv_pr in inline.xpath(".//pic:cNvPr"):
            c_nv_pr.set("id", str(self.shape_ids))
            c_nv_pr.set("descr", xml_safe(alt))
        return el("w:r", None, el("w:drawing", None, inline))

    def figure(self, figure: Figure, place: _Place) -> list[etree._Element]:
        fraction = min(max(figure.width_fraction, 0.1), 1.0)
        caption_text = plain_text(figure.caption)
        width, height = int(place.width * fraction), int(place.height * 0.75)
        # A chart drawn from the data comes as PNG bytes at print resolution.
        if figure.chart is not None:
            data = figure.chart.png() if self.drawn else figure.chart.blank_png()
        elif figure.image is not None and figure.image.format != "svg":
            data = figure.image.data
        else:
            return []  # composition makes no such figure: a figure is a PNG, JPEG or GIF
        run = self._picture(data, width, height, figure.alt, caption_text)
        picture = paragraph(
            ppr(keep_next=True, spacing={"before": "120", "after": "0"}, jc="center"), run
        )
        out = [picture]
        if figure.caption or figure.number:
            runs = self._caption(figure, self.figure_seq)
            out.append(paragraph(ppr(style="Caption", jc="center"), *runs))
        return out

    def _note_name(self, number: int) -> str:
        """A note's bookmark: note_3, or note_a1_3 in a part of a binder."""
        key = re.sub(r"[^A-Za-z0-9]", "", self.current.key) if len(self.doc.parts) > 1 else ""
        return f"note_{key}_{number}" if key else f"note_{number}"

    def _note_id(self, number: int) -> int:
        return 1_000_000 + 1000 * self.doc.parts.index(self.current) + number

    def title_page(self, page: TitlePage, anchor: str) -> list[etree._Element]:
        """A part's title page: the lines above, its label and title, the lines below."""
        before = {"before": pt(self.look.spacing.title_page_before)}
        out = [
            paragraph(ppr(style="CoverText", spacing=before), text_run(line))
            for line in page.before
        ]
        title = self._bookmarked(anchor, [text_run(f"{page.label} {page.title}")])
        out.append(paragraph(ppr(style="Title"), *title))
        out += [paragraph(ppr(style="CoverText"), text_run(line)) for line in page.after]
        return out

    def _logo(self, logo: ImageData) -> list[etree._Element]:
        """The logo at the top right of a cover; none for an SVG logo, which a Word file
        cannot hold (composition reported it: `logo.svg-word`)."""
        if logo.format == "svg":
            return []
        alt = f"{self.info.author} logo"
        page = self.look.page
        size = mm(page.logo_width_mm), mm(page.logo_height_mm)
        run = self._picture(logo.data, *size, alt, "")
        return [paragraph(ppr(jc="right", spacing={"after": "240"}), run)]

    # ------------------------------------------------------------------------ contents

    def contents(self, contents: Contents) -> list[etree._Element]:
        out = [paragraph(ppr(style="ContentsHeading"), text_run(contents.title))]
        entries = contents.entries
        instruction = 'TOC \\o "1-3" \\h \\z \\u'
        if not entries:
            out.append(paragraph(None, *field_begin(instruction), field_end()))
            return out
        for index, entry in enumerate(entries):
            name = self.bookmarks.name(entry.anchor)
            label: list[etree._Element] = []
            if entry.prefix and entry.hanging:
                label += [text_run(entry.prefix), tab_run(), text_run(entry.text)]
            elif entry.prefix:
                label.append(text_run(f"{entry.prefix} {entry.text}"))
            else:
                label.append(text_run(entry.text, rpr(bold=True) if entry.part else None))
            page = self.pages.get(entry.anchor)
            label.append(tab_run())
            label += field_runs(f"PAGEREF {name} \\h", str(page) if page else "")
            runs: list[etree._Element] = []
            if index == 0:
                runs += field_begin(instruction)
            runs.append(internal_link(name, label))
            if index == len(entries) - 1:
                runs.append(field_end())
            out.append(paragraph(ppr(style=f"TOC{entry.level}"), *runs))
        return out

    # ---------------------------------------------------------------- signature, notes

    def signature(self, sig: Signature) -> list[etree._Element]:
        """One block per signatory, kept together on a page, with a line to sign on."""
        lines = sig.lines
        out = []
        for index, (label, value) in enumerate(lines):
            last = index == len(lines) - 1
            spacing: dict[str, str] | None = {"before": "360", "after": "480"} if last else None
            props = ppr(style="Signature", spacing=spacing)
            if last:  # the block ends here: the next one may go to another page
                cast(CT_PPr, props).insert_element_before(
                    cast(Any, val("w:keepNext", "0")), "w:keepLines", "w:spacing", "w:rPr"
                )
            runs = [text_run(label, rpr(bold=True)), text_run(f" {value}")]
            out.append(paragraph(props, *runs))
        return out

    def _notes(self, part: Part) -> list[etree._Element]:
        out = [paragraph(ppr(style="HeadingUnlisted1"), text_run(part.notes_title))]
        for number in sorted(part.footnotes):
            blocks = part.footnotes[number]
            start, end = _note_bookmark(self._note_name(number), self._note_id(number))
            marker = [start, text_run(str(number)), end, tab_run()]
            first, rest = (blocks[0], blocks[1:]) if blocks else (None, [])
            if isinstance(first, Paragraph):
                out.append(paragraph(ppr(style="NoteText"), *marker, *self._inlines(first.inlines)))
            else:
                out.append(paragraph(ppr(style="NoteText"), *marker))
                rest = blocks
            for block in rest:
                out += self._block(block, self.portrait)
        return out

    # --------------------------------------------------------------- headers, footers

    def _headers_and_footers(self) -> None:
        """Each section's header and footer, from its part's running header and footer."""
        for section, (part, set_apart) in zip(self.word.sections, self.sections, strict=True):
            assert section.page_width is not None  # every section's page size is set
            width = int(section.page_width.twips) - self.across
            section.different_first_page_header_footer = set_apart
            header, footer = section.header, section.footer
            header.is_linked_to_previous = footer.is_linked_to_previous = False
            _fill(header.part.element, self._header(part, width))
            _fill(footer.part.element, self._footer(part, width))
            if set_apart:
                first_header = section.first_page_header
                first_header.is_linked_to_previous = False
                marks = [self._watermark(width, part.draft_mark)] if part.draft_mark else []
                _fill(first_header.part.element, paragraph(ppr(style="Header"), *marks))
                first_footer = section.first_page_footer
                first_footer.is_linked_to_previous = False
                _fill(first_footer.part.element, paragraph(ppr(style="Footer")))

    def _rule(self) -> tuple[str, int, str, int]:
        rule = self.look.table_rule
        return ("single", eighths(rule), hex6(rule.colour), 4)

    def _header(self, part: Part, width: int) -> etree._Element:
        runs = [text_run(part.running_header)]
        if part.draft_mark:  # the status is in the header's words; the mark behind the text
            runs.append(self._watermark(width, part.draft_mark))
        props = ppr(
            style="Header",
            border=border_set("w:pBdr", {"bottom": self._rule()}),
            tabs=[("right", width, "")],
        )
        return paragraph(props, *runs)

    def _footer(self, part: Part, width: int) -> etree._Element:
        page, of = self.doc.page_words
        total = str(self.total_pages) if self.total_pages else ""
        runs = [
            text_run(part.footer),
            tab_run(),
            text_run(f"{page} "),
            *field_runs("PAGE", "1"),
            text_run(f" {of} "),
            *field_runs("NUMPAGES", total or "1"),
        ]
        props = ppr(
            style="Footer",
            border=border_set("w:pBdr", {"top": self._rule()}),
            tabs=[("right", width, "")],
        )
        return paragraph(props, *runs)

    def _watermark(self, width: int, text: str) -> etree._Element:
        self.watermarks += 1
        mark = self.look.watermark
        width_pt = width / 20 * mark.width
        return watermark_run(
            text,
            hex6(mark.colour),
            mark.font,
            width_pt,
            width_pt / 3.2,
            self.watermarks,
            opacity=mark.opacity,
            angle=mark.angle,
        )

    # ----------------------------------------------------------------- package, props

    def _clean_package(self) -> None:
        """Drop python-docx's template leftovers: thumbnail, Word 2010 styles, customXml."""
        package_rels = self.part.package.rels
        for rel_id, rel in list(package_rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                _drop(package_rels, rel_id)
        drop = {
            RT.CUSTOM_XML,
            "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
        }
        for rel_id, rel in list(self.part.rels.items()):
            if rel.reltype in drop:
                _drop(self.part.rels, rel_id)
        settings = self.word.settings.element
        for tag in ("w:rsids", "w:savePreviewPicture", "w:proofState"):
            for node in settings.findall(qn(tag)):
                settings.remove(node)
        for node in settings.findall(qn("w14:docId")):
            settings.remove(node)
        for node in settings.findall(qn("w:themeFontLang")):
            node.attrib.clear()
            node.set(qn("w:val"), "en-GB")
        for node in settings.iter(qn("w:compatSetting")):
            if node.get(qn("w:name")) == "compatibilityMode":
                node.set(qn("w:val"), "15")  # Word 2013+, not "Compatibility Mode"
        for rel in list(self.part.rels.values()):
            if rel.reltype == RT.THEME:
                blob = rel.target_part.blob.decode("utf-8")
                blob = re.sub(
                    r'(<a:majorFont>\s*<a:latin typeface=")[^"]*',
                    lambda m: m.group(1) + xml_attr(self.look.fonts.heading),
                    blob,
                )
                blob = re.sub(
                    r'(<a:minorFont>\s*<a:latin typeface=")[^"]*',
                    lambda m: m.group(1) + xml_attr(self.look.fonts.body),
                    blob,
                )
                replace_blob(self.part.package, rel.target_part, blob.encode("utf-8"))

    def _properties(self) -> None:
        """The core properties (title, author...), as plan text cleaned like every run."""
        info = self.info
        props = self.word.core_properties
        props.title = xml_safe(info.title)
        props.subject = xml_safe(info.subject)
        props.author = xml_safe(info.author)
        props.keywords = xml_safe(", ".join(info.keywords))
        props.comments = ""
        props.category = ""
        props.language = language_tag(info.language)
        props.revision = 1
        stamp = _timestamp(info.date)
        props.created = stamp
        props.modified = stamp
        fonts = sorted({self.look.fonts.body, self.look.fonts.heading, self.look.fonts.mono})
        package = self.part.package
        replace_named(package, "/docProps/app.xml", _app_xml(self.total_pages))
        replace_named(package, "/word/fontTable.xml", _font_table(fonts))


# The writer's rule for every node type of the model (a test holds it to the model's list).
BLOCK_RULES: dict[type, Callable[[_Writer, Any, _Place], list[etree._Element]]] = {
    Heading: lambda w, block, place: [w.heading(block)],
    Paragraph: lambda w, block, place: w.paragraph_block(block),
    ListBlock: lambda w, block, place: w.list_block(block, place, level=0),
    Callout: _Writer.callout,
    Table: _Writer.table,
    Figure: _Writer.figure,
    Contents: lambda w, block, place: w.contents(block),
    PageBreak: lambda w, block, place: [paragraph(None, break_run("page"))],
    Landscape: _Writer.nested_landscape,
    Signature: lambda w, block, place: w.signature(block),
    TitlePage: lambda w, block, place: w.title_page(block, ""),
}
INLINE_RULES: dict[type, Callable[[_Writer, Any, _Look], list[etree._Element]]] = {
    Text: _Writer.text,
    Link: _Writer.link,
    XRef: _Writer.xref,
    LineBreak: lambda w, node, look: [break_run()],
    FootnoteRef: _Writer.note_ref,
}


# ------------------------------------------------------------------------------ helpers


def _spacer() -> etree._Element:
    """A small empty paragraph after a table (Word merges adjacent tables otherwise)."""
    return paragraph(
        ppr(spacing={"before": "0", "after": "0", "line": "240"}, run_props=rpr(size_pt=6))
    )


def _restyle(run: etree._Element, style: str) -> None:
    props = run.find(qn("w:rPr"))
    if props is None:
        props = el("w:rPr")
        run.insert(0, props)
    existing = props.find(qn("w:rStyle"))
    if existing is not None:
        props.remove(existing)
    props.insert(0, val("w:rStyle", style))


def _fill(story: etree._Element, *paragraphs: etree._Element) -> None:
    """Replace the content of a header or footer part."""
    for child in list(story):
        story.remove(child)
    for p in paragraphs:
        story.append(p)


def _drop(rels, rel_id: str) -> None:
    drop_relationship(rels, rel_id)


def _note_bookmark(name: str, ident: int):
    return bookmark(name, ident)


def _timestamp(date: dt.date) -> dt.datetime:
    """The plan's date at midnight UTC, unless SOURCE_DATE_EPOCH says otherwise.

    The command line refuses a malformed SOURCE_DATE_EPOCH before building (exit 2); a
    caller of the library that did not gets the plan's date rather than an exception.
    """
    try:
        stamp = source_date_epoch()
    except SourceDateEpochError:
        stamp = None
    return stamp or dt.datetime(date.year, date.month, date.day)


def _app_xml(total_pages: int | None) -> bytes:
    pages = f"<Pages>{total_pages}</Pages>" if total_pages else ""
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/docPropsVTypes"><Application>bcf-docgen</Application>{pages}'
        "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
        "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
    ).encode()


def _font_table(fonts: list[str]) -> bytes:
    """The fonts the styles use (the template listed Calibri, Cambria and friends)."""
    entries = "".join(f'<w:font w:name="{_attr(name)}"/>' for name in fonts)
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"{entries}</w:fonts>"
    ).encode()


def _attr(value: str) -> str:
    return xml_attr(value)


def _normalise_zip(data: bytes) -> bytes:
    """The same entries in the same order with fixed dates, so equal input = equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(entry.filename), compresslevel=6)
    return out.getvalue()
