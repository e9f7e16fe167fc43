"""The look of a document: every colour, font, size, space, margin, rule and the watermark.

It is computed once from the plan's theme (`theme.look_from_theme`) and carried by the
document model, so the Word styles, the print stylesheet and the charts read the same
values and cannot drift apart. Writers read only this, never the theme: the theme is
what a plan author writes, the look is what the writers draw.

Colours are `#RRGGBB`; sizes and spaces are points unless the name says mm or inches.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4


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
