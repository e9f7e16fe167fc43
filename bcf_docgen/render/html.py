"""The HTML writer: the document model as one self-contained HTML page.

It is both an output (`--to html`, for intranet preview) and the input WeasyPrint lays
out as the PDF. Everything it needs to know about looks comes from the document's Look
through templates/theme/document.css.j2; numbering and reference texts come resolved in
the model.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2

from ..document.look import Look
from ..document.model import (
    Block,
    Callout,
    Cell,
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
)
from ..paths import default_templates
from ..untrusted import language_tag, safe_url, xml_text

# Text that reads like a script URL or an event attribute ("javascript:", "onerror=")
# is written with a character reference for its ':' or '=': the same text on screen and
# in the PDF, and a page in which a plain search finds no such markup (issue 11).
_DEFUSE = re.compile(r"(?i)(script\s*):|(\bon[a-z]+\s*)=")


def _defuse(match: re.Match[str]) -> str:
    return f"{match.group(1)}&#58;" if match.group(1) is not None else f"{match.group(2)}&#61;"


def esc(text: str) -> str:
    """Text for HTML: without the characters XML cannot hold (as in the .docx), then
    with `&`, `<`, `>` and both quotes escaped, so it is safe in content and attributes.
    Every string from the document reaches the page through this or `css_string`."""
    escaped = html.escape(xml_text(text), quote=True)
    if ":" in escaped or "=" in escaped:
        escaped = _DEFUSE.sub(_defuse, escaped)
    return escaped


# Pictures (charts drawn from the data, and the plan's checked images) are served to
# WeasyPrint from memory under this: it reads no picture from a file.
GENERATED_URL = "bcf-internal:generated/"


def font_stack(names: Iterable[str], generic: str = "sans-serif") -> str:
    """Font names as a CSS font list: each a quoted, escaped string, then `generic`."""
    return ", ".join(css_string(name) for name in dict.fromkeys(names)) + f", {generic}"


def look_context(look: Look) -> dict[str, Any]:
    """What the stylesheet templates read: the look alone, its fonts as CSS font lists."""
    f = look.fonts
    return {
        "look": look,
        "c": look.colours,
        "s": look.sizes,
        "sp": look.spacing,
        "page": look.page,
        "body_font": font_stack(f.stack(f.body)),
        "heading_font": font_stack(f.stack(f.heading)),
        "mono_font": font_stack((f.mono, *f.mono_fallbacks), "monospace"),
    }


def theme_environment(templates: Path | None = None) -> jinja2.Environment:
    """Jinja for the project's own stylesheet templates (templates/theme/), not content.

    The templates write the look's values as they are (each checked by the look's
    grammar) and any text through the `css_string` and `css_ident` filters.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str((templates or default_templates()) / "theme")),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["css_string"] = css_string
    env.filters["css_ident"] = css_ident
    return env


def stylesheet(document: Document, templates: Path | None = None, draft: bool | None = None) -> str:
    """The print stylesheet; `draft` overrides the document's status (for the watermark)."""
    env = theme_environment(templates)
    return env.get_template("document.css.j2").render(
        **look_context(document.look),
        title_css=css_string(document.parts[0].running_header),
        footer_css=css_string(document.parts[0].footer),
        draft=document.info.is_draft if draft is None else draft,
    )


def binder_stylesheet(document: Document, templates: Path | None = None) -> str:
    """A binder's extra rules: each part's running header and bookmark levels, title pages."""
    env = theme_environment(templates)
    parts = [
        {
            "id": part.anchor,
            "label": part.label,
            "running": part.running_header,
            # Bookmark levels: the part is level 1; its top headings level 2, and so on.
            "shift": 2 - part.top_level,
        }
        for part in document.parts
        if part.source != "front"
    ]
    return env.get_template("pack.css.j2").render(
        **look_context(document.look),
        footer=document.parts[0].footer,
        parts=parts,
        draft=any(part.draft for part in document.parts),
    )


def full_stylesheet(document: Document, templates: Path | None = None) -> str:
    """The stylesheet of a document: a binder adds its own rules after the plan's."""
    if len(document.parts) == 1:
        return stylesheet(document, templates)
    # Without the plan's watermark: a binder marks only its draft parts' pages.
    return stylesheet(document, templates, draft=False) + binder_stylesheet(document, templates)


# In a CSS string inside <style>: what could end the string (quotes, a backslash, a line
# break) or the style element (`</style>`), or be read as markup by a careless reader
# (`<`, `>`, `&`), and every other control character, written as a CSS escape.
_CSS_ESCAPE = re.compile(r"[\"'\\<>&\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CSS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _css_escape(match: re.Match[str]) -> str:
    return f"\\{ord(match.group()):X} "  # `\3C `: the space ends the escape


def css_string(text: str) -> str:
    """Text as a quoted CSS string, the only way text from a document enters CSS.

    Tabs and line breaks become spaces (a running header is one line); characters XML
    cannot hold are dropped, as everywhere; the rest of `_CSS_ESCAPE` is escaped as
    `\\3C `, so neither the string nor the style element can be ended from inside.
    """
    text = re.sub(r"[\t\n\r]", " ", xml_text(text))
    return '"' + _CSS_ESCAPE.sub(_css_escape, text) + '"'


def css_ident(name: str) -> str:
    """`name` as a CSS identifier (an id selector): itself when it is a plain name, else
    with every character outside [A-Za-z0-9_-] (and a leading digit) written as an escape."""
    if _CSS_NAME.fullmatch(name):
        return name
    out = [
        ch if ch.isascii() and (ch.isalnum() or ch in "_-") else f"\\{ord(ch):X} "
        for ch in xml_text(name)
    ]
    if out and out[0].isdigit():
        out[0] = f"\\{ord(out[0]):X} "
    return "".join(out) or "_"


def css_class(name: str, fallback: str = "") -> str:
    """A class name for an HTML attribute: `name` if it is a plain CSS name, else
    `fallback`. Class names come from the model's closed lists (paragraph styles,
    callout kinds, RAG ratings); this keeps one that is not out of the markup."""
    return name if _CSS_NAME.fullmatch(name) else fallback


class _Writer:
    """Translates the model into HTML: one rule per node type (`BLOCK_RULES`)."""

    def __init__(
        self,
        document: Document,
        image_url: Callable[[ImageData], str] | None = None,
        generated: dict[str, bytes] | None = None,
    ):
        self.doc = document
        self.image_url = image_url or self.embed
        # Pictures drawn from the data, by the URL the page uses for them; without it they
        # are written into the page as data: URLs.
        self.generated = generated
        self.out: list[str] = []
        self.part: Part = document.parts[0]

    def ident(self, anchor: str) -> str:
        return esc(anchor)

    def embed(self, image: ImageData) -> str:
        """A picture's URL: its checked bytes from the model (never a file of the plan),
        as a data: URL, so the HTML preview is one self-contained file, or, for the PDF,
        an internal URL under which they are added to `generated` for the fetcher."""
        if self.generated is None:
            encoded = base64.b64encode(image.data).decode("ascii")
            return f"data:{image.media_type};base64,{encoded}"
        digest = hashlib.sha256(image.data).hexdigest()[:24]
        url = f"{GENERATED_URL}image-{digest}.{image.format}"
        self.generated[url] = image.data
        return url

    def chart_url(self, figure: Figure) -> str:
        assert figure.chart is not None
        svg = figure.chart.svg()
        if self.generated is None:
            return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        url = f"{GENERATED_URL}{figure.anchor or len(self.generated)}.svg"
        self.generated[url] = svg
        return url

    # -- inline ------------------------------------------------------------------

    def inlines(self, nodes: Iterable[Inline]) -> str:
        return "".join(INLINE_RULES[type(node)](self, node) for node in nodes)

    def text(self, node: Text) -> str:
        text = esc(node.text)
        if node.code:
            text = f"<code>{text}</code>"
        if node.italic:
            text = f"<em>{text}</em>"
        if node.bold:
            text = f"<strong>{text}</strong>"
        return text

    def link(self, node: Link) -> str:
        url = safe_url(node.url)
        if url is None:
            return self.inlines(node.children)
        return f'<a href="{esc(url)}">{self.inlines(node.children)}</a>'

    def xref(self, node: XRef) -> str:
        if not node.anchor:
            return esc(node.text)
        return f'<a class="xref" href="#{self.ident(node.anchor)}">{esc(node.text)}</a>'

    def line_break(self, node: LineBreak) -> str:
        return "<br>"

    def note_ref(self, node: FootnoteRef) -> str:
        target = self.ident(f"{self.part_key}note-{node.number}")
        return f'<sup class="note-ref"><a href="#{target}">{node.number}</a></sup>'

    @property
    def part_key(self) -> str:
        return self.part.key if len(self.doc.parts) > 1 else ""

    # -- blocks ------------------------------------------------------------------

    def blocks(self, blocks: list[Block]) -> None:
        for block in blocks:
            BLOCK_RULES[type(block)](self, block)

    def heading(self, block: Heading) -> None:
        tag = f"h{min(max(int(block.level), 1), 6)}"
        classes = ' class="new-page"' if block.page_break_before and block.level == 1 else ""
        number = f'<span class="num">{esc(block.prefix)}</span> ' if block.prefix else ""
        title = self.inlines(block.title)
        self.out.append(f'<{tag} id="{self.ident(block.anchor)}"{classes}>{number}{title}</{tag}>')

    def paragraph(self, block: Paragraph) -> None:
        style = css_class(block.style, "body")
        cls = "" if style == "body" else f' class="{style}"'
        self.out.append(f"<p{cls}>{self.inlines(block.inlines)}</p>")

    def list(self, block: ListBlock) -> None:
        w = self.out.append
        tag = "ol" if block.ordered else "ul"
        start = ""
        if block.ordered and block.start != 1:
            # WeasyPrint ignores `start`; the list-item counter does the same in print.
            first = int(block.start)
            start = f' start="{first}" style="counter-reset: list-item {first - 1}"'
        w(f"<{tag}{start}>")
        for item in block.items:
            w("<li>")
            if len(item) == 1 and isinstance(item[0], Paragraph):
                w(self.inlines(item[0].inlines))
            else:
                self.blocks(item)
            w("</li>")
        w(f"</{tag}>")

    def callout(self, block: Callout) -> None:
        # An aside, not a table: text set apart, named by its title for a screen reader.
        label = f' aria-label="{esc(block.title)}"' if block.title else ""
        self.out.append(f'<aside class="callout {css_class(block.kind, "statement")}"{label}>')
        if block.title:
            self.out.append(f'<p class="callout-title">{esc(block.title)}</p>')
        self.blocks(block.blocks)
        self.out.append("</aside>")

    def figure(self, block: Figure) -> None:
        if block.chart is not None:
            url = self.chart_url(block)
        elif block.image is not None:
            url = self.image_url(block.image)
        else:
            return  # composition makes no figure without a picture
        self.out.append(
            f'<figure id="{self.ident(block.anchor)}"><img src="{esc(url)}" '
            f'alt="{esc(block.alt)}" style="width: {block.width_fraction * 100:.0f}%">'
        )
        self.out.append(
            f"<figcaption>{self.caption_lead(block)}{self.inlines(block.caption)}"
            "</figcaption></figure>"
        )

    def caption_lead(self, block: Table | Figure) -> str:
        return esc(f"{block.label}{block.separator}")

    def page_break(self, block: PageBreak) -> None:
        self.out.append('<div style="break-after: page"></div>')

    def landscape(self, block: Landscape) -> None:
        self.out.append('<div class="landscape">')
        self.blocks(block.blocks)
        self.out.append("</div>")

    def signature(self, block: Signature) -> None:
        w = self.out.append
        w('<div class="signature">')
        for index, (label, value) in enumerate(block.lines):
            cls = ' class="line"' if index == len(block.lines) - 1 else ""
            w(f"<p{cls}><strong>{esc(label)}</strong> {esc(value)}</p>")
        w("</div>")

    def title_page(self, block: TitlePage) -> None:
        w = self.out.append
        w('<div class="appendix-title">')
        for line in block.before:
            w(f'<p class="appendix-meeting">{esc(line)}</p>')
        w(
            f'<h1><span class="appendix-number">{esc(block.label)}</span> '
            f'<span class="appendix-name">{esc(block.title)}</span></h1>'
        )
        for line in block.after:
            w(f'<p class="appendix-item">{esc(line)}</p>')
        w("</div>")

    # -- tables ------------------------------------------------------------------

    def table(self, table: Table) -> None:
        w = self.out.append
        ident = f' id="{self.ident(table.anchor)}"' if table.anchor else ""
        w(f"<table{ident}>")
        if table.caption:
            w(f"<caption>{self.caption_lead(table)}{self.inlines(table.caption)}</caption>")
        rows = table.rows
        if table.header and rows:
            w("<thead>")
            w(self.row(rows[0], header=True, table=table))
            w("</thead>")
            rows = rows[1:]
        w("<tbody>")
        for row in rows:
            w(self.row(row, header=False, table=table))
        w("</tbody></table>")

    def row(self, row: Row, header: bool, table: Table) -> str:
        kind = css_class(row.kind, "body")
        cls = f' class="{kind}"' if kind != "body" else ""
        ident = f' id="{self.ident(row.anchor)}"' if row.anchor else ""
        cells = []
        for index, cell in enumerate(row.cells):
            # Under a header row, a label column is data headed by that row (a reader
            # says "Role: Accountable"), drawn like a header column ("label").
            labels = table.key_value and index == 0
            row_header = labels and not table.header
            cells.append(self.cell(cell, header, row_header, label=labels and table.header))
        return f"<tr{cls}{ident}>{''.join(cells)}</tr>"

    def cell(self, cell: Cell, header: bool, row_header: bool, label: bool = False) -> str:
        classes: list[str] = ["label"] if label and not header else []
        if cell.align != "left":
            classes.append(css_class(cell.align))
        if cell.rag:
            classes.append(css_class(f"rag-{cell.rag}"))
        classes = [name for name in classes if name]
        cls = f' class="{" ".join(classes)}"' if classes else ""
        span = f' colspan="{int(cell.colspan)}"' if cell.colspan > 1 else ""
        content = self.inlines(cell.inlines)
        if header:
            return f'<th scope="col"{cls}{span}>{content}</th>'
        if row_header:
            return f'<th scope="row"{cls}{span}>{content}</th>'
        return f"<td{cls}{span}>{content}</td>"

    # -- contents, notes, parts --------------------------------------------------

    def contents(self, block: Contents) -> None:
        w = self.out.append
        if block.scope == "binder":
            w(
                f'<nav class="contents pack-contents"><h1 id="{self.ident(self.part_key)}'
                f'contents">{esc(block.title)}</h1><ol>'
            )
        else:
            w(
                f'<nav class="contents"><h1 id="{self.ident(self.part_key + "contents")}" '
                f'class="new-page">{esc(block.title)}</h1><ol>'
            )
        for entry in block.entries:
            cls = f"level-{int(entry.level)}" + (" part" if entry.part else "")
            text = f"{entry.prefix} {entry.text}" if entry.prefix else entry.text
            w(f'<li class="{cls}"><a href="#{self.ident(entry.anchor)}">{esc(text)}</a></li>')
        w("</ol></nav>")

    def notes(self, part: Part) -> None:
        if not part.footnotes:
            return
        w = self.out.append
        w(f'<section class="notes"><h2>{esc(part.notes_title)}</h2><ol>')
        for number in sorted(part.footnotes):
            w(f'<li id="{self.ident(f"{self.part_key}note-{number}")}" value="{number}">')
            self.blocks(part.footnotes[number])
            w("</li>")
        w("</ol></section>")

    def logo(self, part: Part, cls: str) -> None:
        if part.logo is not None:
            alt = f"{self.doc.info.author} logo"
            self.out.append(
                f'<img class="{cls}" src="{esc(self.image_url(part.logo))}" alt="{esc(alt)}">'
            )

    def part_body(self, part: Part) -> None:
        """A part: its cover page (logo and what precedes the first heading), the rest, notes."""
        self.part = part
        blocks = part.blocks
        if part.cover_end or (part.cover and part.logo is not None):
            self.out.append('<section class="cover">')
            self.logo(part, "logo")
            self.blocks(blocks[: part.cover_end])
            self.out.append("</section>")
            blocks = blocks[part.cover_end :]
        elif part.logo is not None and len(self.doc.parts) > 1:
            self.logo(part, "report-logo")
        self.blocks(blocks)
        self.notes(part)

    def binder(self) -> None:
        """Several parts, each in a section that names it (running header, bookmarks)."""
        for part in self.doc.parts:
            if part.source == "front":
                self.out.append('<section class="pack-front">')
                self.part_body(part)
                self.out.append("</section>")
                continue
            kind = "appendix" if part.number else "report"
            source = "plan" if part.source == "plan" else "other"
            self.out.append(
                f'<section class="part part-{kind} part-{source}" id="{self.ident(part.anchor)}">'
            )
            if part.title_page is not None:
                self.title_page(part.title_page)
            self.part_body(part)
            self.out.append("</section>")


BLOCK_RULES: dict[type, Callable[[_Writer, Any], None]] = {
    Heading: _Writer.heading,
    Paragraph: _Writer.paragraph,
    ListBlock: _Writer.list,
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


def render_body(
    document: Document,
    image_url: Callable[[ImageData], str] | None = None,
    *,
    generated: dict[str, bytes] | None = None,
) -> str:
    """The document's content as HTML, without the page around it.

    Pictures drawn from the data are added to `generated` under the URLs the HTML uses
    (data: URLs when it is None).
    """
    writer = _Writer(document, image_url, generated)
    if len(document.parts) == 1:
        writer.part_body(document.parts[0])
    else:
        writer.binder()
    return "\n".join(writer.out)


def render_html(
    document: Document,
    image_url: Callable[[ImageData], str] | None = None,
    templates: Path | None = None,
    generated: dict[str, bytes] | None = None,
) -> str:
    """The document as a complete HTML page (UTF-8 text).

    `image_url` maps a picture (its checked bytes) to the URL written in the page; by
    default pictures and charts are data: URLs, or URLs collected in `generated` when
    it is given (the PDF, whose fetcher serves them from memory).
    """
    body = render_body(document, image_url, generated=generated)
    info = document.info
    title = f"{info.title}: {info.area}" if info.area else info.title
    head = (
        "<!DOCTYPE html>\n"
        f'<html lang="{language_tag(info.language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta name="author" content="{esc(info.author)}">\n'
        f'<meta name="description" content="{esc(info.subject)}">\n'
        f'<meta name="keywords" content="{esc(", ".join(info.keywords))}">\n'
        f"<style>\n{full_stylesheet(document, templates)}</style>\n</head>\n<body>\n"
    )
    return head + body + "\n</body>\n</html>\n"
