"""Word styles and list numbering, made from the document's Look and nothing else.

The writer formats by style wherever it can (headings, captions, contents entries, table
text), so a reader who changes "Heading 1" in Word changes every section heading, and
the look is the one place colours, fonts and sizes come from. python-docx's default
template brings ~280 styles with Office-2010 colours and theme fonts; they are dropped
and only the styles of `style_table` are defined. The table is data, one record per
style, so that a style is changed by changing a value, not code; `style_xml` writes any
record as WordprocessingML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from ..document.look import Look, Rule
from .docx_ooxml import border_set, cm, el, tabs_el, val

KEEP_BUILTIN = {"DefaultParagraphFont", "TableNormal", "NoList"}

# Paragraph style ids by the model's ParagraphStyle name.
PARAGRAPH_STYLES = {
    "body": "Normal",
    "title": "Title",
    "subtitle": "Subtitle",
    "cover": "CoverText",
    "banner": "Banner",
    "lead": "Lead",
    "small": "Small",
    "note": "Note",
}

# The width of a heading's number and of a contents entry's number (twips): Word's own
# geometry, hung in the margin of the text, which the print stylesheet does not do.
HEADING_NUMBER_WIDTH = {1: cm(1.5), 2: cm(1.5), 3: cm(1.75), 4: cm(1.75)}
CONTENTS_NUMBER_WIDTH = {1: cm(1.0), 2: cm(1.25), 3: cm(1.5)}


def hex6(colour: str) -> str:
    """'#005EB8' -> '005EB8' (Word's spelling)."""
    return colour.lstrip("#").upper()


def mm(value: float) -> int:
    """Millimetres in twips."""
    return round(value * 1440 / 25.4)


def pt(value: float) -> int:
    """Points in twips."""
    return round(value * 20)


# ------------------------------------------------------------------------ the styles

Tab = tuple[str, int, str]  # (alignment, position in twips, leader)


@dataclass(frozen=True)
class Style:
    """One Word style as values: what the look decides, in the look's units (pt, ems)."""

    id: str
    name: str
    kind: Literal["paragraph", "character", "table"] = "paragraph"
    based_on: str = ""
    next: str = ""
    priority: int | None = None
    custom: bool = False
    default: bool = False
    # the run
    font: str = ""
    size: float = 0  # pt
    bold: bool = False
    italic: bool = False
    colour: str = ""  # #RRGGBB
    underline: bool = False
    shade: str = ""  # #RRGGBB behind the characters
    superscript: bool = False
    # the paragraph
    keep_next: bool = False
    keep_lines: bool = False
    box: Rule | None = None  # a border on all four sides, `box_space` pt from the text
    box_space: float = 0
    fill: str = ""  # #RRGGBB behind the paragraph
    tabs: tuple[Tab, ...] = ()
    before: float | None = None  # pt
    after: float | None = None  # pt
    line: float | None = None  # a multiple of a single line
    indent: tuple[int, int] | None = None  # (left, hanging) in twips
    jc: str = ""
    outline: int | None = None
    # a table style
    borders: Rule | None = None
    cell_margins: tuple[float, float] | None = None  # (top and bottom, left and right) pt


def style_table(look: Look, text_width: int) -> list[Style]:
    """Every style of the document, from the look. `text_width` (twips, portrait) places
    the right-aligned tab stop of the contents entries."""
    f, s, c, sp = look.fonts, look.sizes, look.colours, look.spacing
    single = 1.0
    body_line = sp.line / f.single_line  # the body's line height in Word's "lines"
    styles = [
        Style("Normal", "Normal", default=True, priority=0, font=f.body, size=s.body,
              colour=c.text, after=sp.paragraph_after, line=body_line),
    ]  # fmt: skip
    for level in (1, 2, 3, 4):
        width = HEADING_NUMBER_WIDTH[level]
        before, after = sp.heading(level)
        styles += [
            Style(f"Heading{level}", f"heading {level}", based_on="Normal", next="Normal",
                  priority=9, font=f.heading, size=s.heading(level), bold=True,
                  italic=level == 4, colour=c.primary, keep_next=True, keep_lines=True,
                  tabs=(("left", width, ""),), before=before, after=after, line=single,
                  indent=(width, width), outline=level - 1),
            # The same look without an outline level: a heading kept out of the contents.
            Style(f"HeadingUnlisted{level}", f"Heading {level} (not in contents)",
                  based_on=f"Heading{level}", next="Normal", custom=True, indent=(0, 0),
                  outline=9),
        ]  # fmt: skip
    list_indent = mm(sp.list_indent_mm)
    styles += [
        Style("Title", "Title", based_on="Normal", next="Normal", priority=10,
              font=f.heading, size=s.title, bold=True, colour=c.primary,
              before=sp.title_before, after=sp.title_after, line=single),
        Style("Subtitle", "Subtitle", based_on="Normal", next="Normal", priority=11,
              font=f.heading, size=s.subtitle, colour=c.primary, after=sp.subtitle_after,
              line=single),
        Style("CoverText", "Cover Text", based_on="Normal", custom=True, size=s.cover,
              after=sp.paragraph_after),
        Style("Banner", "Banner", based_on="Normal", next="Normal", custom=True,
              font=f.heading, size=s.banner, bold=True, colour=c.red_text, fill=c.red,
              box=look.banner_rule, box_space=sp.banner_padding, keep_lines=True,
              before=sp.banner_margin, after=sp.banner_margin, line=single, jc="center"),
        Style("Lead", "Lead", based_on="Normal", next="Normal", custom=True, size=s.lead,
              after=sp.lead_after),
        Style("Small", "Small", based_on="Normal", custom=True, size=s.small,
              after=sp.small_after),
        Style("Note", "Note", based_on="Normal", custom=True, size=s.note, italic=True,
              after=sp.small_after),
        Style("ContentsHeading", "Contents Heading", based_on="Normal", next="Normal",
              custom=True, font=f.heading, size=s.h1, bold=True, colour=c.primary,
              keep_next=True, before=sp.contents_heading[0], after=sp.contents_heading[1],
              line=single),
        Style("Caption", "caption", based_on="Normal", next="Normal", priority=35,
              size=s.caption, bold=True, colour=c.text, before=sp.caption, after=sp.caption,
              line=single),
        Style("Header", "header", based_on="Normal", priority=99, size=s.header, after=0,
              line=single),
        Style("Footer", "footer", based_on="Normal", priority=99, size=s.header, after=0,
              line=single),
        Style("ListParagraph", "List Paragraph", based_on="Normal", priority=34,
              after=sp.list_item_after),
        Style("TableText", "Table Text", based_on="Normal", custom=True, size=s.table,
              before=sp.cell_text_gap, after=sp.cell_text_gap, line=single),
        Style("TableHeading", "Table Heading", based_on="TableText", custom=True, bold=True,
              colour=c.table_header_text, keep_next=True),
        Style("Signature", "Signature", based_on="Normal", custom=True, keep_next=True,
              keep_lines=True, after=sp.signature_after),
        Style("NoteText", "Note Text", based_on="Normal", custom=True, size=s.small,
              tabs=(("left", list_indent, ""),), after=sp.list_item_after, line=single,
              indent=(list_indent, list_indent)),
    ]  # fmt: skip
    # Contents entries: number, tab, title, dot leader to the page number at the right
    # margin. No right indent: LibreOffice drops a right tab stop that lies beyond it,
    # and with it the page number.
    for level, number_width in CONTENTS_NUMBER_WIDTH.items():
        left = mm(sp.contents_indent_mm[level - 1]) + number_width
        styles.append(
            Style(f"TOC{level}", f"toc {level}", based_on="Normal", next="Normal",
                  priority=39, bold=level == 1,
                  tabs=(("left", left, ""), ("right", text_width, "dot")),
                  before=sp.contents_level1_before if level == 1 else 0,
                  after=sp.contents_after, line=single, indent=(left, number_width))
        )  # fmt: skip
    styles += [
        Style("Hyperlink", "Hyperlink", kind="character", priority=99, colour=c.primary,
              underline=True),
        Style("FootnoteReference", "footnote reference", kind="character", priority=99,
              superscript=True),
        Style("Code", "Code", kind="character", custom=True, font=f.mono, shade=c.code),
        Style("PlanTable", "Plan Table", kind="table", based_on="TableNormal", custom=True,
              borders=look.table_rule, cell_margins=sp.cell_padding),
    ]  # fmt: skip
    return styles


def _fonts(font: str) -> etree._Element:
    return el("w:rFonts", {"w:ascii": font, "w:hAnsi": font, "w:eastAsia": font, "w:cs": font})


def _shading(colour: str) -> etree._Element:
    return el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": hex6(colour)})


def eighths(rule: Rule) -> int:
    """A rule's width in eighths of a point (Word's unit for borders)."""
    return round(rule.width * 8)


def _run_properties(style: Style) -> etree._Element:
    node = el("w:rPr")
    if style.font:
        node.append(_fonts(style.font))
    if style.bold:
        node.extend([el("w:b"), el("w:bCs")])
    if style.italic:
        node.extend([el("w:i"), el("w:iCs")])
    if style.colour:
        node.append(val("w:color", hex6(style.colour)))
    if style.size:
        node.extend([val("w:sz", round(style.size * 2)), val("w:szCs", round(style.size * 2))])
    if style.underline:
        node.append(val("w:u", "single"))
    if style.shade:
        node.append(_shading(style.shade))
    if style.superscript:
        node.append(val("w:vertAlign", "superscript"))
    return node


def _spacing(before: float | None, after: float | None, line: float | None) -> dict[str, str]:
    spacing = {}
    if before is not None:
        spacing["w:before"] = str(pt(before))
    if after is not None:
        spacing["w:after"] = str(pt(after))
    if line is not None:
        spacing["w:line"] = str(round(240 * line))
        spacing["w:lineRule"] = "auto"
    return spacing


def _paragraph_properties(style: Style) -> etree._Element:
    node = el("w:pPr")
    if style.keep_next:
        node.append(el("w:keepNext"))
    if style.keep_lines:
        node.append(el("w:keepLines"))
    if style.box is not None:
        side = ("single", eighths(style.box), hex6(style.box.colour), round(style.box_space))
        node.append(border_set("w:pBdr", dict.fromkeys(("top", "left", "bottom", "right"), side)))
    if style.fill:
        node.append(_shading(style.fill))
    if style.tabs:
        node.append(tabs_el(list(style.tabs)))
    spacing = _spacing(style.before, style.after, style.line)
    if spacing:
        node.append(el("w:spacing", spacing))
    if style.indent is not None:
        left, hanging = style.indent
        node.append(el("w:ind", {"w:left": str(left), "w:hanging": str(hanging)}))
    if style.jc:
        node.append(val("w:jc", style.jc))
    if style.outline is not None:
        node.append(val("w:outlineLvl", style.outline))
    return node


def _table_properties(style: Style) -> etree._Element:
    node = el("w:tblPr")
    if style.borders is not None:
        rule = ("single", eighths(style.borders), hex6(style.borders.colour), 0)
        sides = ("top", "left", "bottom", "right", "insideH", "insideV")
        node.append(border_set("w:tblBorders", dict.fromkeys(sides, rule)))
    if style.cell_margins is not None:
        vertical, horizontal = (str(pt(v)) for v in style.cell_margins)
        node.append(
            el(
                "w:tblCellMar",
                None,
                *(
                    el(f"w:{side}", {"w:w": width, "w:type": "dxa"})
                    for side, width in (
                        ("top", vertical),
                        ("left", horizontal),
                        ("bottom", vertical),
                        ("right", horizontal),
                    )
                ),
            )
        )
    return node


def style_xml(style: Style) -> etree._Element:
    """One record of the style table as a `w:style` element."""
    node = el("w:style", {"w:type": style.kind, "w:styleId": style.id})
    if style.default:
        node.set(qn("w:default"), "1")
    if style.custom:
        node.set(qn("w:customStyle"), "1")
    node.append(val("w:name", style.name))
    if style.based_on:
        node.append(val("w:basedOn", style.based_on))
    if style.next:
        node.append(val("w:next", style.next))
    if style.priority is not None:
        node.append(val("w:uiPriority", style.priority))
    node.append(el("w:qFormat"))
    parts = [_paragraph_properties(style)] if style.kind == "paragraph" else []
    parts.append(_run_properties(style))
    if style.kind == "table":
        parts.append(_table_properties(style))
    node.extend(part for part in parts if len(part))
    return node


def _doc_defaults(look: Look) -> etree._Element:
    """Font, size, spacing and language (en-GB for proofing and the PDF /Lang)."""
    defaults = parse_xml(
        f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr/></w:rPrDefault>"
        "<w:pPrDefault><w:pPr/></w:pPrDefault></w:docDefaults>"
    )
    size = round(look.sizes.body * 2)
    default_rpr = defaults[0][0]
    default_rpr.append(_fonts(look.fonts.body))
    default_rpr.extend([val("w:sz", size), val("w:szCs", size)])
    default_rpr.append(el("w:lang", {"w:val": "en-GB", "w:eastAsia": "en-GB", "w:bidi": "ar-SA"}))
    line = look.spacing.line / look.fonts.single_line
    spacing = _spacing(None, look.spacing.paragraph_after, line)
    defaults[1][0].append(el("w:spacing", spacing))
    return defaults


def define_styles(styles_element: etree._Element, look: Look, text_width: int) -> None:
    """Replace the template's styles with the house styles of `style_table`."""
    for child in list(styles_element):
        if child.tag == qn("w:docDefaults"):
            styles_element.replace(child, _doc_defaults(look))
        elif child.tag == qn("w:style") and child.get(qn("w:styleId")) not in KEEP_BUILTIN:
            styles_element.remove(child)
    for style in style_table(look, text_width):
        styles_element.append(style_xml(style))


# ------------------------------------------------------------------------- numbering

BULLETS = ["\u2022", "\u2013", "\u2022"]
ORDERED = [("decimal", "%{n}."), ("lowerLetter", "%{n})"), ("lowerRoman", "%{n}.")]
LEVELS = 9


class Numbering:
    """Two list definitions (bullets, numbers) and one w:num per list, so each restarts."""

    def __init__(self, numbering_element: etree._Element, look: Look) -> None:
        self.step = mm(look.spacing.list_indent_mm)
        body_font = look.fonts.body
        self._root = numbering_element
        for child in list(self._root):  # the template's unused list definitions
            self._root.remove(child)
        self._bullets = self._abstract(1, ordered=False, font=body_font)
        self._ordered = self._abstract(2, ordered=True, font=body_font)
        self._root.append(self._bullets[0])
        self._root.append(self._ordered[0])
        self._next_num = 1

    def _abstract(self, ident: int, ordered: bool, font: str):
        node = el("w:abstractNum", {"w:abstractNumId": str(ident)})
        node.append(val("w:nsid", f"{0xBCF00000 + ident:08X}"))
        node.append(val("w:multiLevelType", "multilevel"))
        for level in range(LEVELS):
            if ordered:
                fmt, text = ORDERED[level % len(ORDERED)]
                text = text.format(n=level + 1)
                hanging = self.step
            else:
                fmt, text = "bullet", BULLETS[level % len(BULLETS)]
                hanging = cm(0.5)
            lvl = el("w:lvl", {"w:ilvl": str(level)})
            lvl.extend(
                [
                    val("w:start", 1),
                    val("w:numFmt", fmt),
                    val("w:lvlText", text),
                    val("w:lvlJc", "left"),
                    el(
                        "w:pPr",
                        None,
                        tabs_el([("num", self.indent(level), "")]),
                        el("w:ind", {"w:left": str(self.indent(level)), "w:hanging": str(hanging)}),
                    ),
                    el("w:rPr", None, _fonts(font)),
                ]
            )
            node.append(lvl)
        return node, ident

    def indent(self, level: int) -> int:
        """The left indent of a list item at `level` (0 for the outermost), in twips."""
        return self.step * (level + 1)

    def new_list(self, ordered: bool, start: int = 1, level: int = 0) -> int:
        """A fresh w:num for one list; its `level` starts at `start`, others at 1."""
        ident = self._next_num
        self._next_num += 1
        abstract = self._ordered[1] if ordered else self._bullets[1]
        num = el("w:num", {"w:numId": str(ident)}, val("w:abstractNumId", abstract))
        for lvl in range(LEVELS):
            override = el("w:lvlOverride", {"w:ilvl": str(lvl)})
            override.append(val("w:startOverride", start if lvl == level else 1))
            num.append(override)
        self._root.append(num)
        return ident
