"""A marked HTML page and PDF of a redline: the new version with the old one's text shown.

Made, like the Word redline, from the merged document model (`redline_docx.merge`) and
the one HTML writer: the marks in the text become `<ins>` (underlined twice) and `<del>`
(struck through) elements, each paragraph, heading or row with a change gets a bar in
the margin, and a first page lists every change with a link to it. The marks are shapes,
so they read in greyscale and without colour; the colours (the look's insertion and
deletion colours) only add to them. The PDF is the PDF writer's: tagged, as any build.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import html as lxml_html

from ..document.model import Document
from .html import esc, render_html
from .redline_docx import DEL, END, FORMAT, INS, MARKS, merge

SPANS = re.compile(f"([{INS}{DEL}{chr(FORMAT)}-{chr(FORMAT + 3)}])(.*?){END}", re.DOTALL)
ATTRIBUTE = re.compile(r'="([^"]*)"')
BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "tr", "dd")
HEADINGS = ("h1", "h2", "h3")
EXCERPT = 60  # characters of a change shown on the first page


def redline_css(document: Document) -> str:
    """The marks: shapes first (double underline, strike-through, a bar), colour after."""
    colours = document.look.colours
    return f"""
ins.rl-ins {{ text-decoration: underline double; color: {colours.insertion}; }}
del.rl-del {{ text-decoration: line-through; color: {colours.deletion}; }}
.rl-fmt {{ text-decoration: underline dotted; }}
.rl-changed {{ border-left: 3pt solid {colours.text}; padding-left: 5pt; margin-left: -8pt; }}
tr.rl-changed {{ border-left: none; padding-left: 0; margin-left: 0; }}
tr.rl-changed > *:first-child {{ border-left: 3pt solid {colours.text}; }}
section.rl-changes {{ break-after: page; }}
section.rl-changes ol {{ padding-left: 1.5em; }}
section.rl-changes li {{ margin-bottom: 3pt; }}
"""


def marked_page(
    old: Document,
    new: Document,
    title: str,
    templates: Path | None = None,
    generated: dict[str, bytes] | None = None,
) -> str:
    """The HTML page of the new version with the changes from `old` marked, after a first
    page (`title`, then every change with a link to it)."""
    page = render_html(merge(old, new), templates=templates, generated=generated)
    page = ATTRIBUTE.sub(_clean_attribute, page)  # descriptions, titles: no marks
    counter = iter(range(1, 1_000_000))
    page = SPANS.sub(lambda m: _span(m, next(counter)), page)
    page = MARKS.sub("", page)  # the marks of whole paragraphs and rows: shown by their text
    page = page.replace("</style>", redline_css(new) + "</style>", 1)
    tree = lxml_html.document_fromstring(page)
    changes = _changes(tree)
    body = tree.find("body")
    if body is not None:
        body.insert(0, lxml_html.fragment_fromstring(_first_page(title, changes)))
    return "<!DOCTYPE html>\n" + lxml_html.tostring(tree, encoding="unicode")


def _clean_attribute(match: re.Match[str]) -> str:
    value = match.group(1)
    return f'="{MARKS.sub("", value)}"' if MARKS.search(value) else match.group(0)


def _span(match: re.Match[str], number: int) -> str:
    mark, content = match.group(1), match.group(2)
    if not content:
        return ""
    if mark == INS:
        return f'<ins class="rl-ins" id="rl-{number}">{content}</ins>'
    if mark == DEL:
        return f'<del class="rl-del" id="rl-{number}">{content}</del>'
    return f'<span class="rl-fmt" id="rl-{number}">{content}</span>'


def _changes(tree) -> list[tuple[str, str, str, str]]:
    """(section, kind, text, id) of each change in page order; the blocks holding one get
    the change bar."""
    found: list[tuple[str, str, str, str]] = []
    section = ""
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in HEADINGS and "rl-changes" not in (element.getparent().get("class") or ""):
            section = " ".join(element.text_content().split())
        classes = (element.get("class") or "").split()
        kind = next((c for c in classes if c in ("rl-ins", "rl-del", "rl-fmt")), "")
        if not kind:
            continue
        text = " ".join(element.text_content().split())
        found.append((section, kind, text, element.get("id") or ""))
        block = next((a for a in element.iterancestors() if a.tag in BLOCKS), None)
        if block is not None and "rl-changed" not in (block.get("class") or ""):
            block.set("class", f"{block.get('class') or ''} rl-changed".strip())
    return found


WORDS = {"rl-ins": "inserted", "rl-del": "deleted", "rl-fmt": "formatting changed"}


def _first_page(title: str, changes: list[tuple[str, str, str, str]]) -> str:
    """The first page: what the marks mean, then the changes, one line each, linked."""
    items = []
    for section, kind, text, anchor in changes:
        shown = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
        where = f"{esc(section)}: " if section else ""
        tag = {"rl-ins": "ins", "rl-del": "del"}.get(kind, "span")
        items.append(
            f'<li>{where}<a href="#{esc(anchor)}">{WORDS[kind]}: '
            f'<{tag} class="{kind}">{esc(shown)}</{tag}></a></li>'
        )
    listed = f"<ol>{''.join(items)}</ol>" if items else "<p>No changes.</p>"
    count = len(changes)
    return (
        '<section class="rl-changes">'
        f"<h1>{esc(title)}</h1>"
        f"<p>{count} change{'s' if count != 1 else ''}. Inserted text is underlined twice, "
        "deleted text is struck through, and a bar in the left margin marks each "
        "paragraph, heading or table row with a change.</p>"
        f"{listed}</section>"
    )


def redline_pdf(
    old: Document, new: Document, title: str, plan_root: Path, templates: Path | None = None
) -> bytes:
    """The marked page laid out by the PDF writer: tagged, pictures from memory."""
    from .pdf import WATERMARK_URL, watermark_png, write_pdf

    generated: dict[str, bytes] = {}
    page = marked_page(old, new, title, templates, generated)
    mark = next((part.draft_mark for part in new.parts if part.draft_mark), "")
    if mark:
        generated[WATERMARK_URL] = watermark_png(new.look, mark)
    return write_pdf(page, plan_root, templates, generated)
