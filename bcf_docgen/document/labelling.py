"""Labelling: the words every writer prints around content, written into the model once.

After resolution has numbered the binder, labelling fills what the writers would
otherwise each decide: heading prefixes ("3.2", "Appendix A:"), caption labels
("Table 4: "), the word in an otherwise empty RAG cell (never colour alone), contents
entries, signature lines, and per part its label, cover page, running header, footer,
notes title and draft mark. The writers then only translate the model into their format.

`name_parts` runs before resolution (references into another part name that part);
`label` runs after it.
"""

from __future__ import annotations

from . import labels
from .model import (
    RAG_WORDS,
    Block,
    Callout,
    Contents,
    ContentsEntry,
    Document,
    Figure,
    Heading,
    Landscape,
    Part,
    Signature,
    Table,
    Text,
    TitlePage,
    plain_text,
    walk_part,
)

# What ends a cover page: the first block that is not cover material.
COVER_ENDS = (Heading, Contents, Landscape, TitlePage)


def name_parts(document: Document) -> None:
    """Each part's label ("Appendix 2: Risk register") and short name ("Appendix 2")."""
    several = len(document.parts) > 1
    for part in document.parts:
        if part.number:
            part.short = labels.appendix_name(part.number)
            part.label = f"{labels.appendix_prefix(part.number)} {part.title}"
        elif several and part.source == "report":
            part.short = "the covering report"
            part.label = labels.covering_report(part.title)
        else:
            part.short = part.title or document.info.title
            part.label = part.title or document.info.title


def label(document: Document) -> None:
    """Fill every label of a resolved binder."""
    several = len(document.parts) > 1
    document.page_words = labels.PAGE_WORDS
    for part in document.parts:
        _label_part(document, part, several)
        for block in walk_part(part):
            _label_block(block)
        for notes in part.footnotes.values():
            for block in notes:
                _label_block(block)
    for part in document.parts:
        for block in walk_part(part):
            if isinstance(block, Contents):
                block.title = block.title or labels.CONTENTS_TITLE
                block.entries = (
                    binder_entries(document) if block.scope == "binder" else part_entries(part)
                )


def _label_part(document: Document, part: Part, several: bool) -> None:
    info = document.info
    part.notes_title = labels.NOTES_TITLE
    part.draft_mark = labels.DRAFT_MARK if part.draft else ""
    part.cover_end = cover_end(part) if part.cover else 0
    part.top_level = min((h.level for h in top_headings(part)), default=1)
    if not several:
        part.running_header = labels.header_text(info)
        part.footer = labels.footer_text(info)
        return
    running = part.label if (part.number or part.source == "report") else ""
    if running and part.draft:
        running = f"{running} ({labels.DRAFT_MARK})"
    part.running_header = running
    part.footer = labels.footer_text(info)


def cover_end(part: Part) -> int:
    """How many blocks at the start of the part make its cover page."""
    end = 0
    while end < len(part.blocks) and not isinstance(part.blocks[end], COVER_ENDS):
        end += 1
    return end if (end or part.logo is not None) else 0


def _label_block(block: Block) -> None:
    if isinstance(block, Heading):
        if block.number and block.appendix and block.level == 1:
            block.prefix, block.hanging = labels.appendix_prefix(block.number), False
        else:
            block.prefix, block.hanging = block.number, True
    elif isinstance(block, Table | Figure):
        word = labels.TABLE if isinstance(block, Table) else labels.FIGURE
        block.label_word = word if block.number else ""
        block.label = labels.numbered(word, block.number)
        block.separator = labels.CAPTION_SEPARATOR if block.label and block.caption else ""
        if isinstance(block, Table):
            _rag_words(block)
    elif isinstance(block, Signature):
        words = labels.SIGNATURE_LABELS
        block.lines = [
            (words["for"], block.on_behalf_of),
            (words["name"], block.name),
            (words["position"], block.position),
            (words["date"], block.date_text or words["blank"]),
            (words["signature"], words["blank"]),
        ]
    elif isinstance(block, Callout):
        pass  # its blocks are labelled in the walk


def _rag_words(table: Table) -> None:
    """A RAG cell that holds no text gets its rating in words: colour is never alone."""
    for index, row in enumerate(table.rows):
        if table.header and index == 0:
            continue
        for cell in row.cells:
            if cell.rag and not plain_text(cell.inlines).strip():
                cell.inlines = [Text(RAG_WORDS[cell.rag])]


def part_entries(part: Part) -> list[ContentsEntry]:
    """A part's own contents: its headings listed in the contents, to level 3."""
    return [
        ContentsEntry(h.level, h.plain_title, h.anchor, h.prefix, hanging=h.hanging)
        for h in walk_part(part)
        if isinstance(h, Heading) and h.in_contents and h.level <= 3 and h.anchor
    ]


def top_headings(part: Part) -> list[Heading]:
    """The part's headings at its top level (1 for a plan, 2 for a report)."""
    listed = [
        h
        for h in walk_part(part)
        if isinstance(h, Heading) and h.in_contents and h.anchor and h.level <= 3
    ]
    top = min((h.level for h in listed), default=1)
    return [h for h in listed if h.level == top]


def binder_entries(document: Document) -> list[ContentsEntry]:
    """A binder's contents: every part after the front, with its top headings."""
    entries: list[ContentsEntry] = []
    for part in document.parts:
        if not part.anchor or part.source == "front":
            continue
        entries.append(ContentsEntry(1, part.label, part.anchor, part=True))
        for heading in top_headings(part):
            if heading.plain_title == part.title:
                continue  # the part's own title, already listed
            entries.append(
                ContentsEntry(
                    2, heading.plain_title, heading.anchor, heading.prefix, heading.hanging
                )
            )
    return entries
