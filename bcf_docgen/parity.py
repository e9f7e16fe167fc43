"""Parity: the Word file and the PDF must say the same thing, read back from the files.

Both files are read back (python-docx for Word; pypdf and pdfplumber for the PDF) and
compared: the headings with their numbers (Word heading paragraphs against the PDF's
bookmarks), every table cell (Word cells against the cells pdfplumber finds in the PDF's
ruled tables), and every caption and cross-reference text the document model holds,
which must be found in the running text of both files. Any difference is named, with
the output it is missing from.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from .document.labels import CONTENTS_TITLE, caption_label
from .document.look import Look
from .document.model import (
    Document,
    Figure,
    Heading,
    Paragraph,
    Table,
    XRef,
    inline_nodes,
    plain_text,
)

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


# ------------------------------------------------------------------------ pictures

MAX_PICTURE_DIFFERENCES = 20


def read_docx_pictures(path: Path) -> list[str]:
    """The alt text of every picture in the Word file's body (figures, charts, logos), in
    order. The watermark is a shape in the header, not a picture of the body."""
    import docx

    body = docx.Document(str(path)).element.body
    return [str(d.get("descr") or "") for d in body.xpath(".//wp:docPr")]


def read_pdf_pictures(path: Path) -> list[str]:
    """The alt text of every picture in the tagged PDF (its /Figure structure elements),
    in order. An image WeasyPrint could not decode is not drawn and has no /Figure, so a
    picture lost from the PDF is seen here; the watermark is an artifact, not a figure."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject

    root = cast(DictionaryObject, PdfReader(str(path)).trailer["/Root"].get_object())
    tree = root.get("/StructTreeRoot")
    found: list[str] = []
    stack = [tree.get_object()] if tree is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ArrayObject):
            stack.extend(reversed([item.get_object() for item in node]))
            continue
        if not isinstance(node, DictionaryObject):
            continue  # a marked-content number
        if node.get("/S") == "/Figure":
            found.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        if kids is not None:
            stack.append(kids.get_object())
    return found


def compare_pictures(docx_path: Path, pdf_path: Path, document: Document) -> list[str]:
    """Differences in pictures: every figure of the model is in both files, and the two
    files hold as many pictures with the same alt texts (a logo included)."""
    word = read_docx_pictures(docx_path)
    pdf = read_pdf_pictures(pdf_path)
    return picture_differences(word, pdf, [f.alt for f in document.figures()])


def picture_differences(word: list[str], pdf: list[str], figures: list[str]) -> list[str]:
    """What `compare_pictures` reports, from the alt texts read back and the model's."""
    counts = {
        "Word file": Counter(_squash(a) for a in word),
        "PDF": Counter(_squash(a) for a in pdf),
    }
    differences: list[str] = []
    missing: set[str] = set()
    for alt in dict.fromkeys(figures):
        for name, found in counts.items():
            if not found[_squash(alt)]:
                differences.append(f"picture '{alt[:60]}' is missing from the {name}")
                missing.add(_squash(alt))
    if len(word) != len(pdf):
        differences.append(f"the Word file has {len(word)} pictures, the PDF {len(pdf)}")
    for key, alt in {_squash(a): a for a in [*word, *pdf]}.items():
        in_word, in_pdf = counts["Word file"][key], counts["PDF"][key]
        if in_word != in_pdf and key not in missing:
            differences.append(
                f"picture '{alt[:60] or '(no alt text)'}' is in the Word file {in_word} "
                f"time(s) and in the PDF {in_pdf}"
            )
    return differences[:MAX_PICTURE_DIFFERENCES]


# ------------------------------------------------------------------------ the look

# How far the PDF may be from the look: a size is a size (pdfplumber rounds), but a
# margin is measured from where text starts, a few points inside the margin.
SIZE_TOLERANCE = 0.3  # pt
WORD_MM_TOLERANCE = 0.2  # twips rounding
PDF_MM_TOLERANCE = 1.6  # the leading above a first line, glyphs' side bearings
MM_PER_PT = 25.4 / 72


@dataclass
class LookFound:
    """The look as read back from one output; None (or empty) where it was not found."""

    body_size: float | None = None
    body_font: str | None = None
    heading_sizes: dict[int, float] = field(default_factory=dict)
    heading_fonts: dict[int, str] = field(default_factory=dict)
    page: tuple[float, float] | None = None  # portrait width, height (mm)
    margins: dict[str, float] = field(default_factory=dict)  # mm, by side
    header_fill: str | None = None
    header_text: str | None = None
    fills: set[str] = field(default_factory=set)  # every table cell fill


def _font_key(name: str) -> str:
    """'ABCDEF+Liberation-Sans-Bold' and 'Liberation Sans' -> 'liberationsans'."""
    name = name.split("+", 1)[-1]
    name = re.sub(r"[-,]?(Bold|Italic|Oblique|Regular|Roman|MT|PS)*$", "", name)
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _hex(colour) -> str | None:
    """A pdfplumber colour (grey or RGB floats) as #RRGGBB."""
    if colour is None:
        return None
    values = list(colour) if isinstance(colour, list | tuple) else [colour]
    if len(values) == 1:
        values = values * 3
    if len(values) != 3 or not all(isinstance(v, int | float) for v in values):
        return None
    return "#" + "".join(f"{round(float(v) * 255):02X}" for v in values)


def _most_common(values: list[str]) -> str | None:
    return Counter(values).most_common(1)[0][0] if values else None


def read_docx_look(path: Path) -> LookFound:
    """Sizes and fonts from styles.xml, paper and margins from the sections, table fills."""
    import docx
    from docx.oxml.ns import qn

    word = docx.Document(str(path))
    found = LookFound()
    styles = {s.get(qn("w:styleId")): s for s in word.styles.element.findall(qn("w:style"))}

    def run_value(style_id: str, tag: str, attribute: str) -> str | None:
        style = styles.get(style_id)
        while style is not None:
            values = style.xpath(f"./w:rPr/{tag}/@{attribute}")
            if values:
                return values[0]
            based = style.xpath("./w:basedOn/@w:val")
            style = styles.get(based[0]) if based else None
        return None

    size = run_value("Normal", "w:sz", "w:val")
    found.body_size = int(size) / 2 if size else None
    found.body_font = run_value("Normal", "w:rFonts", "w:ascii")
    for level in (1, 2, 3):
        size = run_value(f"Heading{level}", "w:sz", "w:val")
        if size:
            found.heading_sizes[level] = int(size) / 2
        font = run_value(f"Heading{level}", "w:rFonts", "w:ascii")
        if font:
            found.heading_fonts[level] = font
    body = word.element.body
    for sect in body.xpath(".//w:sectPr"):
        width, height = (
            int(v) for v in (*sect.xpath("./w:pgSz/@w:w"), *sect.xpath("./w:pgSz/@w:h"))
        )
        if width < height:  # a portrait section
            found.page = (width / 1440 * 25.4, height / 1440 * 25.4)
            margins = sect.find(qn("w:pgMar"))
            for side in ("top", "right", "bottom", "left"):
                found.margins[side] = int(margins.get(qn(f"w:{side}"))) / 1440 * 25.4
            break
    header_fills = body.xpath(".//w:tr[w:trPr/w:tblHeader]/w:tc/w:tcPr/w:shd/@w:fill")
    header_text = body.xpath(".//w:tr[w:trPr/w:tblHeader]/w:tc//w:r/w:rPr/w:color/@w:val")
    found.header_fill = _most_common([f"#{v.upper()}" for v in header_fills])
    found.header_text = _most_common([f"#{v.upper()}" for v in header_text])
    found.fills = {f"#{v.upper()}" for v in body.xpath(".//w:tbl//w:tc/w:tcPr/w:shd/@w:fill")}
    return found


@dataclass
class _PdfPage:
    page: Any  # pdfplumber's Page
    chars: list[dict]
    text: str  # the characters' text without white space, in content order
    index: list[int]  # text position -> chars position


def _pdf_pages(pdf) -> list[_PdfPage]:
    pages = []
    for page in pdf.pages:
        chars = [c for c in page.chars if not c["text"].isspace()]
        text, index = [], []
        for position, char in enumerate(chars):
            squashed = _squash(char["text"])
            text.append(squashed)
            index.extend([position] * len(squashed))
        pages.append(_PdfPage(page, chars, "".join(text), index))
    return pages


def _occurrences(pages: list[_PdfPage], text: str) -> list[list[dict]]:
    """The characters of every place `text` is printed (line breaks do not matter)."""
    wanted = _squash(text)
    found = []
    for page in pages if wanted else []:
        start = page.text.find(wanted)
        while start >= 0:
            positions = page.index[start : start + len(wanted)]
            found.append([page.chars[p] for p in positions])
            start = page.text.find(wanted, start + 1)
    return found


def _size_and_font(occurrences: list[list[dict]], largest: bool) -> tuple[float | None, str | None]:
    """The size and font of a text: its largest printing (a heading, not its contents
    entry or running header), or its commonest (body text)."""
    if not occurrences:
        return None, None
    if largest:
        chars = max(occurrences, key=lambda chars: max(c["size"] for c in chars))
    else:
        chars = [c for chars in occurrences for c in chars]
    size = Counter(round(c["size"] * 2) / 2 for c in chars).most_common(1)[0][0]
    return size, _most_common([c["fontname"] for c in chars])


def _first_row_fills(page, fills: list[str], texts: list[str]) -> None:
    """The fill of each table's first-row cells, and the colour of the text on them."""
    filled = [r for r in page.rects if r.get("fill") and _hex(r.get("non_stroking_color"))]
    for table in page.find_tables() if filled else []:
        for cell in table.rows[0].cells if table.rows else []:
            if cell is None:
                continue
            x0, top, x1, bottom = cell
            inside = [
                r
                for r in filled
                if r["x0"] >= x0 - 1 and r["x1"] <= x1 + 1 and r["top"] >= top - 1
                and r["bottom"] <= bottom + 1
            ]  # fmt: skip
            if not inside:
                continue
            fills.append(_hex(inside[0]["non_stroking_color"]) or "")
            texts += [
                _hex(c.get("non_stroking_color")) or ""
                for c in page.chars
                if x0 <= c["x0"] and c["x1"] <= x1 and top <= c["top"] and c["bottom"] <= bottom
                and not c["text"].isspace()
            ]  # fmt: skip


@dataclass
class _Samples:
    """What to measure in the PDF, from the model: the first heading of levels 1-3 and the
    openings of the first long body paragraphs (text known to be printed in those
    styles), and the anchors of the places to read (those headings, the first table with
    a header row, the first table showing each RAG rating)."""

    headings: dict[int, str] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    # A table's caption label by its anchor: how its page is found in a PDF that names
    # only its headings as destinations (Typst's).
    captions: dict[str, str] = field(default_factory=dict)


def _samples(document: Document, paragraphs: int = 6) -> _Samples:
    found = _Samples()
    last_heading = ""
    for block in document.walk():
        if isinstance(block, Heading):
            last_heading = block.anchor
            title = block.plain_title
            if block.level <= 3 and block.level not in found.headings and len(title) >= 8:
                found.headings[block.level] = title
                found.anchors.append(block.anchor)
        elif isinstance(block, Paragraph) and block.style == "body":
            text = plain_text(block.inlines)
            if len(text) >= 80 and len(found.body) < paragraphs:
                found.body.append(text[:60])
                found.anchors.append(last_heading)
    ratings: set[str | None] = set()
    header = False
    for table in document.tables():
        shown = {cell.rag for row in table.rows for cell in row.cells} - ratings - {None}
        if (shown or (table.header and not header)) and table.anchor:
            found.anchors.append(table.anchor)
            if table.label:
                found.captions[table.anchor] = table.label
            ratings |= shown
            header = header or table.header
    return found


def _pages_to_read(
    path: Path, anchors: list[str], captions: dict[str, str] | None = None
) -> list[int]:
    """The pages (from 1) where `anchors` land, and the page after each: reading every
    page of a long PDF with pdfplumber takes a quarter of a second a page. An anchor
    that is not a named destination is found by its caption (`captions`) in the text."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    destinations = reader.named_destinations
    pages: set[int] = set()
    unnamed: list[str] = []
    for anchor in dict.fromkeys(anchors):
        if anchor in destinations:
            index = reader.get_destination_page_number(destinations[anchor])
            if index is not None:
                pages |= {index + 1, index + 2}
        elif captions and anchor in captions:
            unnamed.append(_squash(caption_label(captions[anchor])))
    for index, page in enumerate(reader.pages if unnamed else []):
        text = _squash(page.extract_text() or "")
        if any(caption in text for caption in unnamed):
            pages |= {index + 1, index + 2}
    return sorted(p for p in pages if p <= len(reader.pages)) or [1]


def read_pdf_look(path: Path, document: Document) -> LookFound:
    """Sizes and fonts of text the model says is there, paper, margins, table fills."""
    import pdfplumber

    samples = _samples(document)
    found = LookFound()
    with pdfplumber.open(
        str(path), pages=_pages_to_read(path, samples.anchors, samples.captions)
    ) as pdf:
        pages = _pdf_pages(pdf)
        portrait = [p for p in pages if p.page.width < p.page.height]
        if portrait:
            first = portrait[0].page
            found.page = (float(first.width) * MM_PER_PT, float(first.height) * MM_PER_PT)
        occurrences = [o for text in samples.body for o in _occurrences(pages, text)]
        found.body_size, found.body_font = _size_and_font(occurrences, largest=False)
        for level, text in samples.headings.items():
            size, font = _size_and_font(_occurrences(pages, text), largest=True)
            if size is not None and font is not None:
                found.heading_sizes[level], found.heading_fonts[level] = size, font
        if found.body_size is not None:
            found.margins = _pdf_margins(portrait, found.body_size)
        header_fills: list[str] = []
        texts: list[str] = []
        for page in pages:
            _first_row_fills(page.page, header_fills, texts)
            found.fills |= {
                _hex(r.get("non_stroking_color")) or "" for r in page.page.rects if r.get("fill")
            }
        found.header_fill = _most_common(header_fills)
        found.header_text = _most_common(texts)
    return found


def _pdf_margins(pages: list[_PdfPage], body_size: float) -> dict[str, float]:
    """Where text starts and ends on portrait pages (mm): left and right from every
    character (the running header and footer are set at the margins too), top and bottom
    from text at least the body size (the running header and footer are smaller)."""
    chars = [c for p in pages for c in p.chars]
    body = [c for c in chars if c["size"] >= body_size - SIZE_TOLERANCE]
    if not chars or not body:
        return {}
    width, height = float(pages[0].page.width), float(pages[0].page.height)
    return {
        "left": min(c["x0"] for c in chars) * MM_PER_PT,
        "right": (width - max(c["x1"] for c in chars)) * MM_PER_PT,
        "top": min(c["top"] for c in body) * MM_PER_PT,
        "bottom": (height - max(c["bottom"] for c in body)) * MM_PER_PT,
    }


def _differs(
    what: str,
    look: float | str,
    word: float | str | None,
    pdf: float | str | None,
    tolerance: tuple[float, float] = (SIZE_TOLERANCE, SIZE_TOLERANCE),
    unit: str = "",
) -> list[str]:
    """A sentence naming the difference when Word, the PDF and the look disagree.

    `tolerance` is how far (Word, PDF) may be from the look; strings must be equal."""

    def show(value: float | str | None) -> str:
        if value is None:
            return "not found"
        return f"{value:g}{unit}" if isinstance(value, float | int) else str(value)

    def close(value: float | str | None, allowed: float) -> bool:
        if isinstance(value, float | int) and isinstance(look, float | int):
            return abs(value - look) <= allowed
        return value == look

    if close(word, tolerance[0]) and close(pdf, tolerance[1]):
        return []
    return [f"{what}: Word {show(word)}, PDF {show(pdf)} (the look: {show(look)})"]


def _font_matches(found: str | None, wanted: str, look: Look) -> str | None:
    """The PDF's font as the look names it when it is one of its list, else as found."""
    if found is None:
        return None
    keys = {_font_key(name): name for name in look.fonts.stack(wanted)}
    return wanted if _font_key(found) in keys else found.split("+", 1)[-1]


def compare_look(docx_path: Path, pdf_path: Path, look: Look, document: Document) -> list[str]:
    """How the Word file, the PDF and the look disagree on sizes, fonts, paper, margins
    and table colours, one sentence each; empty when they agree.

    The document model says which text to measure in the PDF (its first headings and
    body paragraphs) and which RAG ratings its tables show.
    """
    word, pdf = read_docx_look(docx_path), read_pdf_look(pdf_path, document)
    s = look.sizes
    out = _differs("body text size", s.body, word.body_size, pdf.body_size, unit=" pt")
    body_font = _font_matches(pdf.body_font, look.fonts.body, look)
    out += _differs("body font", look.fonts.body, word.body_font, body_font)
    for level in (1, 2, 3):
        wanted = s.heading(level)
        w, p = word.heading_sizes.get(level), pdf.heading_sizes.get(level)
        out += _differs(f"heading {level} size", wanted, w, p, unit=" pt")
        font = _font_matches(pdf.heading_fonts.get(level), look.fonts.heading, look)
        out += _differs(
            f"heading {level} font", look.fonts.heading, word.heading_fonts.get(level), font
        )
    page = look.page
    paper = (page.width_mm, page.height_mm)
    for index, side in enumerate(("width", "height")):
        w = word.page[index] if word.page else None
        p = pdf.page[index] if pdf.page else None
        out += _differs(f"page {side}", paper[index], w, p, (WORD_MM_TOLERANCE, 0.5), " mm")
    margins = {
        "top": page.margin_top_mm,
        "right": page.margin_right_mm,
        "bottom": page.margin_bottom_mm,
        "left": page.margin_left_mm,
    }
    for side, wanted in margins.items():
        w, p = word.margins.get(side), _pdf_margin(side, wanted, pdf.margins.get(side))
        w = round(w, 1) if w is not None else None
        out += _differs(f"{side} margin", wanted, w, p, (WORD_MM_TOLERANCE, 0), " mm")
    c = look.colours
    out += _differs("table header fill", c.table_header, word.header_fill, pdf.header_fill)
    text = c.table_header_text
    out += _differs("table header text colour", text, word.header_text, pdf.header_text)
    out += _rag_fills(look, word, pdf, document)
    return out


def _pdf_margin(side: str, wanted: float, measured: float | None) -> float | None:
    """The PDF's margin as the look would name it, when its text is where that margin
    puts it: a little inside it (the leading above a first line, glyphs' side bearings),
    or at the foot of the page anywhere above it (pages end where the text does)."""
    if measured is None:
        return None
    slack = math.inf if side == "bottom" else PDF_MM_TOLERANCE
    return wanted if wanted - 0.3 <= measured <= wanted + slack else round(measured, 1)


def _rag_fills(look: Look, word: LookFound, pdf: LookFound, document: Document) -> list[str]:
    """Each RAG rating the model's tables show is a cell fill of its look colour in both."""
    ratings = {cell.rag for table in document.tables() for row in table.rows for cell in row.cells}
    out = []
    for rating in sorted(r for r in ratings if r):
        fill = look.colours.rag(rating)[0]
        for name, found in (("Word", word), ("PDF", pdf)):
            if fill not in found.fills:
                others = ", ".join(sorted(found.fills - {"#FFFFFF"})) or "none"
                out.append(
                    f"RAG {rating} fill: {fill} is not a table fill of the {name} ({others})"
                )
    return out
