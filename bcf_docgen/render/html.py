"""The HTML writer: the document model as one self-contained HTML page.

It is both an output (`--to html`, for intranet preview) and the input WeasyPrint lays
out as the PDF. Everything it needs to know about looks comes from the Theme through
templates/theme/document.css.j2; numbering and reference texts come resolved in the model.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from pathlib import Path

import jinja2

from ..content.reader import default_templates
from ..document.labels import (
    CONTENTS_TITLE,
    NOTES_TITLE,
    SIGNATURE_LABELS,
    caption_label,
    footer_text,
    header_text,
)
from ..document.model import (
    Block,
    Callout,
    Cell,
    Contents,
    Document,
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
    Signature,
    Table,
    Text,
    XRef,
)

esc = html.escape

# Pictures drawn from the data (charts) are served to WeasyPrint from memory under this.
GENERATED_URL = "bcf-internal:generated/"


def font_stack(theme_font: str, fallbacks: list[str]) -> str:
    names = [theme_font, *[f for f in fallbacks if f != theme_font]]
    return ", ".join(f'"{n}"' for n in names) + ", sans-serif"


def theme_environment(templates: Path | None = None) -> jinja2.Environment:
    """Jinja for the project's own stylesheet templates (templates/theme/), not content."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str((templates or default_templates()) / "theme")),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def stylesheet(document: Document, templates: Path | None = None, draft: bool | None = None) -> str:
    """The print stylesheet; `draft` overrides the document's status (for the watermark)."""
    theme = document.theme
    env = theme_environment(templates)

    def css_string(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")

    return env.get_template("document.css.j2").render(
        theme=theme,
        c=theme.colours,
        body_font=font_stack(theme.fonts.body, theme.fonts.fallbacks),
        heading_font=font_stack(theme.fonts.heading, theme.fonts.fallbacks),
        title_css=css_string(header_text(document.info)),
        footer_css=css_string(footer_text(document.info)),
        draft=document.info.is_draft if draft is None else draft,
    )


class _Writer:
    def __init__(
        self,
        document: Document,
        image_url,
        prefix: str = "",
        generated: dict[str, bytes] | None = None,
    ):
        self.doc = document
        self.image_url = image_url
        # Put before every id and internal link, so several documents can share one page.
        self.prefix = prefix
        # Pictures drawn from the data, by the URL the page uses for them; without it they
        # are written into the page as data: URLs.
        self.generated = generated
        self.out: list[str] = []

    def ident(self, anchor: str) -> str:
        return esc(f"{self.prefix}{anchor}")

    def chart_url(self, figure: Figure) -> str:
        svg = figure.chart.svg()
        if self.generated is None:
            return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        url = f"{GENERATED_URL}{self.prefix}{figure.anchor or len(self.generated)}.svg"
        self.generated[url] = svg
        return url

    # -- inline ------------------------------------------------------------------

    def inlines(self, nodes: Iterable[Inline]) -> str:
        parts = []
        for node in nodes:
            if isinstance(node, Text):
                text = esc(node.text)
                if node.code:
                    text = f"<code>{text}</code>"
                if node.italic:
                    text = f"<em>{text}</em>"
                if node.bold:
                    text = f"<strong>{text}</strong>"
                parts.append(text)
            elif isinstance(node, Link):
                parts.append(f'<a href="{esc(node.url)}">{self.inlines(node.children)}</a>')
            elif isinstance(node, XRef):
                if node.anchor:
                    parts.append(
                        f'<a class="xref" href="#{self.ident(node.anchor)}">{esc(node.text)}</a>'
                    )
                else:
                    parts.append(esc(node.text))
            elif isinstance(node, LineBreak):
                parts.append("<br>")
            elif isinstance(node, FootnoteRef):
                parts.append(
                    f'<sup class="note-ref"><a href="#{self.ident(f"note-{node.number}")}">'
                    f"{node.number}</a></sup>"
                )
        return "".join(parts)

    # -- blocks ------------------------------------------------------------------

    def blocks(self, blocks: list[Block]) -> None:
        for block in blocks:
            self.block(block)

    def block(self, block: Block) -> None:
        w = self.out.append
        if isinstance(block, Heading):
            tag = f"h{block.level}"
            classes = ' class="new-page"' if block.page_break_before and block.level == 1 else ""
            number = ""
            if block.number:
                label = (
                    f"Appendix {block.number}:"
                    if block.appendix and block.level == 1
                    else block.number
                )
                number = f'<span class="num">{esc(label)}</span> '
            title = self.inlines(block.title)
            w(f'<{tag} id="{self.ident(block.anchor)}"{classes}>{number}{title}</{tag}>')
        elif isinstance(block, Paragraph):
            cls = "" if block.style == "body" else f' class="{block.style}"'
            w(f"<p{cls}>{self.inlines(block.inlines)}</p>")
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            start = ""
            if block.ordered and block.start != 1:
                # WeasyPrint ignores `start`; the list-item counter does the same in print.
                start = f' start="{block.start}" style="counter-reset: list-item {block.start - 1}"'
            w(f"<{tag}{start}>")
            for item in block.items:
                w("<li>")
                if len(item) == 1 and isinstance(item[0], Paragraph):
                    w(self.inlines(item[0].inlines))
                else:
                    self.blocks(item)
                w("</li>")
            w(f"</{tag}>")
        elif isinstance(block, Callout):
            w(f'<div class="callout {block.kind}">')
            if block.title:
                w(f'<p class="callout-title">{esc(block.title)}</p>')
            self.blocks(block.blocks)
            w("</div>")
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Figure):
            url = self.chart_url(block) if block.chart is not None else self.image_url(block.path)
            src = esc(url)
            w(
                f'<figure id="{self.ident(block.anchor)}"><img src="{src}" alt="{esc(block.alt)}" '
                f'style="width: {block.width_fraction * 100:.0f}%">'
            )
            w(
                f"<figcaption>{esc(caption_label(block.label))}{self.inlines(block.caption)}"
                "</figcaption></figure>"
            )
        elif isinstance(block, Contents):
            self.contents()
        elif isinstance(block, PageBreak):
            w('<div style="break-after: page"></div>')
        elif isinstance(block, Landscape):
            w('<div class="landscape">')
            self.blocks(block.blocks)
            w("</div>")
        elif isinstance(block, Signature):
            labels = SIGNATURE_LABELS
            w('<div class="signature">')
            w(f"<p><strong>{esc(labels['for'])}</strong> {esc(block.on_behalf_of)}</p>")
            w(f"<p><strong>{esc(labels['name'])}</strong> {esc(block.name)}</p>")
            w(f"<p><strong>{esc(labels['position'])}</strong> {esc(block.position)}</p>")
            date = esc(block.date_text) if block.date_text else labels["blank"]
            w(f"<p><strong>{esc(labels['date'])}</strong> {date}</p>")
            w(f'<p class="line"><strong>{esc(labels["signature"])}</strong> {labels["blank"]}</p>')
            w("</div>")

    def table(self, table: Table) -> None:
        w = self.out.append
        ident = f' id="{self.ident(table.anchor)}"' if table.anchor else ""
        w(f"<table{ident}>")
        if table.caption:
            w(f"<caption>{esc(caption_label(table.label))}{self.inlines(table.caption)}</caption>")
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
        cls = f' class="{row.kind}"' if row.kind != "body" else ""
        ident = f' id="{self.ident(row.anchor)}"' if row.anchor else ""
        cells = []
        for index, cell in enumerate(row.cells):
            cells.append(self.cell(cell, header, row_header=table.key_value and index == 0))
        return f"<tr{cls}{ident}>{''.join(cells)}</tr>"

    def cell(self, cell: Cell, header: bool, row_header: bool) -> str:
        classes = []
        if cell.align != "left":
            classes.append(cell.align)
        if cell.rag:
            classes.append(f"rag-{cell.rag}")
        cls = f' class="{" ".join(classes)}"' if classes else ""
        span = f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
        content = self.inlines(cell.inlines)
        if header:
            return f'<th scope="col"{cls}{span}>{content}</th>'
        if row_header:
            return f'<th scope="row"{cls}{span}>{content}</th>'
        return f"<td{cls}{span}>{content}</td>"

    def contents(self) -> None:
        w = self.out.append
        w(
            f'<nav class="contents"><h1 id="{self.ident("contents")}" class="new-page">'
            f"{CONTENTS_TITLE}</h1><ol>"
        )
        for heading in self.doc.headings():
            if heading.in_contents and heading.level <= 3:
                w(
                    f'<li class="level-{heading.level}"><a href="#{self.ident(heading.anchor)}">'
                    f"{esc(heading.label)}</a></li>"
                )
        w("</ol></nav>")

    def notes(self) -> None:
        if not self.doc.footnotes:
            return
        w = self.out.append
        w(f'<section class="notes"><h2>{NOTES_TITLE}</h2><ol>')
        for number in sorted(self.doc.footnotes):
            w(f'<li id="{self.ident(f"note-{number}")}" value="{number}">')
            self.blocks(self.doc.footnotes[number])
            w("</li>")
        w("</ol></section>")


def render_body(
    document: Document,
    image_url=None,
    *,
    prefix: str = "",
    generated: dict[str, bytes] | None = None,
    cover: bool = True,
) -> str:
    """The document's content as HTML, without the page around it.

    `prefix` goes before every id and internal link (so documents can share a page);
    pictures drawn from the data are added to `generated` under the URLs the HTML uses
    (data: URLs when it is None). With `cover`, what comes before the first heading or
    the contents is the cover page, with the logo.
    """
    writer = _Writer(document, image_url or (lambda path: path.as_uri()), prefix, generated)
    blocks = list(document.blocks)
    if cover:
        # The cover is everything before the first heading or contents.
        front: list[Block] = []
        while blocks and not isinstance(blocks[0], Heading | Contents):
            front.append(blocks.pop(0))
        writer.out.append('<section class="cover">')
        if document.logo is not None:
            writer.out.append(
                f'<img class="logo" src="{esc(writer.image_url(document.logo))}" '
                f'alt="{esc(document.info.author)} logo">'
            )
        writer.blocks(front)
        writer.out.append("</section>")
    writer.blocks(blocks)
    writer.notes()
    return "\n".join(writer.out)


def render_html(
    document: Document,
    image_url=None,
    templates: Path | None = None,
    generated: dict[str, bytes] | None = None,
) -> str:
    """The document as a complete HTML page (UTF-8 text).

    `image_url` maps a figure's path to the URL written in the page; by default a
    file: URL, which the PDF writer's fetcher allows only inside the plan folder.
    Charts are data: URLs, or URLs collected in `generated` when it is given (the PDF).
    """
    body = render_body(document, image_url, generated=generated)
    info = document.info
    head = (
        "<!DOCTYPE html>\n"
        f'<html lang="{info.language}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(info.title)}: {esc(info.area)}</title>\n"
        f'<meta name="author" content="{esc(info.author)}">\n'
        f'<meta name="description" content="{esc(info.subject)}">\n'
        f'<meta name="keywords" content="{esc(", ".join(info.keywords))}">\n'
        f"<style>\n{stylesheet(document, templates)}</style>\n</head>\n<body>\n"
    )
    return head + body + "\n</body>\n</html>\n"
