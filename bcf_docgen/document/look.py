"""The look of a document: every colour, font, size, space, margin, rule and the watermark.

It is computed once from the plan's theme (`theme.look_from_theme`) and carried by the
document model, so the Word styles, the print stylesheet and the charts read the same
values and cannot drift apart. Writers read only this, never the theme: the theme is
what a plan author writes, the look is what the writers draw.

Colours are `#RRGGBB`; sizes and spaces are points unless the name says mm or inches.

The look's values go into CSS and Word XML as they are, so a look holds only values of
a strict grammar: colours `#RRGGBB`, font names of letters, digits, single spaces and
hyphens, and finite sizes (`validate_look`). The theme refuses anything else when
theme.yaml is read, with its line; the look refuses it again when it is made, so that no
other way of making a look (a test, a pack) can hand a writer a value that breaks out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

MM_PER_INCH = 25.4

# A colour: exactly seven characters, `#` and six hex digits (a whole match: `$` would
# also match before a final line break, which would then reach styles.xml).
HEX = re.compile(r"#[0-9A-Fa-f]{6}")
# A font family name: letters (of any alphabet), digits, single spaces and hyphens,
# starting with a letter or digit and not ending with a space. No quotes, semicolons,
# braces, `<` or line breaks: nothing that means something in CSS, XML or a file name.
FONT_NAME = re.compile(r"[^\W_](?:[^\W_]|-|[ ](?=[^ ]))*")
FONT_NAME_MAX = 64


def is_colour(value: object) -> bool:
    return isinstance(value, str) and HEX.fullmatch(value) is not None


def is_font_name(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= FONT_NAME_MAX
        and FONT_NAME.fullmatch(value) is not None
    )


# ------------------------------------------------------------------ colour arithmetic


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def rgb(colour: str) -> tuple[int, int, int]:
    """'#005EB8' -> (0, 94, 184)."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: str) -> float:
    r, g, b = rgb(colour)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio between two #RRGGBB colours (1 to 21)."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def mix(colour: str, other: str, weight: float) -> str:
    """A colour `weight` of the way from `colour` to `other`, as #RRGGBB (tints, rules)."""
    pairs = zip(rgb(colour), rgb(other), strict=True)
    return "#" + "".join(f"{round(x + (y - x) * weight):02X}" for x, y in pairs)


# ---------------------------------------------------------------------------- the look


@dataclass(frozen=True)
class Colours:
    primary: str  # headings, links, accents
    accent: str  # a second accent (the chart's plan line); never text
    text: str
    background: str
    table_header: str
    table_header_text: str
    total_row: str
    red: str
    red_text: str
    amber: str
    amber_text: str
    green: str
    green_text: str
    code: str  # the tint behind inline code
    # A redline's marks (docs/review.md): the text inserted (underlined) and deleted
    # (struck through), and the change bar. The marks are shapes; colour only adds to them.
    insertion: str = "#007F3B"
    deletion: str = "#D5281B"

    def rag(self, rating: str) -> tuple[str, str]:
        """(fill, text colour) of a RAG rating."""
        return {
            "red": (self.red, self.red_text),
            "amber": (self.amber, self.amber_text),
            "green": (self.green, self.green_text),
        }[rating]


@dataclass(frozen=True)
class Fonts:
    body: str
    heading: str
    fallbacks: tuple[str, ...]  # open fonts with the same metrics, for where one is missing
    mono: str
    mono_fallbacks: tuple[str, ...]
    # The height of a "single" line of the body font, in ems: Word's line spacing is a
    # multiple of it, CSS's line-height a multiple of the font size.
    single_line: float

    def stack(self, first: str) -> tuple[str, ...]:
        """`first`, then the fallbacks, once each."""
        return tuple(dict.fromkeys((first, *self.fallbacks)))


@dataclass(frozen=True)
class Sizes:
    """Font sizes in points, all multiples of half a point (Word's unit)."""

    body: float
    h1: float
    h2: float
    h3: float
    h4: float
    title: float
    subtitle: float
    cover: float
    banner: float
    lead: float
    small: float  # small print and the notes at the end
    note: float
    caption: float
    table: float
    header: float  # running header and footer

    def heading(self, level: int) -> float:
        return (self.h1, self.h2, self.h3, self.h4)[min(max(level, 1), 4) - 1]


@dataclass(frozen=True)
class Spacing:
    """Space in points; line heights are multiples of the font size (ems)."""

    line: float  # body text
    heading_line: float  # headings, captions, tables: a single line
    paragraph_after: float
    headings: tuple[tuple[float, float], ...]  # (before, after) of heading levels 1-4
    title_before: float
    title_after: float
    title_page_before: float  # above the first line of a part's title page
    subtitle_after: float
    lead_after: float
    small_after: float
    caption: float  # before and after a caption
    list_item_after: float
    list_indent_mm: float  # per list level
    contents_indent_mm: tuple[float, float, float]  # contents entries of levels 1-3
    contents_heading: tuple[float, float]  # (before, after) the contents' title
    contents_level1_before: float
    contents_after: float
    cell_padding: tuple[float, float]  # (top and bottom, left and right) of table cells
    cell_text_gap: float  # before and after the text in a cell
    callout_padding: tuple[float, float]  # (top and bottom, left and right)
    block_after: float  # after a table, figure or callout
    banner_padding: float
    banner_margin: float  # before and after the banner
    signature_after: float
    signature_line: tuple[float, float]  # (before, after) the line to sign on

    def heading(self, level: int) -> tuple[float, float]:
        return self.headings[min(max(level, 1), 4) - 1]


@dataclass(frozen=True)
class Page:
    """The paper and the margins (mm). One margin on all four sides keeps the page's
    centre where the text area's centre is, which is where both watermarks sit."""

    width_mm: float  # portrait
    height_mm: float
    margin_top_mm: float
    margin_right_mm: float
    margin_bottom_mm: float
    margin_left_mm: float
    header_mm: float  # from the top edge to the running header
    footer_mm: float  # from the bottom edge to the footer
    logo_width_mm: float  # the largest a logo is drawn
    logo_height_mm: float

    @property
    def text_width_mm(self) -> float:
        return self.width_mm - self.margin_left_mm - self.margin_right_mm

    @property
    def text_height_mm(self) -> float:
        return self.height_mm - self.margin_top_mm - self.margin_bottom_mm


@dataclass(frozen=True)
class Rule:
    colour: str
    width: float  # points


@dataclass(frozen=True)
class CalloutLook:
    rule: str  # the thick rule on the left
    fill: str


@dataclass(frozen=True)
class Callouts:
    statement: CalloutLook
    quote: CalloutLook
    note: CalloutLook
    draft: CalloutLook
    rule_width: float  # points

    def of(self, kind: str) -> CalloutLook:
        return getattr(self, kind, self.statement)


@dataclass(frozen=True)
class Watermark:
    """The draft mark behind the text of every page: one definition for Word and PDF."""

    colour: str
    opacity: float  # 0 to 1, over the page background
    angle: float  # degrees, anticlockwise from the baseline (the text rises)
    width: float  # the mark's width, as a fraction of the text width
    font: str


@dataclass(frozen=True)
class ChartLook:
    width_in: float
    height_in: float
    font_size: float
    text: str
    primary: str  # the actual line
    accent: str  # the plan line and the target
    grey: str  # comparison lines: last year, the baseline
    grid: str


@dataclass(frozen=True)
class Look:
    colours: Colours
    fonts: Fonts
    sizes: Sizes
    spacing: Spacing
    page: Page
    table_rule: Rule  # table borders, the header's and footer's rules
    banner_rule: Rule
    callouts: Callouts
    watermark: Watermark
    chart: ChartLook

    def __post_init__(self) -> None:
        validate_look(self)


# The look's text values that are font names; every other text value is a colour.
FONT_FIELDS = frozenset({"body", "heading", "fallbacks", "mono", "mono_fallbacks", "font"})
# The values that must be above zero: a font size or a page of zero writes invalid XML.
POSITIVE = (Sizes, Page, ChartLook)


def validate_look(look: Look) -> None:
    """ValueError naming the first value of `look` outside the look's grammar.

    The theme has refused such values already, with their line in theme.yaml; this is
    the writers' guarantee, whatever made the look.
    """
    for name, value, owner in _values(look, "look"):
        leaf = name.rsplit(".", 1)[-1].split("[")[0]
        if isinstance(value, str):
            ok = is_font_name(value) if leaf in FONT_FIELDS else is_colour(value)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            ok = False
        else:
            ok = math.isfinite(value) and (value > 0 or not isinstance(owner, POSITIVE))
        if not ok:
            raise ValueError(f"{name} = {value!r} is not a value a look can hold")


def _values(node: Any, name: str, owner: Any = None):
    """(dotted name, value, the dataclass holding it) for every leaf value of `node`."""
    if is_dataclass(node):
        for item in fields(node):
            yield from _values(getattr(node, item.name), f"{name}.{item.name}", node)
    elif isinstance(node, tuple):
        for index, value in enumerate(node):
            yield from _values(value, f"{name}[{index}]", owner)
    else:
        yield name, node, owner
