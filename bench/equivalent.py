"""The same document as one Pandoc Markdown file, for the pandoc baseline of the benchmark.

Written from the assembled document model, so pandoc converts exactly the content our
Word writer writes: every heading (with its number), paragraph, list, callout, table
(as a pipe table with its caption), figure and footnote. Pandoc's own `--toc` stands in
for our contents. Page layout (landscape pages, page breaks) has no Markdown form and is
left out; signature blocks become plain paragraphs.
"""

from __future__ import annotations

from bcf_docgen.document.labels import caption_label
from bcf_docgen.document.model import (
    Block,
    Callout,
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
    Signature,
    Table,
    Text,
    XRef,
)

ESCAPE = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|$@"})


def inlines(nodes: list[Inline]) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            text = f"`{node.text}`" if node.code else node.text.translate(ESCAPE)
            if node.italic:
                text = f"*{text}*"
            if node.bold:
                text = f"**{text}**"
            out.append(text)
        elif isinstance(node, Link):
            out.append(f"[{inlines(node.children)}]({node.url})")
        elif isinstance(node, XRef):
            text = (node.text or node.target).translate(ESCAPE)
            out.append(f"[{text}](#{node.anchor})" if node.anchor else text)
        elif isinstance(node, LineBreak):
            out.append("\\\n")
        elif isinstance(node, FootnoteRef):
            out.append(f"[^{node.number}]")
    return "".join(out)


def blocks(items: list[Block], out: list[str], indent: str = "") -> None:
    for block in items:
        block_markdown(block, out, indent)


def block_markdown(block: Block, out: list[str], indent: str = "") -> None:
    def emit(text: str) -> None:
        out.append("\n".join(indent + line if line else line for line in text.split("\n")))

    if isinstance(block, Heading):
        number = f"{block.number} " if block.number else ""
        emit(f"{'#' * block.level} {number}{inlines(block.title)} {{#{block.anchor}}}")
    elif isinstance(block, Paragraph):
        emit(inlines(block.inlines))
    elif isinstance(block, ListBlock):
        for index, item in enumerate(block.items, start=block.start):
            marker = f"{index}. " if block.ordered else "- "
            inner: list[str] = []
            blocks(item, inner)
            text = "\n\n".join(inner) or " "
            lines = text.split("\n")
            pad = " " * len(marker)
            emit(marker + lines[0] + "".join("\n" + (pad + ln if ln else ln) for ln in lines[1:]))
    elif isinstance(block, Callout):
        inner = []
        if block.title:
            inner.append(f"**{block.title.translate(ESCAPE)}**")
        blocks(block.blocks, inner)
        emit("\n>\n".join("> " + part.replace("\n", "\n> ") for part in inner))
    elif isinstance(block, Table):
        emit(table(block))
    elif isinstance(block, Figure):
        caption = caption_label(block.label) + inlines(block.caption)
        # The picture as the plan names it: pandoc runs with --resource-path=PLAN.
        source = block.image.source if block.image is not None else ""
        emit(f"![{caption}]({source}){{#{block.anchor}}}")
    elif isinstance(block, Landscape):
        blocks(block.blocks, out, indent)
    elif isinstance(block, Signature):
        lines = [f"**For** {block.on_behalf_of}", f"**Name** {block.name}"]
        emit("\\\n".join([*lines, f"**Position** {block.position}"]))
    elif isinstance(block, Contents | PageBreak):
        pass


def table(block: Table) -> str:
    rows = [
        [inlines(cell.inlines).replace("\n", " ") or " " for cell in row.cells]
        for row in block.rows
    ]
    width = len(block.columns)
    rows = [(r + [" "] * width)[:width] for r in rows]
    if block.header and rows:
        header, body = rows[0], rows[1:]
    else:
        header, body = [c.header or " " for c in block.columns], rows
    align = ["---:" if c.numeric else "---" for c in block.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    text = "\n".join(lines)
    if block.caption:
        text += f"\n\nTable: {caption_label(block.label)}{inlines(block.caption)}"
    return text


def document_markdown(document: Document) -> str:
    """The whole document as Pandoc Markdown, footnotes at the end."""
    info = document.info
    out = [f'---\ntitle: "{info.title}: {info.area}"\nlang: {info.language}\n---']
    blocks(document.blocks, out)
    for number in sorted(document.footnotes):
        inner: list[str] = []
        blocks(document.footnotes[number], inner)
        out.append(f"[^{number}]: " + "\n\n    ".join(inner))
    return "\n\n".join(out) + "\n"
