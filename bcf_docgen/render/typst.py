"""The Typst writer: the document model as Typst source, for the Typst PDF engine.

It walks the same model and reads the same Look as the HTML and Word writers; numbers,
labels and reference texts come resolved in the model. Plan text is untrusted, so no
piece of it is ever written as Typst markup: every text is a Typst *string literal*
(`typst_string`), which Typst prints as it is, and every anchor becomes a label of a
fixed alphabet (`label_name`). The source is thus made only of this writer's own code
and string literals: a plan's `#read("/etc/passwd")` or `]` is text on the page.

Pictures (the plan's checked images, the charts drawn from the data) are not read from
the plan folder: the writer names them and hands their bytes back with the source, so
the engine (`render/typst_pdf.py`) compiles in a folder holding only those.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..document.look import MM_PER_INCH, Look
from ..document.measure import fit_columns, longest_word
from ..document.model import (
    Block,
    Callout,
    Cell,
    Contents,
    ContentsEntry,
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
from ..untrusted import language_tag, safe_url, xml_text

# In a Typst string literal only `\` and `"` end or change it; line breaks and other
# control characters are written as escapes so the source stays one line per block.
_STRING_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029]')
_NAMED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _NAMED.get(ch) or f"\\u{{{ord(ch):x}}}"


def typst_string(text: str) -> str:
    """`text` as a Typst string literal: the only way text from a document enters the
    source. Typst prints a string as it is (no markup, no code), so nothing in it runs."""
    return '"' + _STRING_ESCAPE.sub(_escape, xml_text(text)) + '"'


TWIPS_PER_PT = 20
SLACK_TWIPS = 60  # room beside a cell's longest word, as the Word writer leaves

_LABEL_SAFE = re.compile(r"[A-Za-z0-9_-]")


def label_name(anchor: str) -> str:
    """An anchor as a Typst label: itself when made of [A-Za-z0-9_-], any other character
    written as `.HEX.` (a dot cannot occur otherwise, so two anchors never share one)."""
    return "".join(c if _LABEL_SAFE.fullmatch(c) else f".{ord(c):x}." for c in anchor)


# Until the source is put together, a label's definition (`<name>`) and each reference
# to it (`label("name")`) are tokens: a document too large to lay out at once is laid
# out in parts (render/typst_pdf.py), and a reference to a label in another part must
# then be written as a link that the join points at its page (render/typst_join.py).
# The token characters are control characters, which `typst_string` always escapes, so
# no plan text can make or break a token.
_DEFINE, _REFER, _END = "\x01", "\x02", "\x03"
_TOKEN = re.compile("([\x01\x02])([^\x03]*)\x03")
ELSEWHERE = "https://bcf-docgen.invalid/#"  # a link to a label in another part


def pt(value: float) -> str:
    return f"{float(value):g}pt"


def mm(value: float) -> str:
    return f"{float(value):g}mm"


def colour(value: str) -> str:
    """A look colour (#RRGGBB, checked by the look's grammar) as a Typst colour."""
    return f'rgb("{value}")'


def fonts(names: Iterable[str]) -> str:
    """Font names as a Typst array of strings."""
    return "(" + "".join(f"{typst_string(n)}, " for n in dict.fromkeys(names)) + ")"


@dataclass(frozen=True)
class Layout:
    """Where a part laid out apart sits in the whole: the pages before it, the whole's
    page count, and the pages of the labels it names in other parts, by their link."""

    offset: int = 0
    total: int | None = None
    known: Mapping[str, int] = field(default_factory=dict)


def preamble(document: Document, header: str = "", layout: Layout | None = None) -> str:
    """The set and show rules and helpers: every value from the document's look. `header`
    (a board pack's meeting line) is a running header line above the part's own; `layout`
    places a part laid out apart (the footer's page numbers, the contents' page numbers
    of labels in other parts)."""
    layout = layout or Layout()
    known = "".join(f"{typst_string(k)}: {int(v)}, " for k, v in sorted(layout.known.items()))
    look = document.look
    c, s, sp, page, f = look.colours, look.sizes, look.spacing, look.page, look.fonts
    info = document.info
    lang, _, region = language_tag(info.language).partition("-")
    title = f"{info.title}: {info.area}" if info.area else info.title
    body_font = fonts(f.stack(f.body))
    heading_font = fonts(f.stack(f.heading))
    lines = [
        f"#set document(title: {typst_string(title)}, author: {typst_string(info.author)}, "
        f"description: {typst_string(info.subject)}, "
        f"keywords: ({''.join(typst_string(k) + ', ' for k in info.keywords)}))",
        f'#set text(lang: "{lang.lower()}", '
        + (f'region: "{region.lower()}", ' if len(region) == 2 else "")
        + f"font: {body_font}, size: {pt(s.body)}, fill: {colour(c.text)}, hyphenate: false)",
        f"#set par(justify: false, spacing: {pt(sp.paragraph_after)})",
        f"#let bcf-hl = {sp.heading_line:g}",
        _LINES,
        f"#show: bcf-lines.with({sp.line:g})",
        f"#let bcf-primary = {colour(c.primary)}",
        f"#let bcf-body-font = {body_font}",
        f"#let bcf-heading-font = {heading_font}",
        f"#let bcf-mono-font = {fonts((f.mono, *f.mono_fallbacks))}",
        f"#let bcf-code-fill = {colour(c.code)}",
        f"#let bcf-header-size = {pt(s.header)}",
        f"#let bcf-header-from-top = {mm(page.header_mm)}",
        f"#let bcf-footer-from-bottom = {mm(page.footer_mm)}",
        f"#let bcf-text-width = {mm(page.text_width_mm)}",
        f"#let bcf-text-height = {mm(page.text_height_mm)}",
        f"#let bcf-page-words = ({typst_string(document.page_words[0])}, "
        f"{typst_string(document.page_words[1])})",
        f"#let bcf-footer-left = {typst_string(document.parts[0].footer)}",
        f"#let bcf-header-line = {typst_string(header) if header else 'none'}",
        f'#show heading: set text(font: {heading_font}, fill: {colour(c.primary)}, weight: "bold")',
        "#show heading: it => bcf-lines(bcf-hl, it)",
    ]
    for level in range(1, 5):
        before, after = sp.heading(level)
        style = ', style: "italic"' if level == 4 else ""
        where = f"heading.where(depth: {level})" if level < 4 else "heading.where(depth: 4)"
        lines.append(f"#show {where}: set text(size: {pt(s.heading(level))}{style})")
        lines.append(f"#show {where}: set block(above: {pt(before)}, below: {pt(after)})")
    for level in range(5, 7):
        lines.append(
            f'#show heading.where(depth: {level}): set text(size: {pt(s.h4)}, style: "italic")'
        )
    rule = look.table_rule
    cell_y = sp.cell_padding[0] + sp.cell_text_gap
    lines += [
        f"#set table(stroke: {pt(rule.width)} + {colour(rule.colour)}, "
        f"inset: (x: {pt(sp.cell_padding[1])}, y: {pt(cell_y)}), align: left + top)",
        "#set table.cell(breakable: false)",
        f"#show table: set text(size: {pt(s.table)})",
        "#show table: it => bcf-lines(bcf-hl, it)",
        f"#show table: set block(below: {pt(sp.block_after)})",
        "#show figure: set block(breakable: true)",
        f"#show figure: set block(above: {pt(sp.caption)}, below: {pt(sp.block_after)})",
        f'#show figure.caption: set text(size: {pt(s.caption)}, weight: "bold", '
        f"fill: {colour(c.text)})",
        "#show figure.caption: it => bcf-lines(bcf-hl, it)",
        f"#set figure(gap: {pt(sp.caption)})",
        "#show figure.where(kind: table): set figure.caption(position: top)",
        "#show figure.where(kind: table): set align(left)",
        # As CSS draws a list: the text `list_indent_mm` in, its marker just before it.
        f"#set list(indent: {mm(sp.list_indent_mm * 0.6)}, "
        f"body-indent: {mm(sp.list_indent_mm * 0.2)}, "
        f"spacing: {pt(sp.list_item_after)})",
        f"#set enum(indent: {mm(sp.list_indent_mm * 0.4)}, "
        f"body-indent: {mm(sp.list_indent_mm * 0.2)}, "
        f"spacing: {pt(sp.list_item_after)})",
        f"#let bcf-th(body, al: left, span: 1) = table.cell(colspan: span, align: al, "
        f"fill: {colour(c.table_header)}, text(fill: {colour(c.table_header_text)}, "
        'weight: "bold", body))',
        "#let bcf-td(body, al: left, span: 1, fill: none, ink: none, bold: false) = "
        "table.cell(colspan: span, align: al, fill: fill, { "
        'let weight = if bold { "bold" } else { "regular" }; '
        "if ink == none { text(weight: weight, body) } "
        "else { text(fill: ink, weight: weight, body) } })",
        f"#let bcf-total-fill = {colour(c.total_row)}",
        f"#let bcf-label-fill = {colour(c.table_header)}",
        f"#let bcf-label-ink = {colour(c.table_header_text)}",
        f"#let bcf-text-ink = {colour(c.text)}",
        f"#let bcf-contents-indent = ({', '.join(mm(v) for v in sp.contents_indent_mm)})",
        f"#let bcf-contents-after = {pt(sp.contents_after)}",
        f"#let bcf-contents-level1-before = {pt(sp.contents_level1_before)}",
        f"#let bcf-offset = {int(layout.offset)}",
        f"#let bcf-total = {'none' if layout.total is None else int(layout.total)}",
        f"#let bcf-known = ({known or ':'})",
        _RUNTIME,
        f"#set page(width: {mm(page.width_mm)}, height: {mm(page.height_mm)}, "
        f"margin: (top: {mm(page.margin_top_mm)}, right: {mm(page.margin_right_mm)}, "
        f"bottom: {mm(page.margin_bottom_mm)}, left: {mm(page.margin_left_mm)}), "
        f"fill: {colour(c.background)}, header-ascent: 0pt, footer-descent: 0pt, "
        "header: bcf-header(), footer: bcf-footer(), background: bcf-background())",
    ]
    return "\n".join(lines) + "\n"


# A CSS line height is the whole line box, with half of what it adds to the font's own
# height (ascender to descender) above the text and half below. Typst's lines are as
# high as their top and bottom edges say, so the edges are set where CSS's line box
# ends (measured from the font where the text is set) and the leading is nil.
_LINES = r"""
#let bcf-lines(line, body) = context {
  let up = measure(text(top-edge: "ascender", bottom-edge: "baseline", "x")).height / text.size
  let down = measure(text(top-edge: "baseline", bottom-edge: "descender", "x")).height / text.size
  let half = (line - up - down) / 2
  set text(top-edge: (up + half) * 1em, bottom-edge: -(down + half) * 1em)
  set par(leading: 0em)
  body
}
"""

# The writer's own Typst code (no plan text): the running header and footer from the
# marks the body sets, the draft mark behind the text, the contents' lines.
_RUNTIME = r"""
#let bcf-mark(kind, value) = [#metadata((kind: kind, value: value)) <bcf-mark>]
#let bcf-state(p) = {
  let before = (:)
  let on = (:)
  for m in query(<bcf-mark>) {
    let mp = m.location().page()
    let v = m.value
    if mp < p { before.insert(v.kind, v.value) }
    else if mp == p and v.kind not in on { on.insert(v.kind, v.value) }
  }
  let merged = before
  for (k, v) in on { merged.insert(k, v) }
  (merged, on)
}
// The page count: the whole's, when this is a part laid out apart.
#let bcf-last-page() = if bcf-total == none { counter(page).final().first() } else { bcf-total }
#let bcf-header(from-top: bcf-header-from-top) = context {
  let p = here().page()
  if p + bcf-offset == 1 { return }
  let (st, on) = bcf-state(p)
  if "bare" in on { return }
  set text(size: bcf-header-size, font: bcf-body-font, fill: bcf-text-ink)
  let part = st.at("part", default: "")
  // A binder's meeting line (the same on every page), then the part's on a line of its own.
  let lines = if bcf-header-line == none { part } else { [#bcf-header-line#linebreak()#part] }
  place(top + left, dy: from-top, lines)
}
#let bcf-footer(from-bottom: bcf-footer-from-bottom) = context {
  let p = here().page()
  if p + bcf-offset == 1 { return }
  let (st, on) = bcf-state(p)
  set text(size: bcf-header-size, font: bcf-body-font, fill: bcf-text-ink)
  let total = bcf-last-page()
  let number = counter(page).get().first()
  let (page-word, of-word) = bcf-page-words
  place(bottom + left, dy: -from-bottom, box(width: 100%)[
    #bcf-footer-left#h(1fr)#page-word #number #of-word #total])
}
#let bcf-background() = context {
  let (st, on) = bcf-state(here().page())
  // A binder's title page is the part's, not the draft's (as in the WeasyPrint pack).
  if st.at("draft", default: false) and "bare" not in on {
    // Behind the text, an artifact (Typst marks a page's background so).
    place(center + horizon,
      image("watermark.png", width: bcf-text-width, height: bcf-text-height))
  }
}
// A part's line (`until`: the next part, or `end`) gives its page range: "11-71".
// A label in another part is a link (a string): its page is known from laying that out.
#let bcf-page-of(dest) = {
  if type(dest) == str { return bcf-known.at(dest, default: none) }
  let found = query(dest)
  if found.len() > 0 { counter(page).at(found.first().location()).first() }
}
#let bcf-toc(level, body, dest, part: false, until: none) = {
  let indent = bcf-contents-indent.at(calc.min(level, 3) - 1)
  let bold = level == 1 or part
  block(above: if level == 1 { bcf-contents-level1-before } else { bcf-contents-after },
        below: bcf-contents-after, {
    bcf-lines(bcf-hl, pad(left: indent, link(dest, text(fill: bcf-text-ink,
      weight: if bold { "bold" } else { "regular" },
      [#body#box(width: 1fr, repeat[.#h(2pt)]) #context {
        let first = bcf-page-of(dest)
        if first == none { return }
        let last = if until == "end" { bcf-last-page() } else if until != none {
          let next = bcf-page-of(until)
          if next != none { next - 1 }
        }
        if last == none { str(first) } else { [#first#sym.dash.en#last] }
      }]))))
  })
}
"""


class _Writer:
    """Translates the model into Typst source: one rule per node type (`BLOCK_RULES`)."""

    def __init__(self, document: Document, pages: Mapping[str, str] | None = None) -> None:
        self.doc = document
        self.pages = pages or {}
        self.look: Look = document.look
        self.out: list[str] = []
        self.files: dict[str, bytes] = {}
        self.part: Part = document.parts[0]
        self.shift = 0  # bookmark levels a binder's part moves its headings down
        self.wide = False  # inside a landscape region (the text is wider)
        self.at_top = False  # the next block starts a page after a break
        self.depth = 0  # blocks inside blocks (a list item, a callout, a landscape page)
        self.splits: list[int] = []  # where a page starts that a part may start at
        self.levels: list[tuple[int, int]] = []  # (block, level) of each heading
        self.top_blocks = self.out  # the blocks (`out` is a nested block's while it is made)

    # -- helpers -----------------------------------------------------------------

    def picture(self, data: bytes, kind: str) -> str:
        """A file name for a picture's bytes in the compile folder (by content)."""
        name = f"img-{hashlib.sha256(data).hexdigest()[:24]}.{kind}"
        self.files[name] = data
        return name

    def label(self, anchor: str) -> str:
        """A reference to `anchor`'s label (a token until the source is put together)."""
        return f"{_REFER}{label_name(anchor)}{_END}"

    def define(self, anchor: str) -> str:
        """`anchor`'s label, put after the element it names (a token, as `label`)."""
        return f" {_DEFINE}{label_name(anchor)}{_END}"

    def target(self, anchor: str) -> str:
        """A zero-size element an anchor points at (links and page numbers go to it)."""
        return f"#metadata(none){self.define(anchor)}" if anchor else ""

    def heading_level(self, level: int) -> None:
        """A heading of `level` (its depth and the binder's shift) in the block being made:
        a part may start only where its first heading is of level 1 (PDF/UA)."""
        self.levels.append((len(self.top_blocks), level))

    def may_split(self) -> None:
        """The next block starts a page of its own: a part laid out apart may start here."""
        if self.depth == 0 and self.out and (not self.splits or self.splits[-1] != len(self.out)):
            self.splits.append(len(self.out))

    @property
    def part_key(self) -> str:
        return self.part.key if len(self.doc.parts) > 1 else ""

    # -- inline ------------------------------------------------------------------

    def inlines(self, nodes: Iterable[Inline]) -> str:
        """Inlines as a content block: only `#expression`s, never markup."""
        return "[" + "".join("#" + INLINE_RULES[type(n)](self, n) for n in nodes) + "]"

    def text(self, node: Text) -> str:
        expr = typst_string(node.text)
        if node.code:
            expr = f"highlight(fill: bcf-code-fill, text(font: bcf-mono-font, {expr}))"
        if node.italic:
            expr = f"emph({expr})"
        if node.bold:
            expr = f"strong({expr})"
        return expr

    def link(self, node: Link) -> str:
        url = safe_url(node.url)
        body = self.inlines(node.children)
        if url is None:
            return body
        return f"link({typst_string(url)}, underline(text(fill: bcf-primary, {body})))"

    def xref(self, node: XRef) -> str:
        text = typst_string(node.text)
        if not node.anchor:
            return text
        return f"link({self.label(node.anchor)}, underline(text(fill: bcf-primary, {text})))"

    def line_break(self, node: LineBreak) -> str:
        return "linebreak()"

    def note_ref(self, node: FootnoteRef) -> str:
        target = self.label(f"{self.part_key}note-{node.number}")
        return f'super(link({target}, "{int(node.number)}"))'

    # -- blocks ------------------------------------------------------------------

    def blocks(self, blocks: list[Block]) -> None:
        for block in blocks:
            BLOCK_RULES[type(block)](self, block)
            self.at_top = isinstance(block, PageBreak | TitlePage)

    def top_space(self, space: float) -> None:
        """The space above a heading that starts a page after a break: CSS keeps a
        margin after a forced break, Typst drops a block's `above` at a page's top."""
        self.out.append(f"#v({pt(space)})")

    def nested(self, blocks: list[Block]) -> str:
        """Blocks as one content block (inside a list item, a callout, a page)."""
        saved, self.out = self.out, []
        self.depth += 1
        self.blocks(blocks)
        self.depth -= 1
        inner, self.out = self.out, saved
        return "[\n" + "\n\n".join(inner) + "\n]"

    def heading(self, block: Heading) -> None:
        level = min(max(int(block.level), 1), 6)
        if block.page_break_before and level == 1:
            self.may_split()
            self.out.append("#pagebreak(weak: true)")
        if self.at_top or (block.page_break_before and level == 1):
            self.top_space(self.look.spacing.heading(level)[0])
        # The number, then a gap (the stylesheet's `.num` margin) and a space.
        body = f'{typst_string(block.prefix)}#h(0.4em)#" "' if block.prefix else ""
        title = self.inlines(block.title)
        bookmarked = "true" if level <= 3 else "false"
        line = (
            f"#heading(depth: {level}, offset: {self.shift}, numbering: none, "
            f"outlined: false, bookmarked: {bookmarked})[#{body or '[]'}#{title}]"
        )
        if block.anchor:
            line += self.define(block.anchor)
        self.heading_level(level + self.shift)
        self.out.append(line)

    def paragraph(self, block: Paragraph) -> None:
        body = self.inlines(block.inlines)
        self.out.append("#" + PARAGRAPH_STYLES.get(block.style, _body)(self.look, body))

    def list_block(self, block: ListBlock) -> None:
        items = []
        for item in block.items:
            if len(item) == 1 and isinstance(item[0], Paragraph):
                items.append(self.inlines(item[0].inlines))
            else:
                items.append(self.nested(item))
        if block.ordered:
            self.out.append(f"#enum(start: {int(block.start)}, {', '.join(items)})")
        else:
            self.out.append(f"#list({', '.join(items)})")

    def callout(self, block: Callout) -> None:
        look = self.look.callouts.of(block.kind)
        sp = self.look.spacing
        title = ""
        if block.title:
            title = (
                f'#block(below: {pt(sp.list_item_after)}, sticky: true, text(weight: "bold", '
                f"fill: bcf-primary, {typst_string(block.title)}))\n"
            )
        inner = self.nested(block.blocks)
        self.out.append(
            f"#block(width: 100%, breakable: false, fill: {colour(look.fill)}, "
            f"stroke: (left: {pt(self.look.callouts.rule_width)} + {colour(look.rule)}), "
            f"inset: (y: {pt(sp.callout_padding[0])}, x: {pt(sp.callout_padding[1])}), "
            f"below: {pt(sp.block_after)})[{title}#{inner}]"
        )

    def figure(self, block: Figure) -> None:
        if block.chart is not None:
            name = self.picture(block.chart.svg(), "svg")
        elif block.image is not None:
            name = self.picture(block.image.data, _extension(block.image))
        else:
            return  # composition makes no figure without a picture
        width = f"{max(min(block.width_fraction, 1.0), 0.05) * 100:.0f}%"
        sp, s = self.look.spacing, self.look.sizes
        caption = f"[#{typst_string(block.label + block.separator)}#{self.inlines(block.caption)}]"
        # The picture, then its caption, in one block: painted in the order they are read
        # (Typst's figure() tags the caption before the picture it paints after).
        if block.anchor:
            self.out.append(self.target(block.anchor))
        self.out.append(
            f"#block(width: 100%, breakable: false, above: {pt(sp.caption)}, "
            f'below: {pt(sp.block_after)})[#align(center, image("{name}", '
            f"alt: {typst_string(block.alt)}, width: {width}))#block(above: {pt(sp.caption)}, "
            f'align(center, bcf-lines(bcf-hl, text(size: {pt(s.caption)}, weight: "bold", '
            f"{caption}))))]"
        )

    def page_break(self, block: PageBreak) -> None:
        self.may_split()
        self.out.append("#pagebreak(weak: true)")

    def landscape(self, block: Landscape) -> None:
        self.may_split()
        self.wide = self.at_top = True
        self.out.append(f"#page(flipped: true){self.nested(block.blocks)}")
        self.wide = False
        self.may_split()  # what follows starts a page too

    def signature(self, block: Signature) -> None:
        sp = self.look.spacing
        lines = []
        for index, (label, value) in enumerate(block.lines):
            last = index == len(block.lines) - 1
            above, below = sp.signature_line if last else (0, sp.signature_after)
            lines.append(
                f"#block(above: {pt(above)}, below: {pt(below)})"
                f"[#strong({typst_string(label)}) #{typst_string(value)}]"
            )
        self.out.append(
            f"#block(breakable: false, below: {pt(sp.block_after)})[\n" + "\n".join(lines) + "\n]"
        )

    def title_page(self, block: TitlePage, bookmark: str = "") -> None:
        s, sp = self.look.sizes, self.look.spacing
        self.heading_level(1)
        out = ["#pagebreak(weak: true)", '#bcf-mark("bare", true)']
        # Space that stays at the top of a page (a block's `above` would not).
        out.append(f"#v({pt(sp.title_page_before)})")
        for line in block.before:
            out.append(f"#block(text(size: {pt(s.cover)}, {typst_string(line)}))")
        out.append(
            f"#heading(depth: 1, numbering: none, outlined: false, bookmarked: false)"
            f"[#text(size: {pt(s.title)})[#{typst_string(block.label)}#linebreak()"
            f"#{typst_string(block.title)}]]"
        )
        for line in block.after:
            out.append(f"#block(text(size: {pt(s.cover)}, {typst_string(line)}))")
        if bookmark:
            out.append(bookmark)
        out.append("#pagebreak()")
        self.out.extend(out)

    # -- tables ------------------------------------------------------------------

    def column_widths(self, table: Table) -> list[int]:
        """The columns' widths (twips) as the Word writer sets them: the model's relative
        widths, none narrower than its longest word (Arial's widths, as Liberation Sans's)."""
        page, sp = self.look.page, self.look.spacing
        width_mm = (page.height_mm if self.wide else page.width_mm) - (
            page.margin_left_mm + page.margin_right_mm
        )
        padding = round(2 * sp.cell_padding[1] * TWIPS_PER_PT) + SLACK_TWIPS
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
                    need = longest_word(text, self.look.sizes.table, bold) + padding
                    needs[column] = max(needs[column], need)
                column += span
        total = round(width_mm / MM_PER_INCH * 1440)
        return fit_columns([c.width for c in table.columns], needs, total)

    def table(self, table: Table) -> None:
        twips = self.column_widths(table)
        widths = ", ".join(f"{w / max(sum(twips), 1):.4f}fr" for w in twips)
        cells: list[str] = []
        rows = table.rows
        if table.header and rows:
            header = ", ".join(self.cell(c, "th") for c in rows[0].cells)
            cells.append(f"table.header(repeat: true, {header})")
            rows = rows[1:]
        for row in rows:
            cells.extend(self.row(row, table))
        body = f"table(columns: ({widths},), {', '.join(cells)})"
        if table.caption:
            caption = (
                f"[#{typst_string(table.label + table.separator)}#{self.inlines(table.caption)}]"
            )
            body = (
                f"figure({body}, caption: figure.caption({caption}), kind: table, "
                "numbering: none, supplement: none)"
            )
        line = "#" + body
        if table.anchor:
            line += self.define(table.anchor)
        self.out.append(line)

    def row(self, row: Row, table: Table) -> list[str]:
        cells = []
        for index, cell in enumerate(row.cells):
            labels = table.key_value and index == 0
            role = "label" if labels else ("total" if row.kind != "body" else "td")
            text = self.cell(cell, role)
            if index == 0 and row.anchor:
                text = text.replace("[", f"[{self.target(row.anchor)}", 1)
            cells.append(text)
        return cells

    def cell(self, cell: Cell, role: str) -> str:
        align = {"left": "left", "right": "right", "center": "center"}.get(cell.align, "left")
        args = [self.inlines(cell.inlines), f"al: {align}"]
        if cell.colspan > 1:
            args.append(f"span: {int(cell.colspan)}")
        if role == "th":
            return f"bcf-th({', '.join(args)})"
        if role == "label":
            args += ["fill: bcf-label-fill", "ink: bcf-label-ink", "bold: true"]
        elif cell.rag:
            fill, ink = self.look.colours.rag(cell.rag)
            args += [f"fill: {colour(fill)}", f"ink: {colour(ink)}"]
            if role == "total":
                args.append("bold: true")
        elif role == "total":
            args += ["fill: bcf-total-fill", "bold: true"]
        return f"bcf-td({', '.join(args)})"

    # -- contents, notes, parts --------------------------------------------------

    def contents(self, block: Contents) -> None:
        sp = self.look.spacing
        anchor = f"{self.part_key}contents"
        if block.scope != "binder":
            self.out.append("#pagebreak(weak: true)")
            self.top_space(sp.contents_heading[0])
        self.heading_level(1 + self.shift)
        self.out.append(
            f"#block(above: {pt(sp.contents_heading[0])}, below: {pt(sp.contents_heading[1])}, "
            f"heading(depth: 1, offset: {self.shift}, numbering: none, outlined: false, "
            "bookmarked: true, "
            f"{typst_string(block.title)})){self.define(anchor)}"
        )
        # A part's line gives its range: to the page before the next part, the last
        # part's to the binder's end (as render/pdf_attach.py's add_page_ranges does).
        parts = [entry.anchor for entry in block.entries if entry.part]
        following = dict(zip(parts, [*parts[1:], ""], strict=False))
        for entry in block.entries:
            self.out.append(self.contents_entry(entry, following.get(entry.anchor)))

    def contents_entry(self, entry: ContentsEntry, until: str | None = None) -> str:
        text = f"{entry.prefix} {entry.text}" if entry.prefix else entry.text
        part = ", part: true" if entry.part else ""
        if entry.part and until is not None:
            part += f", until: {self.label(until)}" if until else ', until: "end"'
        return (
            f"#bcf-toc({min(max(int(entry.level), 1), 3)}, {typst_string(text)}, "
            f"{self.label(entry.anchor)}{part})"
        )

    def notes(self, part: Part) -> None:
        if not part.footnotes:
            return
        s = self.look.sizes
        self.may_split()
        self.heading_level(2 + self.shift)
        self.out.append("#pagebreak(weak: true)")
        self.out.append(
            f"#heading(depth: 2, offset: {self.shift}, numbering: none, outlined: false, "
            f"bookmarked: true, {typst_string(part.notes_title)})"
        )
        items = []
        for number in sorted(part.footnotes):
            target = self.target(f"{self.part_key}note-{number}")
            body = self.nested(part.footnotes[number])
            items.append(f"enum.item({int(number)})[{target}#{body}]")
        self.out.append(
            f"#block(bcf-lines(bcf-hl, text(size: {pt(s.small)}, enum({', '.join(items)}))))"
        )

    def logo(self, part: Part, align: str) -> None:
        if part.logo is None:
            return
        page = self.look.page
        name = self.picture(part.logo.data, _extension(part.logo))
        alt = typst_string(f"{self.doc.info.author} logo")
        # At most the look's logo box, its shape kept (max-width and max-height in CSS).
        width, height = page.logo_width_mm, page.logo_height_mm
        if part.logo.width and part.logo.height:
            scale = min(width / part.logo.width, height / part.logo.height)
            width, height = part.logo.width * scale, part.logo.height * scale
        self.out.append(
            f'#align({align}, image("{name}", alt: {alt}, width: {mm(width)}, '
            f'height: {mm(height)}, fit: "contain"))'
        )

    def part_body(self, part: Part) -> None:
        """A part: its cover page (logo and what precedes the first heading), the rest, notes."""
        self.part = part
        blocks = part.blocks
        if part.cover_end or (part.cover and part.logo is not None):
            self.logo(part, "right")
            self.blocks(blocks[: part.cover_end])
            self.out.append("#pagebreak()")
            self.at_top = True
            blocks = blocks[part.cover_end :]
        elif part.logo is not None and len(self.doc.parts) > 1:
            self.logo(part, "right")
        self.blocks(blocks)
        self.notes(part)

    def binder(self) -> None:
        """Several parts: each starts a page, sets its running header and draft mark, and
        is a bookmark of its own with its headings below it."""
        for part in self.doc.parts:
            self.part = part
            if part.source == "front":
                self.shift = 0
                self.part_body(part)
                continue
            self.shift = 2 - part.top_level
            self.may_split()
            self.out.append("#pagebreak(weak: true)")
            self.out.append(f'#bcf-mark("part", {typst_string(part.running_header)})')
            self.out.append(f'#bcf-mark("draft", {"true" if part.draft else "false"})')
            if part.anchor:
                self.out.append(self.target(part.anchor))
            # The part's bookmark: a heading of its own, after its title page's (which is
            # no bookmark), so that the part's headings are below it; on the title page,
            # as in the WeasyPrint pack (placed after it, it would take a page of its own
            # when the part starts with a page break or a landscape page).
            bookmark = (
                "#place(hide(heading(depth: 1, numbering: none, outlined: false, "
                f"bookmarked: true, {typst_string(part.label)})))"
            )
            if part.title_page is not None:
                self.title_page(part.title_page, bookmark)
            else:  # (hidden, so not tagged: no heading for PDF/UA's first-heading rule)
                self.out.append(bookmark)
            if part.key in self.pages:  # pages the caller lays out (an attached PDF's)
                self.out.append(self.pages[part.key])
                continue
            self.part_body(part)


def _extension(image: ImageData) -> str:
    return {"jpeg": "jpg"}.get(image.format, image.format)


def _body(look: Look, body: str) -> str:
    return f"par({body})"


def _title(look: Look, body: str) -> str:
    s, sp, c = look.sizes, look.spacing, look.colours
    return (
        f"block(above: {pt(sp.title_before)}, below: {pt(sp.title_after)}, "
        f'text(font: bcf-heading-font, size: {pt(s.title)}, weight: "bold", '
        f"fill: {colour(c.primary)}, bcf-lines(bcf-hl, {body})))"
    )


def _subtitle(look: Look, body: str) -> str:
    s, sp, c = look.sizes, look.spacing, look.colours
    return (
        f"block(below: {pt(sp.subtitle_after)}, text(font: bcf-heading-font, "
        f"size: {pt(s.subtitle)}, fill: {colour(c.primary)}, "
        f"bcf-lines(bcf-hl, {body})))"
    )


def _cover(look: Look, body: str) -> str:
    return f"text(size: {pt(look.sizes.cover)}, par({body}))"


def _banner(look: Look, body: str) -> str:
    s, sp, c, rule = look.sizes, look.spacing, look.colours, look.banner_rule
    return (
        f"block(width: 100%, breakable: false, above: {pt(sp.banner_margin)}, "
        f"below: {pt(sp.banner_margin)}, inset: {pt(sp.banner_padding)}, fill: {colour(c.red)}, "
        f"stroke: {pt(rule.width)} + {colour(rule.colour)}, align(center, "
        f'text(font: bcf-heading-font, size: {pt(s.banner)}, weight: "bold", '
        f"fill: {colour(c.red_text)}, bcf-lines(bcf-hl, {body}))))"
    )


def _lead(look: Look, body: str) -> str:
    return f"block(below: {pt(look.spacing.lead_after)}, text(size: {pt(look.sizes.lead)}, {body}))"


def _small(look: Look, body: str) -> str:
    return (
        f"block(below: {pt(look.spacing.small_after)}, text(size: {pt(look.sizes.small)}, {body}))"
    )


def _note(look: Look, body: str) -> str:
    return (
        f"block(below: {pt(look.spacing.small_after)}, "
        f'text(size: {pt(look.sizes.note)}, style: "italic", {body}))'
    )


PARAGRAPH_STYLES: dict[str, Callable[[Look, str], str]] = {
    "body": _body,
    "title": _title,
    "subtitle": _subtitle,
    "cover": _cover,
    "banner": _banner,
    "lead": _lead,
    "small": _small,
    "note": _note,
}

BLOCK_RULES: dict[type, Callable[[_Writer, Any], None]] = {
    Heading: _Writer.heading,
    Paragraph: _Writer.paragraph,
    ListBlock: _Writer.list_block,
    Callout: _Writer.callout,
    Table: _Writer.table,
    Figure: _Writer.figure,
    Contents: _Writer.contents,
    PageBreak: _Writer.page_break,
    Landscape: _Writer.landscape,
    Signature: _Writer.signature,
    TitlePage: _Writer.title_page,
}
INLINE_RULES: dict[type, Callable[[_Writer, Any], str]] = {
    Text: _Writer.text,
    Link: _Writer.link,
    XRef: _Writer.xref,
    LineBreak: _Writer.line_break,
    FootnoteRef: _Writer.note_ref,
}


@dataclass
class TypstSource:
    """The Typst source of a document before it is put together: the preamble's lines
    after the look's (`head`), the blocks, where a part laid out apart may start
    (`splits`, indices into `blocks`), and the pictures the blocks name."""

    document: Document
    header: str
    head: list[str]
    blocks: list[str]
    splits: list[int]
    levels: list[tuple[int, int]]
    files: dict[str, bytes]

    def parts(self, budget: int) -> list[range]:
        """The blocks in as few runs of at most `budget` characters of source as may be,
        of about equal size, each starting a page (one run when the whole is within the
        budget; a run is larger only where no page starts for longer)."""
        sizes = [len(block) for block in self.blocks]
        splits = [split for split in sorted(set(self.splits)) if self._may_start(split)]
        before = list(itertools.accumulate(sizes, initial=0))  # the source before block i
        total = before[-1]
        runs = [range(len(sizes))]
        for count in range(math.ceil(total / max(budget, 1)), len(splits) + 2):
            starts = [0]
            for share in range(1, count):  # the start nearest each equal share
                later = [split for split in splits if split > starts[-1]]
                if later:
                    starts.append(min(later, key=lambda s: abs(before[s] - total * share / count)))
            ends = [*starts[1:], len(sizes)]
            runs = [range(a, b) for a, b in zip(starts, ends, strict=True)]
            if max(before[run.stop] - before[run.start] for run in runs) <= budget:
                break
        return runs

    def _may_start(self, block: int) -> bool:
        """Whether a part may start at `block`: one that starts a page, within the
        blocks, and whose first heading (if any) is of level 1 (PDF/UA asks that of
        each part's tags, as of the whole's)."""
        if not 0 < block < len(self.blocks):
            return False
        later = [level for at, level in self.levels if at >= block]
        return not later or later[0] == 1

    def labels(self, run: range) -> tuple[set[str], set[str]]:
        """The labels the blocks of `run` define, and those they refer to."""
        defined: set[str] = set()
        named: set[str] = set()
        for block in self.blocks[run.start : run.stop]:
            for kind, name in _TOKEN.findall(block):
                (defined if kind == _DEFINE else named).add(name)
        return defined, named

    def text(self, run: range | None = None, layout: Layout | None = None) -> str:
        """The source of the whole, or of the blocks of `run` laid out as `layout` says:
        references to labels outside `run` become links to ELSEWHERE + the label, and the
        part ends by saying its page count and where each of its labels is (`WHERE`)."""
        whole = run is None
        run = run if run is not None else range(len(self.blocks))
        defined, _ = self.labels(run)

        def resolve(match: re.Match[str]) -> str:
            kind, name = match.groups()
            if kind == _DEFINE:
                return f"<{name}>"
            if whole or name in defined:
                return f"label({typst_string(name)})"
            return typst_string(ELSEWHERE + name)

        body = [_TOKEN.sub(resolve, block) for block in self.blocks[run.start : run.stop]]
        head = [preamble(self.document, self.header, layout), *self.head]
        if not whole:
            head.append(f"#counter(page).update({int((layout or Layout()).offset) + 1})")
            names = ", ".join(typst_string(name) for name in sorted(defined))
            body.append(_WHERE.replace("NAMES", f"({names}{',' if defined else ''})"))
        return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"


# A part laid out apart says, in metadata labelled <bcf-where>, its page count and, for
# each label it defines: (name, page, x, y in pt from the top left, a heading?).
WHERE = "bcf-where"
_WHERE = """#context [#metadata((here().page(), NAMES.map(n => {
  let e = query(label(n)).first()
  let p = e.location().position()
  (n, p.page, p.x.pt(), p.y.pt(), e.func() == heading)
}))) <bcf-where>]"""


def typst_source(
    document: Document,
    header: str = "",
    pages: Mapping[str, str] | None = None,
) -> TypstSource:
    """The document's Typst source in blocks (`render_typst` puts it together)."""
    writer = _Writer(document, pages or {})
    head: list[str] = []
    if len(document.parts) == 1:
        part = document.parts[0]
        head.append(f'#bcf-mark("part", {typst_string(part.running_header)})')
        head.append(f'#bcf-mark("draft", {"true" if bool(part.draft_mark) else "false"})')
        writer.part_body(part)
    else:
        writer.binder()
    return TypstSource(
        document, header, head, writer.out, writer.splits, writer.levels, writer.files
    )


def render_typst(
    document: Document,
    header: str = "",
    pages: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, bytes]]:
    """The document as Typst source, and the pictures it names (file name -> bytes).

    The draft mark's picture is the engine's to add (`watermark.png`), when a part has one.
    For a binder (the board pack): `header` is a running header line above each part's,
    and `pages[key]` is the Typst code of that part's pages in place of its body (an
    attached PDF's placeholders, render/pdf_attach.py), which the caller writes and
    escapes itself.
    """
    source = typst_source(document, header, pages)
    return source.text(), source.files
