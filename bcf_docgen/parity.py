"""Parity: the Word file and the PDF must say the same thing, read back from the files.

Both files are read back (python-docx for Word; pypdf and pdfplumber for the PDF) and
compared: the headings with their numbers (Word heading paragraphs against the PDF's
bookmarks), every table cell (Word cells against the cells pdfplumber finds in the PDF's
ruled tables), and every caption and cross-reference text the document model holds,
which must be found in the running text of both files. Any difference is named, with
the output it is missing from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .document.labels import CONTENTS_TITLE, caption_label
from .document.model import Document, Figure, Paragraph, Table, XRef, inline_nodes, plain_text

_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    """Text without any white space, so line wrapping and hyphen-free breaks do not matter."""
    return _SPACE.sub("", text.replace("\u00ad", ""))


def expected_texts(document: Document) -> list[tuple[str, str]]:
    """(what, text) pairs of running text that both outputs must contain, in document order."""
    items: list[tuple[str, str]] = []
    for block in document.walk():
        if isinstance(block, Figure) or (isinstance(block, Table) and block.caption):
            items.append(("caption", caption_label(block.label) + plain_text(block.caption)))
        if isinstance(block, Paragraph):
            for node in inline_nodes(block.inlines):
                if isinstance(node, XRef):
                    items.append(("cross-reference", node.text))
    return items


def expected_cells(document: Document) -> list[tuple[str, str]]:
    """(table label, cell text) for every non-empty cell of every table."""
    return [
        (block.label or "a table", plain_text(cell.inlines).strip())
        for block in document.walk()
        if isinstance(block, Table)
        for row in block.rows
        for cell in row.cells
        if plain_text(cell.inlines).strip()
    ]


@dataclass
class ReadBack:
    headings: list[str]
    text: str  # all running text, squashed
    cells: set[str]  # every table cell's text, squashed


def read_docx(path: Path) -> ReadBack:
    import docx

    document = docx.Document(str(path))
    headings = [
        _SPACE.sub(" ", p.text).strip()
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    cells: set[str] = set()
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
                cells.add(_squash(cell.text))
    return ReadBack(headings, _squash("\n".join(parts)), cells)


def read_pdf(path: Path) -> ReadBack:
    import pdfplumber
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    headings: list[str] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                headings.append(_SPACE.sub(" ", str(item.title)).strip())

    walk(reader.outline)
    texts: list[str] = []
    cells: set[str] = set()
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            texts.append(page.extract_text() or "")
            for table in page.extract_tables():
                for row in table:
                    cells.update(_squash(c) for c in row if c)
    # The PDF's contents page is a heading of its own in the outline, not in Word's.
    headings = [h for h in headings if h != CONTENTS_TITLE]
    return ReadBack(headings, _squash("\n".join(texts)), cells)


def compare_outputs(docx_path: Path, pdf_path: Path, document: Document) -> list[str]:
    """Every difference between the two files, as sentences; empty when they agree."""
    differences: list[str] = []
    outputs = {"Word file": read_docx(docx_path), "PDF": read_pdf(pdf_path)}
    expected = [h.label for h in document.headings() if h.level <= 3]
    for name, found in outputs.items():
        for heading in [h for h in expected if h not in found.headings][:20]:
            differences.append(f"heading '{heading}' is missing from the {name}")
    word, pdf = outputs["Word file"], outputs["PDF"]
    if word.headings != pdf.headings and not differences:
        for a, b in zip(word.headings, pdf.headings, strict=False):
            if a != b:
                differences.append(f"headings differ: Word has '{a}', the PDF has '{b}'")
                break
        else:
            differences.append(
                f"the Word file has {len(word.headings)} headings, the PDF {len(pdf.headings)}"
            )
    for what, text in expected_texts(document):
        for name, found in outputs.items():
            if _squash(text) not in found.text:
                differences.append(f"{what} '{text}' is missing from the {name}")
    for label, text in expected_cells(document):
        for name, found in outputs.items():
            if _squash(text) not in found.cells:
                differences.append(f"cell '{text}' of {label} is missing from the {name}")
    return differences
