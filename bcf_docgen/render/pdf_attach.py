"""Existing PDFs as appendices of the board pack: read and checked first, drawn in last.

A board secretary attaches papers bcf-docgen does not make (a signed section 75
agreement, an equality impact assessment). The pack must still number every page ("Page
7 of 103"), list the paper with its page range, and stay tagged. So the paper is not
glued on after the pack is made: WeasyPrint lays out one empty placeholder page of the
right size per page of the paper, with the pack's running header and footer, so that
its page counter, the contents' page numbers and the bookmarks come out right by
themselves. Each placeholder holds a 1-point picture whose alt text names it; after the
tags are finished (pdf_tags), `draw_attachments` finds each one in the structure tree,
draws the paper's page in its place as a form XObject (between the page's background and
its running header and footer, so the stamp stays on top) and makes its element a `/Div`
(or, for a page without text, a `/Figure` that says so).

`inspect_pdf` runs when the pack is composed (by `check` too): an encrypted, broken or
oversized file is refused there, with the plan's file and line, before anything is
written. It also finds, per page, where the running header and footer can go without
covering the paper's own content: the usual place if it is free, else the free strip
nearest to it in the margin, else nowhere (the footer's absence is then a warning).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..document.look import Look
from ..document.model import Document

MAX_PAGES = 300  # an attached PDF longer than this is refused (the pack would be unreadable)
MAX_BYTES = 30 * 1024 * 1024  # and one larger than this (it is carried to the PDF writer)
MM = 72 / 25.4  # points per millimetre
LARGEST = 14400.0  # the largest page a PDF may have, in points (200 inches)
EDGE_MM = 4.0  # nothing is stamped nearer the paper's edge than this (printers crop it)
CLEARANCE_MM = 1.0  # space kept between the stamp and the paper's own content
PICTURE_URL = "bcf-internal:attached-page.png"
PICTURE_NAME = "bcf-attached-page.png"  # its file name in the Typst engine's folder
# A transparent 1x1 PNG: the placeholder's picture, which the structure tree keeps.
PICTURE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000b4944415478da636000020000050001e9fadcd80000000049454e44ae426082"
)
MARKER = "bcf-docgen attached page "


class AttachmentError(Exception):
    """The file cannot be attached: `code` and `message` for a finding, and a `hint`."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


@dataclass(frozen=True)
class AttachedPage:
    """One page of an attached PDF as the pack needs it (sizes in points, as shown)."""

    width: float
    height: float
    footer_mm: float | None  # where the footer's text goes, from the bottom edge; None: nowhere
    header_mm: float | None  # where the running header goes, from the top edge; None: nowhere
    has_text: bool


@dataclass
class Attachment:
    """An attached PDF of one part of the pack, checked, with its bytes."""

    key: str  # the part's key ("a3-"): the placeholders' names
    label: str  # "Appendix 3: Signed section 75 agreement"
    source: str  # its path in the plan folder
    data: bytes
    pages: list[AttachedPage] = field(default_factory=list)
    tagged: bool = False  # it had its own structure tree (not carried over)
    unembedded_fonts: list[str] = field(default_factory=list)
    annotations: int = 0  # links, comments, form fields: drawn flat or left out

    def placeholder_name(self, index: int) -> str:
        return f"bcf-att-{self.key.rstrip('-')}-{index}"


# -- checking a file ------------------------------------------------------------------


def inspect_pdf(
    data: bytes, look: Look, header: tuple[str, ...] = (), footer: str = ""
) -> Attachment:
    """The file's pages checked and measured for the running header's lines `header`
    and the footer's words `footer`; raises AttachmentError when it cannot be attached
    as it is (encrypted, broken, empty, too large)."""
    import pikepdf

    if len(data) > MAX_BYTES:
        raise AttachmentError(
            "pack.pdf-too-large",
            f"the PDF is {len(data) / 1048576:.1f} MB; an attached PDF may be at most "
            f"{MAX_BYTES // 1048576} MB",
            "reduce it (save it again with smaller pictures) or split it into two appendices",
        )
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise AttachmentError("pack.pdf-broken", "the file is not a PDF", "export it as PDF")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise _encrypted() from None
    except (pikepdf.PdfError, ValueError, OSError) as exc:
        raise _broken(str(exc)) from None
    with pdf:
        if pdf.is_encrypted:
            raise _encrypted()
        count = len(pdf.pages)
        if count == 0:
            raise AttachmentError("pack.pdf-broken", "the PDF has no pages", "export it again")
        if count > MAX_PAGES:
            raise AttachmentError(
                "pack.pdf-too-large",
                f"the PDF has {count} pages; an attached PDF may have at most {MAX_PAGES}",
                "split it into two appendices, or attach a summary",
            )
        try:
            annotations = 0
            for page in pdf.pages:
                pikepdf.parse_content_stream(page)  # a broken page fails here, not later
                annotations += len(page.obj.get("/Annots", []))
        except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
            raise _broken(str(exc)) from None
        tagged = "/StructTreeRoot" in pdf.Root
        fonts = sorted(_unembedded_fonts(pdf))
    attachment = Attachment("", "", "", data, tagged=tagged, unembedded_fonts=fonts)
    attachment.annotations = annotations
    attachment.pages = _measure(data, look, header, footer)
    _check_sizes(attachment.pages, look)
    return attachment


def _check_sizes(pages: list[AttachedPage], look: Look) -> None:
    """Every page must be larger than the pack's margins (its header and footer go
    there) and within what a PDF can hold (200 inches a side)."""
    page = look.page
    least_width = (page.margin_left_mm + page.margin_right_mm + 20) * MM
    least_height = (page.margin_top_mm + page.margin_bottom_mm + 20) * MM
    for number, shown in enumerate(pages, 1):
        small = shown.width < least_width or shown.height < least_height
        if small or max(shown.width, shown.height) > LARGEST:
            raise AttachmentError(
                "pack.pdf-page-size",
                f"page {number} of the PDF is {shown.width / MM:.0f} x "
                f"{shown.height / MM:.0f} mm, too {'small' if small else 'large'} for a page "
                f"of the pack (at least {least_width / MM:.0f} x {least_height / MM:.0f} mm)",
                "export it again on ordinary paper sizes (A4, A3)",
            )


def _encrypted() -> AttachmentError:
    return AttachmentError(
        "pack.pdf-encrypted",
        "the PDF is encrypted (it has a password or restrictions on copying or printing), "
        "so it cannot be put into the pack as it is",
        "ask its author for a copy without a password or restrictions, or save it again "
        "without them (qpdf --decrypt IN.pdf OUT.pdf, with the password if it has one)",
    )


def _broken(why: str) -> AttachmentError:
    why = why.splitlines()[0][:160] if why else "it cannot be read"
    return AttachmentError(
        "pack.pdf-broken",
        f"the PDF cannot be read ({why})",
        "open it in a PDF reader and save or export it again as PDF",
    )


def _unembedded_fonts(pdf: Any) -> Iterable[str]:
    import pikepdf

    for page in pdf.pages:
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        for font in resources.get("/Font", pikepdf.Dictionary()).values():
            described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            if str(font.get("/Subtype", "")) == "/Type3":
                continue
            descriptor = described.get("/FontDescriptor", pikepdf.Dictionary())
            if not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()):
                yield str(font.get("/BaseFont", "?")).lstrip("/")


def _stamp_lines(
    look: Look, width_pt: float, header: tuple[str, ...], footer: str
) -> tuple[int, int]:
    """How many lines the running header and the footer take across a page `width_pt`
    wide (a narrow page wraps them). The footer's left part shares its line with the
    page number ("Page 137 of 240" at its widest)."""
    from ..document.measure import lines_needed, text_width

    size, page = look.sizes.header, look.page
    across = round((width_pt - (page.margin_left_mm + page.margin_right_mm) * MM) * 20)
    head = sum(lines_needed(line, size, across) for line in header) if header else 1
    number = text_width("Page 888 of 888", size) + text_width("    ", size)
    foot = lines_needed(footer, size, across - number) if footer else 1
    return head, foot


def _measure(data: bytes, look: Look, header: tuple[str, ...], footer: str) -> list[AttachedPage]:
    """Each page's shown size and where the running header and footer fit on it."""
    import pdfplumber

    page_look = look.page
    line_mm = look.sizes.header * 1.25 / MM  # a line of the stamp, in mm
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as document:
        for page in document.pages:
            x0, top, x1, bottom = (float(v) for v in page.cropbox)
            width, height = x1 - x0, bottom - top
            ink = list(_ink(page, (x0, top, x1, bottom)))
            # (from the top edge, to the top edge) of every mark, in mm
            spans = [((t - top) / MM, (b - top) / MM) for t, b in ink]
            height_mm = height / MM
            below = [(height_mm - b, height_mm - t) for t, b in spans]
            head, foot = _stamp_lines(look, width, header, footer)
            at_foot = _free_strip(
                below, page_look.footer_mm, page_look.margin_bottom_mm, line_mm * foot
            )
            at_head = _free_strip(
                spans, page_look.header_mm, page_look.margin_top_mm, line_mm * head
            )
            has_text = any(c.get("text", "").strip() for c in page.chars)
            pages.append(AttachedPage(width, height, at_foot, at_head, has_text))
            page.close()
    return pages


def _is_white(colour: Any) -> bool:
    if colour is None:
        return False
    values = colour if isinstance(colour, list | tuple) else [colour]
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    if len(numbers) == 4:  # CMYK: no ink is white
        return all(v == 0 for v in numbers)
    return bool(numbers) and all(v >= 0.999 for v in numbers)


def _ink(page: Any, box: tuple[float, float, float, float]) -> Iterable[tuple[float, float]]:
    """(top, bottom) of every mark that shows inside the shown area `box` (x0, top, x1,
    bottom): text, pictures, and lines and fills that are not white."""
    marks: list[dict[str, Any]] = [c for c in page.chars if c.get("text", "").strip()]
    marks += page.images
    for kind in ("rects", "lines", "curves"):
        for shape in getattr(page, kind):
            stroked = shape.get("stroke") and not _is_white(shape.get("stroking_color"))
            filled = shape.get("fill") and not _is_white(shape.get("non_stroking_color"))
            if stroked or filled:
                marks.append(shape)
    x0, top, x1, bottom = box
    for mark in marks:
        if mark["x1"] > x0 and mark["x0"] < x1 and mark["bottom"] > top and mark["top"] < bottom:
            yield max(mark["top"], top), min(mark["bottom"], bottom)


def _free_strip(
    spans: list[tuple[float, float]], usual: float, margin: float, line: float
) -> float | None:
    """Where, in mm from the edge, a line of `line` mm fits in the margin without touching
    any of `spans` (each (near, far) from that edge): `usual` when it is free, else the
    free place nearest to it, never nearer the edge than EDGE_MM; None when none is."""
    need = line + 2 * CLEARANCE_MM
    taken = sorted((max(near, 0.0), far) for near, far in spans if near < margin + 1)

    def free(at: float) -> bool:
        low, high = at - CLEARANCE_MM, at + line + CLEARANCE_MM
        return all(far <= low or near >= high for near, far in taken)

    if free(usual) and usual + line <= margin:
        return usual
    candidates = [EDGE_MM, *(far + CLEARANCE_MM for _near, far in taken)]
    candidates += [near - need + CLEARANCE_MM for near, _far in taken]
    fitting = [
        round(at, 2) for at in candidates if at >= EDGE_MM and at + line <= margin and free(at)
    ]
    return min(fitting, key=lambda at: abs(at - usual)) if fitting else None


# -- the placeholders in the pack's page ------------------------------------------------


def placeholder_css(attachment: Attachment, look: Look) -> str:
    """A named page per page of the file: its size, and its header and footer moved to
    where they fit (or left out)."""
    rules = []
    for index, page in enumerate(attachment.pages):
        boxes = []
        if page.footer_mm is None:
            boxes.append("@bottom-left { content: none; } @bottom-right { content: none; }")
        else:
            at = f"padding-bottom: {page.footer_mm:.2f}mm;"
            boxes.append(f"@bottom-left {{ {at} }} @bottom-right {{ {at} }}")
        if page.header_mm is None:
            boxes.append("@top-left { content: none; }")
        else:
            boxes.append(f"@top-left {{ padding-top: {page.header_mm:.2f}mm; }}")
        rules.append(
            f"@page {attachment.placeholder_name(index)} {{ size: {page.width:.3f}pt "
            f"{page.height:.3f}pt; background: none; {' '.join(boxes)} }}"
        )
    rules.append(
        "div.attached-page { break-before: page; height: 1pt; margin: 0; padding: 0; }\n"
        "div.attached-page img { display: block; width: 1pt; height: 1pt; }"
    )
    return "\n".join(rules)


def placeholder_html(attachment: Attachment) -> str:
    """One empty page per page of the file, each holding its marked picture."""
    return "".join(
        f'<div class="attached-page" style="page: {attachment.placeholder_name(i)}">'
        f'<img src="{PICTURE_URL}" alt="{MARKER}{attachment.key}{i}"></div>'
        for i in range(len(attachment.pages))
    )


def placeholder_typst(attachment: Attachment) -> str:
    """The same pages for the Typst engine (render/typst.py's binder puts them in place
    of the part's body): a page per page of the file, of its size, with the running
    header and footer moved to where they fit or left out, holding the marked picture.
    Only this module's own code and string literals."""
    from .typst import mm, pt, typst_string

    pages = []
    for index, page in enumerate(attachment.pages):
        header = "none" if page.header_mm is None else f"bcf-header(from-top: {mm(page.header_mm)})"
        footer = (
            "none" if page.footer_mm is None else f"bcf-footer(from-bottom: {mm(page.footer_mm)})"
        )
        marker = typst_string(f"{MARKER}{attachment.key}{index}")
        pages.append(
            f"#page(width: {pt(page.width)}, height: {pt(page.height)}, fill: none, "
            f"background: none, header: {header}, footer: {footer})["
            f"#image({typst_string(PICTURE_NAME)}, alt: {marker}, width: 1pt, height: 1pt)]"
        )
    return "\n".join(pages)


def add_placeholders(
    page_html: str, anchors: dict[str, str], attachments: list[Attachment], look: Look
) -> str:
    """The pack's HTML page with each attachment's placeholders at the end of its part
    (whose anchor is `anchors[key]`), and their page rules in the stylesheet."""
    css = "\n".join(placeholder_css(a, look) for a in attachments)
    if css:
        page_html = page_html.replace("</style>", f"{css}\n</style>", 1)
    for attachment in attachments:
        opening = f'id="{anchors[attachment.key]}">'
        start = page_html.index(opening)
        end = page_html.index("</section>", start)
        page_html = page_html[:end] + placeholder_html(attachment) + page_html[end:]
    return page_html


END = "bcf-pack-end"  # the pack's last page: no anchor of the model starts "bcf-"
_CONTENTS_ENTRY = re.compile(r'(<li class="level-1 part"><a href="#)([^"]+)(")')


def add_page_ranges(page_html: str, anchors: list[str]) -> str:
    """Each part's line in the pack's contents gets the anchor of the part after it, so
    that its page range can be printed ("12-30", pack.css.j2); the last part's gets the
    pack's end, an empty element out of the flow after everything."""
    following = dict(zip(anchors, [*anchors[1:], ""], strict=True))
    start = page_html.find('<nav class="contents pack-contents">')
    if start < 0:
        return page_html
    end = page_html.index("</nav>", start)

    def entry(match: re.Match[str]) -> str:
        anchor = match.group(2)
        if anchor not in following:
            return match.group(0)
        after = following[anchor]
        extra = f' data-next="#{after}"' if after else f' data-last="#{END}"'
        return f"{match.group(1)}{anchor}{match.group(3)}{extra}"

    contents = _CONTENTS_ENTRY.sub(entry, page_html[start:end])
    rest = page_html[end:].replace("</body>", f'<div class="pack-end" id="{END}"></div></body>', 1)
    return page_html[:start] + contents + rest


# -- drawing the files' pages in ------------------------------------------------------


def draw_attachments(data: bytes, attachments: list[Attachment]) -> bytes:
    """The laid-out pack with each placeholder page showing its page of the file, tagged."""
    import pikepdf

    if not attachments:
        return data
    by_marker = {f"{MARKER}{a.key}{i}": (a, i) for a in attachments for i in range(len(a.pages))}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found = _placeholders(pdf, by_marker)
        missing = set(by_marker) - set(found)
        if missing:
            raise RuntimeError(
                f"placeholder pages not found in the laid-out pack: {sorted(missing)}"
            )
        for attachment in attachments:
            forms = _forms(pdf, attachment)
            for index, form in enumerate(forms):
                element, page_index, mcid = found[f"{MARKER}{attachment.key}{index}"]
                page = pdf.pages[page_index]
                # A name of its own (pages may share one resource dictionary), the same
                # each time: the same input gives the same bytes.
                name = pikepdf.Name(f"/{attachment.placeholder_name(index).replace('-', '_')}")
                page.add_resource(form, pikepdf.Name.XObject, name=name)
                tag = "/Div" if attachment.pages[index].has_text else "/Figure"
                _draw(pdf, page, mcid, form, name, tag)
                _retag(element, attachment, index)
        from .pdf_tags import saved

        return saved(pdf)


def _placeholders(pdf: Any, markers: dict[str, Any]) -> dict[str, tuple[Any, int, int]]:
    """marker -> (structure element, page index, MCID) of each placeholder picture."""
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    found: dict[str, tuple[Any, int, int]] = {}
    root = pdf.Root.get("/StructTreeRoot")
    stack = [root] if root is not None else []
    while stack:
        element = stack.pop()
        if str(element.get("/S", "")) == "/Figure" and str(element.get("/Alt", "")) in markers:
            page, mcid = _first_content(element, element.get("/Pg"))
            found[str(element.Alt)] = (element, pages[page.objgen], mcid)
            continue
        stack.extend(kid for kid in _kids(element) if not isinstance(kid, int) and "/S" in kid)
    return found


def _kids(element: Any) -> list[Any]:
    """An element's kids (/K: one or an array) that are dictionaries or MCIDs."""
    import pikepdf

    kids = element.get("/K")
    return [
        kid
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids])
        if isinstance(kid, pikepdf.Dictionary | int)
    ]


def _first_content(element: Any, page: Any) -> tuple[Any, int]:
    """(page, MCID) of an element's first marked content, however the writer shaped it:
    an MCID of the element's page (WeasyPrint's and Typst's), a marked-content reference
    naming its page (/MCR with /Pg), or inside a nested element, whose own /Pg wins."""
    for kid in _kids(element):
        if isinstance(kid, int):
            if page is not None:
                return page, int(kid)
        elif "/MCID" in kid:  # a marked-content reference
            at = kid.get("/Pg", page)
            if at is not None:
                return at, int(kid.MCID)
        elif "/S" in kid:
            try:
                return _first_content(kid, kid.get("/Pg", page))
            except LookupError:
                continue
    raise LookupError("a placeholder's picture has no marked content on a page")


_MARKED = {"BDC", "BMC", "EMC", "MP", "DP"}


def _forms(pdf: Any, attachment: Attachment) -> list[Any]:
    """The file's pages as form XObjects of the pack: annotations drawn flat (a stamp or
    a signature stays) and the rest dropped, its own marked content taken out (the pack's
    tags take its place), each cut to its crop box."""
    import pikepdf

    with pikepdf.open(io.BytesIO(attachment.data)) as source:
        source.flatten_annotations("print")
        forms = []
        for page in source.pages:
            for key in ("/Annots", "/StructParents", "/TrimBox", "/ArtBox", "/BleedBox"):
                if key in page.obj:
                    del page.obj[key]
            kept = [
                instruction
                for instruction in pikepdf.parse_content_stream(page)
                if str(instruction.operator) not in _MARKED
            ]
            page.obj.Contents = source.make_stream(pikepdf.unparse_content_stream(kept))
            form = page.as_form_xobject(handle_transformations=True)
            for inner in (
                form.get("/Resources", pikepdf.Dictionary())
                .get("/XObject", pikepdf.Dictionary())
                .values()
            ):
                for key in ("/StructParent", "/StructParents"):
                    if key in inner:
                        del inner[key]
            forms.append(pdf.copy_foreign(form))
    return forms


def _draw(pdf: Any, page: Any, mcid: int, form: Any, name: Any, tag: str) -> None:
    """Put the form in place of the placeholder's picture: the picture's marked content
    goes, and the form is drawn under the same MCID where no clip is in force, before
    the running header and footer."""
    import pikepdf
    from pikepdf import ContentStreamInstruction as Instruction
    from pikepdf import Operator

    from .pdf_tags import inverse, sequence_end

    instructions = list(pikepdf.parse_content_stream(page))
    start = next(i for i, ins in enumerate(instructions) if _mcid(ins) == mcid)
    end = sequence_end(instructions, start)
    at, matrix = _free_place(instructions, start)
    box = [float(v) for v in page.mediabox]
    rect = pikepdf.Rectangle(*box)
    placement = page.calc_form_xobject_placement(
        form, name, rect, invert_transformations=True, allow_shrink=True, allow_expand=True
    )
    undo = None if matrix == IDENTITY else inverse(matrix)  # back to the page's own space
    drawing = [
        Instruction([pikepdf.Name(tag), pikepdf.Dictionary(MCID=mcid)], Operator("BDC")),
        Instruction([], Operator("q")),
        *([Instruction([round(x, 6) for x in undo], Operator("cm"))] if undo else []),
        *pikepdf.parse_content_stream(pdf.make_stream(bytes(placement))),
        Instruction([], Operator("Q")),
        Instruction([], Operator("EMC")),
    ]
    rewritten = instructions[:at] + drawing + instructions[at:start] + instructions[end + 1 :]
    page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(rewritten))


def _mcid(instruction: Any) -> int:
    import pikepdf

    if str(instruction.operator) != "BDC" or len(instruction.operands) < 2:
        return -1
    properties = instruction.operands[1]
    if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
        return int(properties.MCID)
    return -1


Matrix = tuple[float, ...]  # a PDF matrix [a b c d e f] (render/pdf_tags.py multiplies them)
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _free_place(instructions: list[Any], before: int) -> tuple[int, Matrix]:
    """The last place before `before` outside any text object, marked content, path or
    clip, and the matrix in force there."""
    from .pdf_tags import PATH_OPERATORS, multiply

    state: tuple[Matrix, bool] = (IDENTITY, False)  # (matrix, clipped)
    stack: list[tuple[Matrix, bool]] = []
    best, best_matrix = 0, IDENTITY
    in_text = in_path = False
    marked = 0
    for index in range(before):
        if not (in_text or in_path or marked or state[1]):
            best, best_matrix = index, state[0]
        op = str(instructions[index].operator)
        if op == "q":
            stack.append(state)
        elif op == "Q":
            state = stack.pop() if stack else state
        elif op == "cm":
            operands = tuple(float(x) for x in instructions[index].operands)
            state = (multiply(operands, state[0]), state[1])
        elif op in ("W", "W*"):
            state = (state[0], True)
        elif op == "BT":
            in_text = True
        elif op == "ET":
            in_text = False
        elif op in ("BDC", "BMC"):
            marked += 1
        elif op == "EMC":
            marked -= 1
        in_path = op in PATH_OPERATORS or (in_path and op in ("W", "W*"))
    return best, best_matrix


def _retag(element: Any, attachment: Attachment, index: int) -> None:
    """The placeholder's element becomes the page's: a `/Div` whose text is read as it is,
    titled with the appendix and page; a page without text stays a `/Figure` whose alt
    text says what it is."""
    import pikepdf

    total = len(attachment.pages)
    where = f"{attachment.label} (attached PDF), page {index + 1} of {total}"
    for key in ("/Alt", "/A"):
        if key in element:
            del element[key]
    element.T = pikepdf.String(where)
    if attachment.pages[index].has_text:
        element.S = pikepdf.Name("/Div")
    else:
        element.Alt = pikepdf.String(f"{where}: a page without text (a scan or a picture)")


# -- the whole pack -------------------------------------------------------------------


def render_pack(
    document: Document,
    attachments: list[Attachment],
    plan_root: Path,
    templates: Path | None = None,
    header: str = "",
) -> bytes:
    """The pack as one tagged PDF: the binder laid out with page ranges in its contents
    and a placeholder page per attached page, then the attached pages drawn in. `header`
    (the meeting and agenda item) is a line of the running header above the part's."""
    from .html import css_string, esc, render_html
    from .pdf import WATERMARK_URL, watermark_png, write_pdf

    generated: dict[str, bytes] = {}
    page = render_html(document, templates=templates, generated=generated)
    mark = next((part.draft_mark for part in document.parts if part.draft_mark), "")
    if mark:
        generated[WATERMARK_URL] = watermark_png(document.look, mark)
    parts = [part for part in document.parts if part.source != "front" and part.anchor]
    page = add_page_ranges(page, [esc(part.anchor) for part in parts])
    if header:
        # One line that is the same on every page (a reader's checker knows it as the
        # page's furniture), then the part's own on a line of its own.
        rule = (
            f'@page {{ @top-left {{ content: {css_string(header)} "\\A" string(part); '
            "white-space: pre-wrap; } }\n"
        )
        page = page.replace("</style>", f"{rule}</style>", 1)
    if attachments:
        anchors = {part.key: esc(part.anchor) for part in parts}
        page = add_placeholders(page, anchors, attachments, document.look)
        generated[PICTURE_URL] = PICTURE
    return draw_attachments(write_pdf(page, plan_root, templates, generated), attachments)
