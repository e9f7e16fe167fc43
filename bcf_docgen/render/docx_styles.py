"""Word styles and list numbering, made from the Theme and nothing else.

The writer formats by style wherever it can (headings, captions, contents entries, table
text), so a reader who changes "Heading 1" in Word changes every section heading, and
the theme is the one place colours, fonts and sizes come from. python-docx's default
template brings ~280 styles with Office-2010 colours and theme fonts; they are dropped
and only the styles below are defined.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from ..theme import Theme
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

# Indents of the heading number and of contents entries (twips).
HEADING_NUMBER_WIDTH = {1: cm(1.5), 2: cm(1.5), 3: cm(1.75), 4: cm(1.75)}
TOC_LEVELS = {1: (0, cm(1.0)), 2: (cm(1.0), cm(1.25)), 3: (cm(2.25), cm(1.5))}


def hex6(colour: str) -> str:
    """'#005EB8' -> '005EB8' (Word's spelling)."""
    return colour.lstrip("#").upper()


def mix(colour: str, other: str, weight: float) -> str:
    """A colour `weight` of the way from `colour` to `other` (for rules and tints)."""
    a = [int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    b = [int(other.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(x + (y - x) * weight):02X}" for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class Palette:
    """The theme's colours in Word's spelling, plus the few tints derived from them."""

    primary: str
    text: str
    background: str
    table_header: str
    table_header_text: str
    total_row: str
    rule: str  # table and callout borders: a mid tone between text and background
    red: str
    red_text: str
    amber: str
    amber_text: str
    green: str
    green_text: str
    watermark: str  # a light tint of red behind the text

    @classmethod
    def from_theme(cls, theme: Theme) -> Palette:
        c = theme.colours
        return cls(
            primary=hex6(c.primary),
            text=hex6(c.text),
            background=hex6(c.background),
            table_header=hex6(c.table_header),
            table_header_text=hex6(c.table_header_text),
            total_row=hex6(c.total_row),
            rule=mix(c.text, c.background, 0.65),
            red=hex6(c.red),
            red_text=hex6(c.red_text),
            amber=hex6(c.amber),
            amber_text=hex6(c.amber_text),
            green=hex6(c.green),
            green_text=hex6(c.green_text),
            watermark=mix(c.red, c.background, 0.8),
        )

    def rag(self, rag: str) -> tuple[str, str]:
        """(fill, text colour) for a RAG rating."""
        return {
            "red": (self.red, self.red_text),
            "amber": (self.amber, self.amber_text),
            "green": (self.green, self.green_text),
        }[rag]


# ------------------------------------------------------------------------ the styles


def _fonts(font: str) -> etree._Element:
    return el("w:rFonts", {"w:ascii": font, "w:hAnsi": font, "w:eastAsia": font, "w:cs": font})


def _style_rpr(
    *,
    font: str = "",
    bold: bool = False,
    italic: bool = False,
    color: str = "",
    size: float = 0,
    underline: bool = False,
    shade: str = "",
    superscript: bool = False,
) -> etree._Element:
    node = el("w:rPr")
    if font:
        node.append(_fonts(font))
    if bold:
        node.extend([el("w:b"), el("w:bCs")])
    if italic:
        node.extend([el("w:i"), el("w:iCs")])
    if color:
        node.append(val("w:color", color))
    if size:
        node.extend([val("w:sz", round(size * 2)), val("w:szCs", round(size * 2))])
    if underline:
        node.append(val("w:u", "single"))
    if shade:
        node.append(el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": shade}))
    if superscript:
        node.append(val("w:vertAlign", "superscript"))
    return node


def _style_ppr(
    *,
    keep_next: bool = False,
    keep_lines: bool = False,
    border: etree._Element | None = None,
    shade: str = "",
    tabs: list[tuple[str, int, str]] | None = None,
    before: int | None = None,
    after: int | None = None,
    line: int | None = None,
    ind: dict[str, int] | None = None,
    contextual: bool = False,
    jc: str = "",
    outline: int | None = None,
) -> etree._Element:
    node = el("w:pPr")
    if keep_next:
        node.append(el("w:keepNext"))
    if keep_lines:
        node.append(el("w:keepLines"))
    if border is not None:
        node.append(border)
    if shade:
        node.append(el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": shade}))
    if tabs:
        node.append(tabs_el(tabs))
    spacing = {}
    if before is not None:
        spacing["w:before"] = str(before)
    if after is not None:
        spacing["w:after"] = str(after)
    if line is not None:
        spacing["w:line"] = str(line)
        spacing["w:lineRule"] = "auto"
    if spacing:
        node.append(el("w:spacing", spacing))
    if ind:
        node.append(el("w:ind", {f"w:{k}": str(v) for k, v in ind.items()}))
    if contextual:
        node.append(el("w:contextualSpacing"))
    if jc:
        node.append(val("w:jc", jc))
    if outline is not None:
        node.append(val("w:outlineLvl", outline))
    return node


def _style(
    kind: str,
    style_id: str,
    name: str,
    *,
    based_on: str = "",
    next_style: str = "",
    custom: bool = False,
    default: bool = False,
    priority: int | None = None,
    ppr: etree._Element | None = None,
    rpr: etree._Element | None = None,
    extra: list[etree._Element] | None = None,
) -> etree._Element:
    node = el("w:style", {"w:type": kind, "w:styleId": style_id})
    if default:
        node.set(qn("w:default"), "1")
    if custom:
        node.set(qn("w:customStyle"), "1")
    node.append(val("w:name", name))
    if based_on:
        node.append(val("w:basedOn", based_on))
    if next_style:
        node.append(val("w:next", next_style))
    if priority is not None:
        node.append(val("w:uiPriority", priority))
    node.append(el("w:qFormat"))
    if ppr is not None and len(ppr):
        node.append(ppr)
    if rpr is not None and len(rpr):
        node.append(rpr)
    for child in extra or []:
        node.append(child)
    return node


def define_styles(styles_element: etree._Element, theme: Theme, text_width: int) -> None:
    """Replace the template's styles with the house styles built from `theme`.

    `text_width` (twips, portrait) places the right-aligned tab stops of the contents
    entries; landscape sections carry their own header and footer tab stops.
    """
    colours = Palette.from_theme(theme)
    body, heading = theme.fonts.body, theme.fonts.heading
    size = float(theme.fonts.body_size)

    # Document defaults: font, size and language (en-GB for proofing and the PDF /Lang).
    defaults = parse_xml(
        f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr/></w:rPrDefault>"
        "<w:pPrDefault><w:pPr/></w:pPrDefault></w:docDefaults>"
    )
    default_rpr = defaults[0][0]
    default_rpr.append(_fonts(body))
    default_rpr.extend([val("w:sz", round(size * 2)), val("w:szCs", round(size * 2))])
    default_rpr.append(el("w:lang", {"w:val": "en-GB", "w:eastAsia": "en-GB", "w:bidi": "ar-SA"}))
    defaults[1][0].append(
        el("w:spacing", {"w:after": "120", "w:line": "264", "w:lineRule": "auto"})
    )

    for child in list(styles_element):
        if child.tag == qn("w:docDefaults"):
            styles_element.replace(child, defaults)
        elif child.tag == qn("w:style") and child.get(qn("w:styleId")) not in KEEP_BUILTIN:
            styles_element.remove(child)

    rule = colours.rule
    styles: list[etree._Element] = [
        _style(
            "paragraph",
            "Normal",
            "Normal",
            default=True,
            priority=0,
            ppr=_style_ppr(after=120, line=264),
            rpr=_style_rpr(font=body, color=colours.text, size=size),
        ),
    ]
    heading_sizes = {1: size * 1.45, 2: size * 1.2, 3: size * 1.05, 4: size}
    heading_spacing = {1: (360, 120), 2: (280, 100), 3: (220, 80), 4: (200, 60)}
    for level in (1, 2, 3, 4):
        width = HEADING_NUMBER_WIDTH[level]
        before, after = heading_spacing[level]
        styles.append(
            _style(
                "paragraph",
                f"Heading{level}",
                f"heading {level}",
                based_on="Normal",
                next_style="Normal",
                priority=9,
                ppr=_style_ppr(
                    keep_next=True,
                    keep_lines=True,
                    tabs=[("left", width, "")],
                    before=before,
                    after=after,
                    line=240,
                    ind={"left": width, "hanging": width},
                    outline=level - 1,
                ),
                rpr=_style_rpr(
                    font=heading,
                    bold=True,
                    italic=level == 4,
                    color=colours.primary,
                    size=heading_sizes[level],
                ),
            )
        )
        # The same look without an outline level: a heading kept out of the contents.
        styles.append(
            _style(
                "paragraph",
                f"HeadingUnlisted{level}",
                f"Heading {level} (not in contents)",
                based_on=f"Heading{level}",
                next_style="Normal",
                custom=True,
                ppr=_style_ppr(ind={"left": 0, "hanging": 0}, outline=9),
            )
        )
    styles += [
        _style(
            "paragraph",
            "Title",
            "Title",
            based_on="Normal",
            next_style="Normal",
            priority=10,
            ppr=_style_ppr(before=cm(2), after=240, line=240),
            rpr=_style_rpr(font=heading, bold=True, color=colours.primary, size=size * 2.6),
        ),
        _style(
            "paragraph",
            "Subtitle",
            "Subtitle",
            based_on="Normal",
            next_style="Normal",
            priority=11,
            ppr=_style_ppr(after=360, line=240),
            rpr=_style_rpr(font=heading, color=colours.primary, size=size * 1.6),
        ),
        _style(
            "paragraph",
            "CoverText",
            "Cover Text",
            based_on="Normal",
            custom=True,
            ppr=_style_ppr(after=120),
            rpr=_style_rpr(size=size + 1),
        ),
        _style(
            "paragraph",
            "Banner",
            "Banner",
            based_on="Normal",
            next_style="Normal",
            custom=True,
            ppr=_style_ppr(
                keep_lines=True,
                border=border_set(
                    "w:pBdr",
                    {
                        side: ("single", 8, colours.red, 6)
                        for side in ("top", "left", "bottom", "right")
                    },
                ),
                shade=colours.red,
                before=240,
                after=240,
                line=240,
                jc="center",
            ),
            rpr=_style_rpr(font=heading, bold=True, color=colours.red_text, size=size * 1.45),
        ),
        _style(
            "paragraph",
            "Lead",
            "Lead",
            based_on="Normal",
            next_style="Normal",
            custom=True,
            ppr=_style_ppr(after=180),
            rpr=_style_rpr(size=size * 1.18),
        ),
        _style(
            "paragraph",
            "Small",
            "Small",
            based_on="Normal",
            custom=True,
            ppr=_style_ppr(after=80),
            rpr=_style_rpr(size=size - 2),
        ),
        _style(
            "paragraph",
            "Note",
            "Note",
            based_on="Normal",
            custom=True,
            ppr=_style_ppr(after=80),
            rpr=_style_rpr(italic=True, size=size - 1),
        ),
        _style(
            "paragraph",
            "ContentsHeading",
            "Contents Heading",
            based_on="Normal",
            next_style="Normal",
            custom=True,
            ppr=_style_ppr(keep_next=True, before=240, after=240, line=240),
            rpr=_style_rpr(font=heading, bold=True, color=colours.primary, size=heading_sizes[1]),
        ),
        _style(
            "paragraph",
            "Caption",
            "caption",
            based_on="Normal",
            next_style="Normal",
            priority=35,
            ppr=_style_ppr(before=120, after=120, line=240),
            rpr=_style_rpr(bold=True, color=colours.text, size=size - 1),
        ),
        _style(
            "paragraph",
            "Header",
            "header",
            based_on="Normal",
            priority=99,
            ppr=_style_ppr(after=0, line=240),
            rpr=_style_rpr(size=size - 2),
        ),
        _style(
            "paragraph",
            "Footer",
            "footer",
            based_on="Normal",
            priority=99,
            ppr=_style_ppr(after=0, line=240),
            rpr=_style_rpr(size=size - 2),
        ),
        _style(
            "paragraph",
            "ListParagraph",
            "List Paragraph",
            based_on="Normal",
            priority=34,
            ppr=_style_ppr(after=60),
        ),
        _style(
            "paragraph",
            "TableText",
            "Table Text",
            based_on="Normal",
            custom=True,
            ppr=_style_ppr(before=20, after=20, line=240),
            rpr=_style_rpr(size=size - 1),
        ),
        _style(
            "paragraph",
            "TableHeading",
            "Table Heading",
            based_on="TableText",
            custom=True,
            ppr=_style_ppr(keep_next=True),
            rpr=_style_rpr(bold=True, color=colours.table_header_text),
        ),
        _style(
            "paragraph",
            "Signature",
            "Signature",
            based_on="Normal",
            custom=True,
            ppr=_style_ppr(keep_next=True, keep_lines=True, after=100),
        ),
        _style(
            "paragraph",
            "NoteText",
            "Note Text",
            based_on="Normal",
            custom=True,
            ppr=_style_ppr(
                tabs=[("left", cm(0.75), "")],
                after=60,
                line=240,
                ind={"left": cm(0.75), "hanging": cm(0.75)},
            ),
            rpr=_style_rpr(size=size - 2),
        ),
    ]
    # Contents entries: number, tab, title, dot leader to the page number at the right
    # margin. No right indent: LibreOffice drops a right tab stop that lies beyond it,
    # and with it the page number.
    for level, (indent, number_width) in TOC_LEVELS.items():
        styles.append(
            _style(
                "paragraph",
                f"TOC{level}",
                f"toc {level}",
                based_on="Normal",
                next_style="Normal",
                priority=39,
                ppr=_style_ppr(
                    tabs=[
                        ("left", indent + number_width, ""),
                        ("right", text_width, "dot"),
                    ],
                    before=120 if level == 1 else 0,
                    after=40,
                    line=240,
                    ind={"left": indent + number_width, "hanging": number_width},
                ),
                rpr=_style_rpr(bold=level == 1),
            )
        )
    styles += [
        _style(
            "character",
            "Hyperlink",
            "Hyperlink",
            priority=99,
            rpr=_style_rpr(color=colours.primary, underline=True),
        ),
        _style(
            "character",
            "FootnoteReference",
            "footnote reference",
            priority=99,
            rpr=_style_rpr(superscript=True),
        ),
        _style("character", "Code", "Code", custom=True, rpr=_style_rpr(shade=colours.total_row)),
        _style(
            "table",
            "PlanTable",
            "Plan Table",
            based_on="TableNormal",
            custom=True,
            extra=[
                el(
                    "w:tblPr",
                    None,
                    border_set(
                        "w:tblBorders",
                        {
                            side: ("single", 4, rule, 0)
                            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
                        },
                    ),
                    el(
                        "w:tblCellMar",
                        None,
                        el("w:top", {"w:w": "40", "w:type": "dxa"}),
                        el("w:left", {"w:w": "85", "w:type": "dxa"}),
                        el("w:bottom", {"w:w": "40", "w:type": "dxa"}),
                        el("w:right", {"w:w": "85", "w:type": "dxa"}),
                    ),
                )
            ],
        ),
    ]
    for style in styles:
        styles_element.append(style)


# ------------------------------------------------------------------------- numbering

BULLETS = ["\u2022", "\u2013", "\u2022"]
ORDERED = [("decimal", "%{n}."), ("lowerLetter", "%{n})"), ("lowerRoman", "%{n}.")]
LIST_INDENT = cm(0.75)
LEVELS = 9


def list_indent(level: int) -> int:
    return LIST_INDENT * (level + 1)


class Numbering:
    """Two list definitions (bullets, numbers) and one w:num per list, so each restarts."""

    def __init__(self, numbering_element: etree._Element, body_font: str) -> None:
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
                hanging = LIST_INDENT
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
                        tabs_el([("num", list_indent(level), "")]),
                        el("w:ind", {"w:left": str(list_indent(level)), "w:hanging": str(hanging)}),
                    ),
                    el("w:rPr", None, _fonts(font)),
                ]
            )
            node.append(lvl)
        return node, ident

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
