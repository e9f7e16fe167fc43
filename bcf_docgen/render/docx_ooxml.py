"""Raw WordprocessingML where python-docx stops: runs, fields, bookmarks, links, shapes.

Every builder returns lxml elements (python-docx's oxml classes) and writes children in
the order the OOXML schema wants them, because Word rejects out-of-order properties that
LibreOffice quietly accepts. Nothing here knows about the document model or the theme;
colours arrive as "RRGGBB" strings from the writer.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable, Mapping

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsmap, qn
from lxml import etree

from ..untrusted import xml_text

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
VML = "urn:schemas-microsoft-com:vml"
OFFICE = "urn:schemas-microsoft-com:office:office"
WORD_2003 = "urn:schemas-microsoft-com:office:word"

# Twentieths of a point (twips): the unit of page geometry, indents and tab stops.
TWIPS_PER_CM = 1440 / 2.54
EMU_PER_TWIP = 635


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (lxml refuses them): the one
    rule of `untrusted.xml_text`, so the .docx holds the text the HTML and PDF hold.
    Every text and attribute value from the document goes through this."""
    return xml_text(text)


def cm(value: float) -> int:
    """Centimetres as whole twips."""
    return round(value * TWIPS_PER_CM)


def el(tag: str, attrs: dict[str, str] | None = None, *children: etree._Element):
    """`el("w:jc", {"w:val": "right"})`: an element with prefixed attributes and children."""
    node = OxmlElement(tag)
    for key, value in (attrs or {}).items():
        node.set(qn(key), xml_safe(str(value)))
    for child in children:
        node.append(child)
    return node


def val(tag: str, value: str | int) -> etree._Element:
    return el(tag, {"w:val": str(value)})


# ------------------------------------------------------------------------------ runs


def rpr(
    *,
    style: str = "",
    bold: bool = False,
    italic: bool = False,
    color: str = "",
    size_pt: float = 0,
    shade: str = "",
    superscript: bool = False,
    no_proof: bool = False,
) -> etree._Element | None:
    """Run properties, in schema order; None when there is nothing to say."""
    children = []
    if style:
        children.append(val("w:rStyle", style))
    if bold:
        children += [el("w:b"), el("w:bCs")]
    if italic:
        children += [el("w:i"), el("w:iCs")]
    if no_proof:
        children.append(el("w:noProof"))
    if color:
        children.append(val("w:color", color))
    if size_pt:
        half_points = round(size_pt * 2)
        children += [val("w:sz", half_points), val("w:szCs", half_points)]
    if shade:
        children.append(el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": shade}))
    if superscript:
        children.append(val("w:vertAlign", "superscript"))
    return el("w:rPr", None, *children) if children else None


def text_run(text: str, props: etree._Element | None = None) -> etree._Element:
    """A run holding `text`; tabs and newlines become w:tab and w:br."""
    run = el("w:r")
    if props is not None:
        run.append(props)
    for i, line in enumerate(xml_safe(text).split("\n")):
        if i:
            run.append(el("w:br"))
        for j, part in enumerate(line.split("\t")):
            if j:
                run.append(el("w:tab"))
            if part:
                t = el("w:t")
                t.text = part
                if part != part.strip():
                    t.set(XML_SPACE, "preserve")
                run.append(t)
    return run


def clone_rpr(props: etree._Element | None) -> etree._Element | None:
    return None if props is None else copy.deepcopy(props)


def break_run(kind: str = "") -> etree._Element:
    br = el("w:br", {"w:type": kind} if kind else None)
    return el("w:r", None, br)


def tab_run(props: etree._Element | None = None) -> etree._Element:
    run = el("w:r")
    if props is not None:
        run.append(props)
    run.append(el("w:tab"))
    return run


# ------------------------------------------------------------------------ paragraphs


def ppr(
    *,
    style: str = "",
    keep_next: bool = False,
    keep_lines: bool = False,
    page_break_before: bool = False,
    num: tuple[int, int] | None = None,  # (numId, ilvl)
    border: etree._Element | None = None,
    shade: str = "",
    tabs: Iterable[tuple[str, int, str]] = (),  # (alignment, position, leader)
    spacing: Mapping[str, int | str] | None = None,  # before/after/line in twips
    ind: Mapping[str, int | str] | None = None,  # left/hanging/firstLine/right in twips
    jc: str = "",
    outline_level: int | None = None,
    run_props: etree._Element | None = None,
) -> etree._Element:
    """Paragraph properties in schema order (pStyle, keepNext, ..., jc, outlineLvl, rPr)."""
    node = el("w:pPr")
    if style:
        node.append(val("w:pStyle", style))
    if keep_next:
        node.append(el("w:keepNext"))
    if keep_lines:
        node.append(el("w:keepLines"))
    if page_break_before:
        node.append(el("w:pageBreakBefore"))
    if num is not None:
        node.append(el("w:numPr", None, val("w:ilvl", num[1]), val("w:numId", num[0])))
    if border is not None:
        node.append(border)
    if shade:
        node.append(el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": shade}))
    tab_list = list(tabs)
    if tab_list:
        node.append(tabs_el(tab_list))
    if spacing:
        node.append(el("w:spacing", {f"w:{k}": str(v) for k, v in spacing.items()}))
    if ind:
        node.append(el("w:ind", {f"w:{k}": str(v) for k, v in ind.items()}))
    if jc:
        node.append(val("w:jc", jc))
    if outline_level is not None:
        node.append(val("w:outlineLvl", outline_level))
    if run_props is not None:
        node.append(run_props)
    return node


def tabs_el(tabs: list[tuple[str, int, str]]) -> etree._Element:
    node = el("w:tabs")
    for alignment, position, leader in tabs:
        attrs = {"w:val": alignment, "w:pos": str(position)}
        if leader:
            attrs["w:leader"] = leader
        node.append(el("w:tab", attrs))
    return node


def paragraph(props: etree._Element | None = None, *content: etree._Element) -> etree._Element:
    p = el("w:p")
    if props is not None and len(props):
        p.append(props)
    for child in content:
        p.append(child)
    return p


# w:pPr's children in schema order (ISO/IEC 29500-1 17.3.1.26), to insert one in place.
_PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku",
    "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi",
    "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
    "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
    "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
]  # fmt: skip


def put_ppr(p: etree._Element, child: etree._Element) -> None:
    """Put `child` into paragraph `p`'s properties where the schema wants it, replacing
    one of its kind (the properties are made when the paragraph has none)."""
    props = p.find(qn("w:pPr"))
    if props is None:
        props = el("w:pPr")
        p.insert(0, props)
    name = etree.QName(child).localname
    old = props.find(qn(f"w:{name}"))
    if old is not None:
        props.replace(old, child)
        return
    rank = _PPR_ORDER.index(name)
    for index, existing in enumerate(props):
        local = etree.QName(existing).localname
        if local in _PPR_ORDER and _PPR_ORDER.index(local) > rank:
            props.insert(index, child)
            return
    props.append(child)


def border_set(tag: str, sides: dict[str, tuple[str, int, str, int]]) -> etree._Element:
    """`w:pBdr`/`w:tblBorders`/`w:tcBorders` from {side: (style, size/8 pt, colour, space)}."""
    order = ["top", "left", "start", "bottom", "right", "end", "insideH", "insideV", "between"]
    node = el(tag)
    for side in order:
        if side in sides:
            style, size, colour, space = sides[side]
            node.append(
                el(
                    f"w:{side}",
                    {"w:val": style, "w:sz": str(size), "w:space": str(space), "w:color": colour},
                )
            )
    return node


# ---------------------------------------------------------------------------- fields


def field_runs(
    instruction: str,
    result: str | list[etree._Element],
    props: etree._Element | None = None,
) -> list[etree._Element]:
    """A complex field: begin, instruction, separate, the cached result, end.

    `result` is the text a reader sees before (and unless) fields are updated; an empty
    string leaves the result empty. Runs carry `props` so the result looks like its text.
    """
    runs = [
        _fld_char("begin", props),
        _instr(instruction, props),
        _fld_char("separate", props),
    ]
    if isinstance(result, str):
        if result:
            runs.append(text_run(result, clone_rpr(props)))
    else:
        runs.extend(result)
    runs.append(_fld_char("end", props))
    return runs


def field_begin(instruction: str, props: etree._Element | None = None) -> list[etree._Element]:
    """The opening half of a field whose result spans paragraphs (the contents)."""
    return [_fld_char("begin", props), _instr(instruction, props), _fld_char("separate", props)]


def field_end(props: etree._Element | None = None) -> etree._Element:
    return _fld_char("end", props)


def _fld_char(kind: str, props: etree._Element | None) -> etree._Element:
    run = el("w:r")
    if props is not None:
        run.append(clone_rpr(props))
    run.append(el("w:fldChar", {"w:fldCharType": kind}))
    return run


def _instr(instruction: str, props: etree._Element | None) -> etree._Element:
    run = el("w:r")
    if props is not None:
        run.append(clone_rpr(props))
    instr = el("w:instrText")
    instr.set(XML_SPACE, "preserve")
    instr.text = xml_safe(f" {instruction.strip()} ")
    run.append(instr)
    return run


# ------------------------------------------------------------------ bookmarks, links


class Bookmarks:
    """Word bookmark names for the model's anchors, and their numeric ids.

    Word wants names of at most 40 characters that start with a letter and hold only
    letters, digits and underscores; names starting with "_" are hidden. An anchor such
    as "sec-background" becomes "bm_sec_background"; one that would collide with another,
    change more than its hyphens, or run too long gets a short hash of the anchor instead
    of its tail. Names depend only on the anchors and the order they were first asked
    for, so two renders of one document agree.
    """

    MAX = 40

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._taken: set[str] = set()
        self._next_id = 0

    def name(self, anchor: str) -> str:
        if anchor in self._names:
            return self._names[anchor]
        simple = re.sub(r"[^A-Za-z0-9]", "_", anchor)
        candidate = f"bm_{simple}"
        lossless = re.fullmatch(r"[A-Za-z0-9-]*", anchor) is not None
        if not lossless or len(candidate) > self.MAX or candidate in self._taken:
            digest = hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:8]
            candidate = f"{candidate[: self.MAX - 9]}_{digest}"
            counter = 1
            while candidate in self._taken:  # only for a true hash collision
                suffix = f"_{digest}{counter}"
                candidate = f"bm_{simple}"[: self.MAX - len(suffix)] + suffix
                counter += 1
        self._names[anchor] = candidate
        self._taken.add(candidate)
        return candidate

    def mapping(self) -> dict[str, str]:
        """anchor -> bookmark name, for everything named so far."""
        return dict(self._names)

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id


def bookmark(name: str, ident: int) -> tuple[etree._Element, etree._Element]:
    start = el("w:bookmarkStart", {"w:id": str(ident), "w:name": name})
    end = el("w:bookmarkEnd", {"w:id": str(ident)})
    return start, end


def internal_link(bookmark_name: str, runs: list[etree._Element]) -> etree._Element:
    link = el("w:hyperlink", {"w:anchor": bookmark_name, "w:history": "1"})
    for run in runs:
        link.append(run)
    return link


def external_link(rel_id: str, runs: list[etree._Element]) -> etree._Element:
    link = el("w:hyperlink", {"r:id": rel_id, "w:history": "1"})
    for run in runs:
        link.append(run)
    return link


# ------------------------------------------------------------------------- watermark


def watermark_run(
    text: str,
    fill: str,
    font: str,
    width_pt: float,
    height_pt: float,
    number: int = 1,
    *,
    opacity: float = 0.5,
    angle: float = 45,
):
    """A diagonal text watermark as Word writes it: a VML text-path shape in the header.

    The shape sits behind the text, centred on the margins, rising at `angle` degrees
    (VML turns clockwise), and is not part of the text flow (LibreOffice imports it as a
    Fontwork watermark). `number` keeps the shape ids of the several headers apart.
    """
    formulas = "".join(
        f'<v:f eqn="{eqn}"/>'
        for eqn in (
            "sum #0 0 10800",
            "prod #0 2 1",
            "sum 21600 0 @1",
            "sum 0 0 @2",
            "sum 21600 0 @3",
            "if @0 @3 0",
            "if @0 21600 @1",
            "if @0 0 @2",
            "if @0 @4 21600",
            "mid @5 @6",
            "mid @8 @5",
            "mid @7 @8",
            "mid @6 @7",
            "sum @6 0 @5",
        )
    )
    style = ";".join(
        [
            "position:absolute",
            "margin-left:0",
            "margin-top:0",
            f"width:{width_pt:.1f}pt",
            f"height:{height_pt:.1f}pt",
            f"rotation:{(360 - angle) % 360:g}",
            "z-index:-251654144",
            "mso-position-horizontal:center",
            "mso-position-horizontal-relative:margin",
            "mso-position-vertical:center",
            "mso-position-vertical-relative:margin",
        ]
    )
    escaped_text = xml_attr(text)
    escaped_font = xml_attr(font)
    xml = (
        f'<w:r xmlns:w="{nsmap["w"]}" xmlns:v="{VML}" xmlns:o="{OFFICE}"'
        f' xmlns:w10="{WORD_2003}">'
        "<w:rPr><w:noProof/></w:rPr><w:pict>"
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"'
        ' path="m@7,l@8,m@5,21600l@6,21600e">'
        f"<v:formulas>{formulas}</v:formulas>"
        '<v:path textpathok="t" o:connecttype="custom"'
        ' o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
        '<v:textpath on="t" fitshape="t"/>'
        '<v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>'
        '<o:lock v:ext="edit" text="t" shapetype="t"/>'
        "</v:shapetype>"
        f'<v:shape id="PowerPlusWaterMarkObject{number}" o:spid="_x0000_s{2048 + number}"'
        ' type="#_x0000_t136"'
        f' style="{style}" o:allowincell="f" fillcolor="#{xml_attr(fill)}" stroked="f">'
        f'<v:fill opacity="{float(opacity):g}"/>'
        f'<v:textpath style="font-family:&quot;{escaped_font}&quot;;font-size:1pt"'
        f' string="{escaped_text}"/>'
        '<w10:wrap anchorx="margin" anchory="margin"/>'
        "</v:shape></w:pict></w:r>"
    )
    return parse_xml(xml)


def xml_attr(value: str) -> str:
    """`value` for an XML attribute written by hand (in double quotes)."""
    return (
        xml_safe(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
