"""Page flow: which content goes on landscape pages, decided once for both writers.

A landscape region starts and ends a page, so every one costs the reader a turn of the
page and usually leaves part of a portrait page empty. Composition therefore settles
the regions before any writer sees them (`settle`, run by `assemble.finish`):

1. **Only what needs it.** A region made by `::: landscape` (marked `fit`) stays
   landscape only if a table in it does not fit a portrait page: its longest words do
   not fit the portrait text width, or its rows would be too tall there (see
   `Measure.table_fits`). Tables of one shape (the same columns: each scheme's
   expenditure) are turned alike. A region that fits is dissolved where it stands.
2. **One run, not several.** Regions that follow each other (with at most page
   breaks between them) become one, so no empty portrait page sits between them.
3. **No stranded lead-in.** When what comes before a region since the last page start
   (a chapter's heading and introduction, say) would fill less than a third of a
   portrait page, it joins the region.
4. **No page cut short in flowing text.** A `fit` region that comes after more than
   that would end a portrait page wherever the text happens to stop, so it waits for
   the end of its chapter, where a page ends anyway. A region the author placed
   (`::: landscape always`, a `landscape: true` section) stays, and the headings
   directly before it join it, so that no heading ends a page.

The heights here are estimates (the text measures the Word writer sizes columns with);
they only tell "short" from "not short", which they do with room to spare.
"""

from __future__ import annotations

from dataclasses import dataclass

from .look import Look
from .measure import fit_columns, lines_needed, longest_word
from .model import (
    Block,
    Callout,
    Document,
    Figure,
    Heading,
    Landscape,
    ListBlock,
    PageBreak,
    Paragraph,
    Signature,
    Table,
    plain_text,
)

TWIPS_PER_MM = 1440 / 25.4
CELL_SLACK = 60  # twips beyond the cell margins, as the Word writer allows
# A table fits a portrait page when its rows there are on average at most this many
# lines tall (more and a landscape page reads better)...
MOST_LINES_PER_ROW = 4.0
# ...and it takes at most this many times the lines it takes on a landscape page.
MOST_GROWTH = 2.0
LEAD_IN_SHARE = 1 / 3  # a lead-in shorter than this share of a portrait page joins
MOVABLE = (Heading, Paragraph, ListBlock, Callout, Table)


@dataclass(frozen=True)
class Frame:
    """The text area of a page, in twips."""

    width: int
    height: int


class Measure:
    """Estimates, in twips, from the look: the room on a page and what blocks take."""

    def __init__(self, look: Look):
        self.look = look
        page = look.page
        across = page.margin_left_mm + page.margin_right_mm
        down = page.margin_top_mm + page.margin_bottom_mm
        self.portrait = Frame(
            round((page.width_mm - across) * TWIPS_PER_MM),
            round((page.height_mm - down) * TWIPS_PER_MM),
        )
        self.landscape = Frame(
            round((page.height_mm - across) * TWIPS_PER_MM),
            round((page.width_mm - down) * TWIPS_PER_MM),
        )
        self.cell_padding = round(2 * look.spacing.cell_padding[1] * 20) + CELL_SLACK

    # -- tables ------------------------------------------------------------------

    def _needs(self, table: Table) -> list[int]:
        """Per column, its longest word with the cell margins (twips)."""
        size = self.look.sizes.table
        needs = [0] * len(table.columns)
        for index, row in enumerate(table.rows):
            column = 0
            for place, cell in enumerate(row.cells):
                if cell.colspan <= 1 and column < len(needs):
                    bold = _bold(table, index, place)
                    word = longest_word(plain_text(cell.inlines), size, bold)
                    needs[column] = max(needs[column], word + self.cell_padding)
                column += max(1, cell.colspan)
        return needs

    def table_lines(self, table: Table, width: int) -> int | None:
        """How many lines the table's rows take set `width` twips wide (None: its
        longest words alone are wider than that)."""
        needs = self._needs(table)
        if sum(needs) > width:
            return None
        widths = fit_columns([c.width for c in table.columns], needs, width)
        size = self.look.sizes.table
        total = 0
        for index, row in enumerate(table.rows):
            column, tallest = 0, 1
            for place, cell in enumerate(row.cells):
                span = max(1, cell.colspan)
                room = sum(widths[column : column + span]) - self.cell_padding
                text = plain_text(cell.inlines)
                tallest = max(tallest, lines_needed(text, size, room, _bold(table, index, place)))
                column += span
            total += tallest
        return total

    def table_fits(self, table: Table) -> bool:
        """True when the table reads well on a portrait page: its words fit, and its rows
        are neither tall on average nor much taller than on a landscape page."""
        portrait = self.table_lines(table, self.portrait.width)
        if portrait is None or not table.rows:
            return portrait is not None
        landscape = self.table_lines(table, self.landscape.width) or portrait
        return (
            portrait / len(table.rows) <= MOST_LINES_PER_ROW and portrait <= MOST_GROWTH * landscape
        )

    # -- heights -------------------------------------------------------------------

    def height(self, blocks: list[Block], width: int) -> int:
        """About how tall `blocks` are set `width` twips wide (twips)."""
        return sum(self._height(block, width) for block in blocks)

    def shorter_than(self, blocks: list[Block], width: int, limit: float) -> bool:
        """True when `blocks` are less than `limit` twips tall; stops measuring once the
        limit is passed, so a long chapter before a table costs no more than a page."""
        total = 0
        for block in reversed(blocks):
            total += self._height(block, width)
            if total >= limit:
                return False
        return True

    def _height(self, block: Block, width: int) -> int:
        look, sp = self.look, self.look.spacing
        if isinstance(block, Heading):
            size = look.sizes.heading(block.level)
            before, after = sp.heading(block.level)
            lines = lines_needed(f"{block.prefix} {plain_text(block.title)}", size, width, True)
            return round((lines * size * sp.heading_line + before + after) * 20)
        if isinstance(block, Paragraph):
            size = look.sizes.small if block.style in ("small", "note") else look.sizes.body
            lines = lines_needed(plain_text(block.inlines), size, width)
            return round((lines * size * sp.line + sp.paragraph_after) * 20)
        if isinstance(block, ListBlock):
            indent = round(sp.list_indent_mm * TWIPS_PER_MM)
            items = sum(self.height(item, width - indent) for item in block.items)
            return items + round(sp.paragraph_after * 20)
        if isinstance(block, Callout):
            pad_y, pad_x = sp.callout_padding
            inner = self.height(block.blocks, width - round(2 * pad_x * 20))
            return inner + round((2 * pad_y + sp.block_after) * 20)
        if isinstance(block, Table):
            return self._table_height(block, width)
        if isinstance(block, Figure):
            ratio = 0.5
            if block.image is not None and block.image.width and block.image.height:
                ratio = block.image.height / block.image.width
            caption = look.sizes.caption * sp.heading_line * 2 + sp.caption + sp.block_after
            return round(width * block.width_fraction * ratio + caption * 20)
        if isinstance(block, Signature):
            return round(len(block.lines or [0] * 4) * look.sizes.body * sp.line * 20 * 2)
        return 0

    def _table_height(self, table: Table, width: int) -> int:
        sp, size = self.look.spacing, self.look.sizes.table
        lines = self.table_lines(table, width)
        if lines is None:
            lines = 3 * len(table.rows)
        per_row = 2 * (sp.cell_padding[0] + sp.cell_text_gap)
        caption = self.look.sizes.caption * sp.heading_line + 2 * sp.caption if table.caption else 0
        points = lines * size * sp.heading_line + len(table.rows) * per_row
        return round((points + caption + sp.block_after) * 20)


def _bold(table: Table, row_index: int, place: int) -> bool:
    row = table.rows[row_index]
    return (
        (table.header and row_index == 0) or row.kind != "body" or (table.key_value and place == 0)
    )


# ----------------------------------------------------------------------------- the pass


def settle(document: Document) -> None:
    """Settle every part's landscape regions (see the module's description)."""
    measure = Measure(document.look)
    for part in document.parts:
        part.blocks = settle_blocks(part.blocks, measure)


def settle_blocks(blocks: list[Block], measure: Measure) -> list[Block]:
    """A part's top-level blocks with their landscape regions settled."""
    return _merge(_place(_merge(_decide(blocks, measure)), measure))


def _shape(table: Table) -> tuple[str, ...]:
    """Tables with the same columns are one kind (each scheme's expenditure, say)."""
    return tuple(column.header for column in table.columns)


def _decide(blocks: list[Block], measure: Measure) -> list[Block]:
    """Regions that may be portrait and whose tables all fit there are dissolved.

    Tables of one shape are laid out alike: if one of them needs a landscape page, all
    of them have one, so a reader does not find each scheme's spending turned another
    way."""
    portrait: dict[tuple[str, ...], bool] = {}
    for block in blocks:
        if isinstance(block, Landscape) and block.fit:
            for table in block.blocks:
                if isinstance(table, Table):
                    shape = _shape(table)
                    portrait[shape] = portrait.get(shape, True) and measure.table_fits(table)
    out: list[Block] = []
    for block in blocks:
        if not isinstance(block, Landscape):
            out.append(block)
            continue
        tables = [b for b in block.blocks if isinstance(b, Table)]
        if block.fit and all(portrait[_shape(t)] for t in tables):
            for table in tables:
                table.wide = False
            out.extend(block.blocks)
            continue
        for table in tables:
            table.wide = True
        out.append(block)
    return out


def _merge(blocks: list[Block]) -> list[Block]:
    """Regions with nothing but page breaks between them become one region."""
    out: list[Block] = []
    breaks: list[Block] = []
    for block in blocks:
        if isinstance(block, PageBreak) and out and isinstance(out[-1], Landscape):
            breaks.append(block)
            continue
        if isinstance(block, Landscape) and out and isinstance(out[-1], Landscape):
            previous = out[-1]
            out[-1] = Landscape([*previous.blocks, *breaks, *block.blocks], previous.fit)
        else:
            out.extend(breaks)
            out.append(block)
        breaks = []
    out.extend(breaks)
    return out


def _place(blocks: list[Block], measure: Measure) -> list[Block]:
    """Where each region goes, and what goes with it.

    A short lead-in since the last page start joins the region. A region that comes in
    the middle of flowing text would end a portrait page wherever the text happens to
    stop: one made by `::: landscape` waits for the end of its chapter (where a page
    ends anyway), and regions waiting there become one run. A region the author placed
    (`always`, a landscape section) stays, and takes the headings before it along."""
    chapter = min((b.level for b in blocks if isinstance(b, Heading)), default=1)
    out: list[Block] = []
    waiting: list[Block] = []
    for block in blocks:
        first = block.blocks[0] if isinstance(block, Landscape) and block.blocks else block
        if isinstance(first, Heading) and first.level <= chapter:
            out.extend(waiting)  # the chapter ends: what waited for its end goes here
            waiting = []
        if not isinstance(block, Landscape):
            out.append(block)
            continue
        if isinstance(first, Heading) and first.page_break_before:
            out.append(block)  # it opens a new page itself: nothing is cut short
            continue
        start = _page_start(out)
        if start is not None and measure.shorter_than(
            out[start:], measure.portrait.width, LEAD_IN_SHARE * measure.portrait.height
        ):
            lead = out[start:]
            del out[start:]
            out.append(Landscape([*lead, *block.blocks], block.fit) if lead else block)
        elif block.fit:
            waiting.append(block)
        else:
            moved: list[Block] = []
            while out and isinstance(out[-1], Heading):  # a heading cannot end a page
                moved.insert(0, out.pop())
            out.append(Landscape([*moved, *block.blocks], block.fit) if moved else block)
    return out + waiting


def _page_start(blocks: list[Block]) -> int | None:
    """Where the page that `blocks` end on starts, if only movable blocks lie between:
    the index of a heading that starts a new page, or the index just after a region
    or page break. None when something else intervenes (its page is not known)."""
    index = len(blocks)
    while index > 0:
        block = blocks[index - 1]
        if isinstance(block, Landscape | PageBreak):
            return index
        if not isinstance(block, MOVABLE):
            return None
        if isinstance(block, Heading) and block.page_break_before:
            return index - 1
        index -= 1
    return None
