"""Accessibility of the built document: alt text, heading levels, link text, table header
rows, and RAG ratings that are shown by colour alone.

Missing alt text and a RAG rating shown only as a colour keep information from people
who cannot see the page (WCAG 1.1.1, 1.4.1): a warning in a draft, an error in a final
plan. Skipped heading levels, vague link text and tables without a header row make the
document harder to navigate with a screen reader: warnings.
"""

from __future__ import annotations

import re

from ..content.plan import Plan
from ..document.look import contrast_ratio
from ..document.model import (
    Callout,
    Document,
    Link,
    plain_text,
)
from ..findings import Findings
from .registry import by_status, document_check

VAGUE_LINKS = {
    "click here",
    "click",
    "here",
    "link",
    "this link",
    "read more",
    "more",
    "more info",
    "more information",
    "find out more",
    "this",
    "this page",
    "website",
}
# Coloured symbols that carry a rating by colour alone when nothing else is written.
COLOUR_ONLY = re.compile(
    "^[\\s\u25cf\u25cb\u25c9\u2b24\u26ab\u26aa\u25a0\u25a1\u25aa\u25ab\u2b1b\u2b1c"
    "\U0001f534\U0001f7e0\U0001f7e1\U0001f7e2\U0001f535\U0001f7e3\U0001f7e4"
    "\U0001f7e5\U0001f7e6\U0001f7e7\U0001f7e8\U0001f7e9\U0001f7ea\U0001f7eb\ufe0f]+$"
)


@document_check
def figures_have_alt_text(plan: Plan, document: Document, findings: Findings) -> None:
    for figure in document.figures():
        if figure.alt.strip():
            continue
        findings.add(
            by_status(plan),
            "a11y.alt-text",
            "figure has no text alternative (alt text), so people using a screen reader "
            "are not told what it shows",
            figure.location,
            'add alt="..." describing the picture: ![Caption](assets/x.png){#fig:x alt="..."}',
        )


@document_check
def heading_levels_do_not_skip(plan: Plan, document: Document, findings: Findings) -> None:
    previous = 1
    for heading in document.headings():
        if heading.level > previous + 1:
            hashes = "#" * (previous + 1)
            findings.warning(
                "a11y.heading-skip",
                f"heading '{heading.plain_title}' skips a level (level {heading.level} after "
                f"level {previous})",
                heading.location,
                f"use {hashes} for this heading (one level below the heading above it), so "
                "that screen readers and the contents show the structure",
            )
        previous = heading.level


@document_check
def link_text_says_where(plan: Plan, document: Document, findings: Findings) -> None:
    for link in [n for n in document.inline_nodes() if isinstance(n, Link)]:
        text = " ".join(plain_text(link.children).split()).strip(" .:").lower()
        if text not in VAGUE_LINKS or link.location is None:
            continue
        findings.warning(
            "a11y.link-text",
            f"link text '{plain_text(link.children).strip()}' does not say where the link "
            "goes; screen reader users often list the links on a page",
            link.location,
            "write the name of what it links to, e.g. [the BCF policy framework](https://...)",
        )


@document_check
def tables_have_header_rows(plan: Plan, document: Document, findings: Findings) -> None:
    for table in document.tables():
        if table.key_value or not table.rows:
            continue
        names = [plain_text(c.inlines).strip() for c in table.rows[0].cells]
        if table.header and all(names):
            continue
        if not table.header and not (table.id or table.caption):
            continue  # a layout table, not data
        if table.header and any(names):
            unnamed = ", ".join(str(i) for i, name in enumerate(names, start=1) if not name)
            message = f"column {unnamed} of the table has no name in its header row"
        else:
            message = "table has no header row, so its columns have no names for screen readers"
        findings.warning(
            "a11y.table-header",
            message,
            table.location,
            "give every column a name in the table's first row (above the |---| line)",
        )


@document_check
def callout_text_is_readable(plan: Plan, document: Document, findings: Findings) -> None:
    """Text and titles on a callout's tint: a pair the theme's own check does not see,
    since the tint is mixed from the theme's colours."""
    look = document.look
    kinds = sorted({block.kind for block in document.walk() if isinstance(block, Callout)})
    for kind in kinds:
        fill = look.callouts.of(kind).fill
        for what, colour in (("text", look.colours.text), ("title", look.colours.primary)):
            ratio = contrast_ratio(colour, fill)
            if ratio >= 4.5:
                continue
            findings.warning(
                "a11y.contrast",
                f"{kind} boxes: the {what} colour {colour} on their tint {fill} has contrast "
                f"{ratio:.1f}:1, below the 4.5:1 that WCAG AA requires",
                plan.theme.loc("colours"),
                "choose a darker text or primary colour in theme.yaml",
            )


@document_check
def rag_not_by_colour_alone(plan: Plan, document: Document, findings: Findings) -> None:
    for table in document.tables():
        for index, row in enumerate(table.rows):
            if index == 0 and table.header:
                continue
            for cell in row.cells:
                text = plain_text(cell.inlines).strip()
                if cell.rag and not text:
                    what = f"a {cell.rag} rating is shown by colour only"
                elif text and COLOUR_ONLY.match(text):
                    what = f"'{text}' shows a rating by colour only"
                else:
                    continue
                findings.add(
                    by_status(plan),
                    "a11y.rag-colour",
                    f"{what}; people who cannot tell the colours apart miss it",
                    row.location or table.location,
                    "write the rating in words as well (Red, Amber, Green)",
                )
