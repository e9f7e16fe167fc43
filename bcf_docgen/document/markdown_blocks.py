"""Markdown (after Jinja) into document blocks, keeping the source line of each block.

Handles the plan dialect: `{#id}` after a heading, figures with `{#fig:id alt="..."}`,
pipe tables with a `Table: caption {#tbl:id}` line, stated total rows, `@kind:id`
cross-references, footnotes, and the `:::` directives section templates use
(`::: table NAME ARGS`, `::: chart METRIC`, `::: callout KIND`, `::: style STYLE`,
`::: landscape`, `::: signatures`, `::: contents`, `::: pagebreak`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ..content.files import ContentError
from ..content.images import load_image
from ..findings import Findings, Location
from .model import (
    Block,
    Callout,
    Cell,
    Column,
    Contents,
    Figure,
    FootnoteRef,
    Heading,
    Inline,
    Landscape,
    LineBreak,
    Link,
    ListBlock,
    PageBreak,
    Paragraph,
    Row,
    Table,
    Text,
    XRef,
)
from .numbers import parse_figure

DIRECTIVES = (
    "table",
    "chart",
    "callout",
    "style",
    "landscape",
    "signatures",
    "contents",
    "pagebreak",
)
XREF = re.compile(
    r"(?<![\w.@])@(sec|tbl|fig|app|scheme|risk|metric):([A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)"
)
HEADING_ID = re.compile(r"\s*\{#([A-Za-z][\w:.-]*)\}\s*$")
CAPTION = re.compile(r"^Table:\s*(.*?)\s*(?:\{#tbl:([A-Za-z0-9][\w-]*)\})?\s*$", re.DOTALL)
TOTAL_ROW = re.compile(r"^\s*(sub-?total|total)\b", re.IGNORECASE)
SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
# Invisible marks around Markdown that a template expanded from YAML data: the number
# names its origin (file and line), so references inside it are reported there.
ORIGIN = re.compile("\ue000(\\d+)\ue001|\ue002")


# A block's first line: a list marker, heading mark or thematic break only counts before a
# space or the line's end ("**Bold** text" is a paragraph, "- item" a list).
BLOCK_START = re.compile(
    r"^\s{0,3}(?:[|>]|#{1,6}(?=\s|$)|[*+-](?=\s|$)|\d+[.)](?=\s|$)|```|~~~"
    r"|(?:[-*_][ \t]*){3,}(?:\n|$))"
)
FENCE_LINE = re.compile(r"^\s{0,3}(?:```|~~~)")


def origin_marker(index: int, text: str) -> str:
    """`text` wrapped in origin marks that leave its Markdown structure intact.

    A mark written before a table, list or heading would turn it into a paragraph, so
    there the mark goes in a paragraph of its own; after a closing code fence, likewise.
    """
    start = f"\ue000{index}\ue001"
    if BLOCK_START.match(text):
        start += "\n\n"
    lines = text.rstrip("\n").split("\n")
    end = "\n\n\ue002" if FENCE_LINE.match(lines[-1]) else "\ue002"
    return f"{start}{text.rstrip(chr(10))}{end}"


def strip_markers(text: str) -> str:
    return ORIGIN.sub("", text)


class _Parser(MarkdownIt):
    """markdown-it that hands every link and picture to `_inlines` and `_figure`.

    markdown-it's own filter leaves a `file:`, `data:` or `javascript:` target as the
    literal Markdown text, with no finding (and a picture silently missing). Here every
    target reaches the code that decides: only web and e-mail links are kept (the rest
    is a `markdown.link` warning, its text kept), and a picture must be a file inside
    the plan folder (`path.url` for a URL). Nothing a link names is ever read.
    """

    def validateLink(self, url: str) -> bool:
        return True


# Lists nest at most this deep (Word's lists have nine levels). markdown-it stops at a
# fixed depth and silently drops everything after it, to the end of the text; here a
# list, block quote or `:::` block that would open deeper is kept as plain paragraphs of
# its text, with a `markdown.nesting` warning. In markdown-it's levels a list counts two
# (the list and its item), a block quote or `:::` block one.
MAX_LIST_DEPTH = 9
MAX_LEVEL = 2 * MAX_LIST_DEPTH
OPENS_BLOCK = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)|>|:::")
BLOCK_MARKERS = re.compile(r"^(?:\s*(?:[-*+]|\d{1,9}[.)]|>|:::+)(?:[ \t]+|$))*")


def _too_deep(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A block rule tried first: a list, quote or `:::` block opening at MAX_LEVEL or
    deeper becomes one paragraph per line of what it holds, its markers removed, and
    the line is noted in `state.env["too_deep"]` for the finding."""
    if state.level < MAX_LEVEL:
        return False
    if not OPENS_BLOCK.match(state.src, state.bMarks[start] + state.tShift[start]):
        return False
    if silent:
        return True
    line = start
    while line < end and (state.isEmpty(line) or state.sCount[line] >= state.blkIndent):
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        text = BLOCK_MARKERS.sub("", text).strip()
        if text:
            state.push("paragraph_open", "p", 1).map = [line, line + 1]
            inline = state.push("inline", "", 0)
            inline.content, inline.map, inline.children = text, [line, line + 1], []
            state.push("paragraph_close", "p", -1)
        line += 1
    state.env.setdefault("too_deep", []).append(start)
    state.line = line
    return True


def _parser() -> MarkdownIt:
    md = _Parser("commonmark", {"html": False}).enable("table").use(footnote_plugin)
    md.use(attrs_plugin)
    for name in DIRECTIVES:
        md.use(
            container_plugin,
            name=name,
            validate=lambda params, *_a, _n=name: params.strip().split(" ")[0] == _n,
        )
    md.block.ruler.before(md.block.ruler.get_all_rules()[0], "too_deep", _too_deep)
    return md


_MD = _parser()

DirectiveHandler = Callable[[str, list[str], Location], list[Block]]


@dataclass
class MarkdownContext:
    """What converting one piece of Markdown needs to know about where it came from."""

    file: str
    first_line: int  # 1-based line in `file` of the Markdown's first line
    plan_root: Path
    findings: Findings
    tables: Callable[[str, list[str], Location], list[Block]] | None = None
    charts: Callable[[list[str], Location], list[Block]] | None = None
    signatures: Callable[[], list[Block]] | None = None
    footnotes: dict[str, int] = field(default_factory=dict)
    footnote_blocks: dict[int, list[Block]] = field(default_factory=dict)
    footnote_base: int = 0
    origins: list[Location] = field(default_factory=list)
    current_origin: Location | None = None  # inside text expanded from YAML

    def at(self, node: SyntaxTreeNode | None) -> Location:
        line = node.map[0] if node is not None and node.map else 0
        return Location(self.file, self.first_line + line, 1)


def markdown_blocks(text: str, ctx: MarkdownContext, heading_shift: int = 0) -> list[Block]:
    """Blocks for `text`. Headings keep their Markdown level plus `heading_shift`."""
    env: dict[str, list[int]] = {}
    tree = SyntaxTreeNode(_MD.parse(text, env))
    if env.get("too_deep"):
        line = env["too_deep"][0]
        ctx.findings.warning(
            "markdown.nesting",
            f"lists, quotes and ':::' blocks nest deeper here than the {MAX_LIST_DEPTH} "
            "levels of lists a document can hold: what they hold is kept as plain paragraphs",
            Location(ctx.file, ctx.first_line + line, 1),
            f"nest lists at most {MAX_LIST_DEPTH} deep (fewer reads better: two or three)",
        )
    return _blocks(tree.children, ctx, heading_shift)


def _blocks(nodes: list[SyntaxTreeNode], ctx: MarkdownContext, shift: int) -> list[Block]:
    out: list[Block] = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        kind = node.type
        if kind == "heading":
            out.append(_heading(node, ctx, shift))
        elif kind == "paragraph":
            out.extend(_paragraph(node, ctx))
        elif kind in ("bullet_list", "ordered_list"):
            out.append(_list(node, ctx, shift))
        elif kind == "blockquote":
            out.append(Callout(_blocks(node.children, ctx, shift), kind="quote"))
        elif kind in ("fence", "code_block"):
            for line in strip_markers(node.content).rstrip("\n").split("\n"):
                out.append(Paragraph([Text(line, code=True)], style="small"))
        elif kind == "table":
            caption_node = nodes[i + 1] if i + 1 < len(nodes) else None
            table, used_caption = _table(node, caption_node, ctx)
            out.append(table)
            i += 1 if used_caption else 0
        elif kind == "footnote_block":
            _footnotes(node, ctx, shift)
        elif kind.startswith("container_"):
            out.extend(_directive(node, ctx, shift))
        elif kind == "hr":
            pass  # a thematic break has no place in a plan's structure
        i += 1
    return out


# ---------------------------------------------------------------------- directives


def _directive(node: SyntaxTreeNode, ctx: MarkdownContext, shift: int) -> list[Block]:
    words = node.info.strip().split()
    name, args = words[0], words[1:]
    where = ctx.at(node)
    inner = _blocks(node.children, ctx, shift)
    if name == "table":
        if ctx.tables is None or not args:
            ctx.findings.error("template.directive", "'::: table' needs a table name", where)
            return []
        return ctx.tables(args[0], args[1:], where)
    if name == "chart":
        return ctx.charts(args, where) if ctx.charts else []
    if name == "callout":
        kinds = ("statement", "quote", "note", "draft")
        kind = args[0] if args and args[0] in kinds else "statement"
        title = " ".join(args[1:] if args and args[0] in kinds else args)
        return [Callout(inner, kind=kind, title=title)]  # type: ignore[arg-type]
    if name == "style":
        style = args[0] if args else "body"
        allowed = ("body", "title", "subtitle", "cover", "banner", "lead", "small", "note")
        if style not in allowed:
            ctx.findings.error(
                "template.directive",
                f"unknown paragraph style '{style}'",
                where,
                "use one of " + ", ".join(allowed),
            )
            return inner
        for block in inner:
            if isinstance(block, Paragraph):
                block.style = style  # type: ignore[assignment]
        return inner
    if name == "landscape":
        # Landscape if a table inside is too wide for a portrait page; `always` insists.
        # Decided once for both writers by `document/flow.py`.
        for block in inner:
            if isinstance(block, Table):
                block.wide = True
        return [Landscape(inner, fit="always" not in args)]
    if name == "signatures":
        return ctx.signatures() if ctx.signatures else []
    if name == "contents":
        return [Contents()]
    if name == "pagebreak":
        return [PageBreak()]
    return inner


# ---------------------------------------------------------------------- blocks


def _heading(node: SyntaxTreeNode, ctx: MarkdownContext, shift: int) -> Heading:
    level = int(node.tag[1]) + shift
    inline = node.children[0]
    children = list(inline.children)
    heading_id = ""
    for child in children:
        if child.type == "text" and ORIGIN.search(child.content):
            child.token.content = strip_markers(child.content)  # type: ignore[union-attr]
    if children and children[-1].type == "text":
        match = HEADING_ID.search(children[-1].content)
        if match:
            heading_id = match.group(1)
            trimmed = children[-1].content[: match.start()]
            children[-1].token.content = trimmed  # type: ignore[union-attr]
    title = _inlines(children, ctx, ctx.at(node))
    numbered = level <= 3
    return Heading(
        level=min(level, 4),
        title=_trim(title),
        id=heading_id,  # "" unless the author gave {#id}: only named headings are targets
        location=ctx.at(node),
        numbered=numbered,
        in_contents=numbered,
    )


def _paragraph(node: SyntaxTreeNode, ctx: MarkdownContext) -> list[Block]:
    inline = node.children[0]
    children = [
        c
        for c in inline.children
        if not (c.type == "text" and not strip_markers(c.content).strip())
    ]
    if len(children) == 1 and children[0].type == "image":
        return [_figure(children[0], ctx, ctx.at(node))]
    return [Paragraph(_trim(_inlines(inline.children, ctx, ctx.at(node))))]


def _figure(node: SyntaxTreeNode, ctx: MarkdownContext, where: Location) -> Figure | Paragraph:
    src = str(node.attrs.get("src", ""))
    alt = str(node.attrs.get("alt", "")).strip()
    fig_id = str(node.attrs.get("id", ""))
    caption = _inlines(node.children, ctx, where)
    width = node.attrs.get("width")
    fraction = 1.0
    if isinstance(width, str) and width.endswith("%"):
        try:
            fraction = max(0.1, min(1.0, float(width[:-1]) / 100))
        except ValueError:
            fraction = 1.0
    try:
        # Through the one path boundary; read, checked and decoded here, once, so the
        # writers embed these bytes and never open a file.
        image = load_image(ctx.plan_root, src, where)
    except ContentError as exc:
        ctx.findings.error(exc.code, exc.message, exc.location, exc.hint)
        return Paragraph(caption)
    if fig_id.startswith("fig:"):
        fig_id = fig_id[4:]
    elif fig_id:
        ctx.findings.warning(
            "figure.id",
            f"figure id '{fig_id}' should start with 'fig:'",
            where,
            "write {#fig:name} so that @fig:name can refer to it",
        )
    return Figure(
        image=image, alt=alt, caption=caption, id=fig_id, location=where, width_fraction=fraction
    )


def _list(node: SyntaxTreeNode, ctx: MarkdownContext, shift: int) -> ListBlock:
    ordered = node.type == "ordered_list"
    start = int(node.attrs.get("start", 1)) if ordered else 1
    items = [_blocks(item.children, ctx, shift) for item in node.children]
    return ListBlock(ordered=ordered, items=items, start=start)


Align = Literal["left", "right", "center"]
TableCells = list[tuple[list[Inline], Align]]  # one row of a Markdown table, as written


def _table(
    node: SyntaxTreeNode, caption_node: SyntaxTreeNode | None, ctx: MarkdownContext
) -> tuple[Table, bool]:
    """The table, and whether `caption_node` was its `Table:` caption line."""
    where = ctx.at(node)
    head_rows, body_rows = _table_rows(node, ctx, where)
    header = [_plain(inlines) for inlines, _ in head_rows[0]] if head_rows else []
    columns = [Column(h) for h in header]
    rows = [_body_row(cells, place) for cells, place in body_rows]
    for index, column in enumerate(columns):
        column.numeric = _numeric_column(rows, index)
        if column.numeric:
            _align_right(rows, index)
    header_row = Row(
        [
            Cell([Text(h)], align="right" if c.numeric else "left")
            for h, c in zip(header, columns, strict=True)
        ]
    )
    table = Table(columns=columns, rows=[header_row, *rows], location=where)
    used = caption_node is not None and _caption(table, caption_node, ctx)
    return table, used


def _table_rows(
    node: SyntaxTreeNode, ctx: MarkdownContext, where: Location
) -> tuple[list[TableCells], list[tuple[TableCells, Location]]]:
    """The header rows, and the body rows with where each was written (for the checks)."""
    head_rows: list[TableCells] = []
    body_rows: list[tuple[TableCells, Location]] = []
    for part in node.children:
        for tr in part.children:
            cells = [_table_cell(cell, ctx, where) for cell in tr.children]
            if part.type == "thead":
                head_rows.append(cells)
            else:
                body_rows.append((cells, ctx.current_origin or ctx.at(tr)))
    return head_rows, body_rows


def _table_cell(
    cell: SyntaxTreeNode, ctx: MarkdownContext, where: Location
) -> tuple[list[Inline], Align]:
    style = str(cell.attrs.get("style", ""))
    align: Align = "right" if "right" in style else "center" if "center" in style else "left"
    inlines = _inlines(cell.children[0].children, ctx, where) if cell.children else []
    return _trim(inlines), align


def _plain(inlines: list[Inline]) -> str:
    """The text of a cell without its links and references: enough to read a figure."""
    return "".join(t.text for t in inlines if isinstance(t, Text))


def _body_row(cells: TableCells, place: Location) -> Row:
    """A body row; one whose first cell starts with "Total" or "Subtotal" is a stated total."""
    match = TOTAL_ROW.match(_plain(cells[0][0]) if cells else "")
    kind: Literal["body", "total", "subtotal"] = "body"
    if match:
        kind = "subtotal" if match.group(1).lower().startswith("sub") else "total"
    return Row([Cell(c, align=a) for c, a in cells], kind=kind, location=place)


def _numeric_column(rows: list[Row], index: int) -> bool:
    """A column is numeric when every non-empty body cell reads as a figure."""
    values = [_plain(row.cells[index].inlines) for row in rows if index < len(row.cells)]
    filled = [v for v in values if v.strip() and v.strip() not in ("-", "–", "n/a")]
    return bool(filled) and all(parse_figure(v) is not None for v in filled)


def _align_right(rows: list[Row], index: int) -> None:
    """Figures line up on the right unless the author chose an alignment."""
    for row in rows:
        if index < len(row.cells) and row.cells[index].align == "left":
            row.cells[index].align = "right"


def _caption(table: Table, node: SyntaxTreeNode, ctx: MarkdownContext) -> bool:
    """Give `table` the caption and id of a `Table: ... {#tbl:id}` paragraph, if `node` is one."""
    if node.type != "paragraph":
        return False
    match = CAPTION.match(strip_markers(node.children[0].content))
    if not match:
        return False
    table.id = match.group(2) or ""
    inner = SyntaxTreeNode(_MD.parse(match.group(1)))
    first = inner.children[0] if inner.children else None
    if first is not None and first.type == "paragraph":
        table.caption = _trim(_inlines(first.children[0].children, ctx, ctx.at(node)))
    return True


def _footnotes(node: SyntaxTreeNode, ctx: MarkdownContext, shift: int) -> None:
    for item in node.children:
        label = str(item.meta.get("label", item.meta.get("id", "")))
        number = ctx.footnotes.setdefault(label, ctx.footnote_base + len(ctx.footnotes) + 1)
        blocks = _blocks([c for c in item.children if c.type != "footnote_anchor"], ctx, shift)
        ctx.footnote_blocks[number] = blocks


# ---------------------------------------------------------------------- inlines


def _trim(inlines: list[Inline]) -> list[Inline]:
    if inlines and isinstance(inlines[0], Text):
        inlines[0].text = inlines[0].text.lstrip()
    if inlines and isinstance(inlines[-1], Text):
        inlines[-1].text = inlines[-1].text.rstrip()
    return [i for i in inlines if not (isinstance(i, Text) and not i.text)]


def _inlines(
    nodes: list[SyntaxTreeNode],
    ctx: MarkdownContext,
    where: Location,
    bold: bool = False,
    italic: bool = False,
) -> list[Inline]:
    out: list[Inline] = []
    line = where.line
    for node in nodes:
        kind = node.type
        here = Location(where.file, line, 1)
        if kind == "text":
            out.extend(_text(node.content, ctx, here, bold, italic))
        elif kind == "softbreak":
            out.append(Text(" ", bold, italic))
            line += 1
        elif kind == "hardbreak":
            out.append(LineBreak())
            line += 1
        elif kind == "strong":
            out.extend(_inlines(node.children, ctx, here, True, italic))
        elif kind == "em":
            out.extend(_inlines(node.children, ctx, here, bold, True))
        elif kind == "code_inline":
            out.append(Text(strip_markers(node.content), bold, italic, code=True))
        elif kind == "link":
            href = str(node.attrs.get("href", ""))
            children = _inlines(node.children, ctx, here, bold, italic)
            if SAFE_URL.match(href):
                out.append(Link(href, children, location=ctx.current_origin or here))
            else:
                ctx.findings.warning(
                    "markdown.link",
                    f"link target '{href[:60]}' is not a web or e-mail address",
                    ctx.current_origin or here,
                    "link to https:// or mailto: addresses; use @sec:id for parts of the plan",
                )
                out.extend(children)
        elif kind == "image":
            # Only a picture alone in its paragraph is a figure; one inside text would be
            # lost from every output, so say so (its file is not read).
            ctx.findings.warning(
                "figure.inline",
                f"the picture '{str(node.attrs.get('src', ''))[:60]}' is inside a "
                "paragraph, so only its description is shown",
                ctx.current_origin or here,
                "put the picture in a paragraph of its own to make it a figure",
            )
            out.extend(_inlines(node.children, ctx, here, bold, italic))
        elif kind == "footnote_ref":
            label = str(node.meta.get("label", node.meta.get("id", "")))
            number = ctx.footnotes.setdefault(label, ctx.footnote_base + len(ctx.footnotes) + 1)
            out.append(FootnoteRef(number))
        elif node.children:
            out.extend(_inlines(node.children, ctx, here, bold, italic))
        elif node.content:
            out.append(Text(node.content, bold, italic))
    return out


def _text(
    text: str, ctx: MarkdownContext, here: Location, bold: bool, italic: bool
) -> list[Inline]:
    """Text and references, following the origin marks of Markdown expanded from YAML."""
    out: list[Inline] = []
    pos = 0
    for match in ORIGIN.finditer(text):
        out.extend(split_xrefs(text[pos : match.start()], ctx.current_origin or here, bold, italic))
        if match.group(1) is not None and int(match.group(1)) < len(ctx.origins):
            ctx.current_origin = ctx.origins[int(match.group(1))]
        else:
            ctx.current_origin = None
        pos = match.end()
    out.extend(split_xrefs(text[pos:], ctx.current_origin or here, bold, italic))
    return [node for node in out if not (isinstance(node, Text) and not node.text)]


def split_xrefs(
    text: str, where: Location, bold: bool = False, italic: bool = False
) -> list[Inline]:
    """Text with `@kind:id` references turned into XRef nodes (e-mail addresses untouched)."""
    out: list[Inline] = []
    pos = 0
    for match in XREF.finditer(text):
        if match.start() > pos:
            out.append(Text(text[pos : match.start()], bold, italic))
        out.append(XRef(match.group(1), match.group(2), where))  # type: ignore[arg-type]
        pos = match.end()
    if pos < len(text):
        out.append(Text(text[pos:], bold, italic))
    return out
