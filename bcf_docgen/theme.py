"""The house style as a plan author writes it (`theme.yaml`), and the look computed from it.

The defaults follow common English public-sector practice (NHS blue headings, Arial body
with Liberation Sans as its metric-compatible stand-in). A plan's `theme.yaml` overrides
any of them. Every text/background pair must reach WCAG AA contrast (4.5:1).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from .content.base import Model
from .document.look import (
    FONT_NAME_MAX,
    MM_PER_INCH,
    CalloutLook,
    Callouts,
    ChartLook,
    Look,
    Page,
    Rule,
    Sizes,
    Spacing,
    Watermark,
    contrast_ratio,
    is_colour,
    is_font_name,
    luminance,
    mix,
)
from .document.look import Colours as LookColours
from .document.look import Fonts as LookFonts
from .engines import DEFAULT_PDF_ENGINE, PdfEngine
from .unknown import TO_BE_CONFIRMED

__all__ = ["Theme", "Colours", "Fonts", "look_from_theme", "contrast_ratio", "luminance"]

# The grammar of the values that become CSS and Word XML (docs/content-format.md, theme)
# is the look's (document/look.py): checked here, when theme.yaml is read, so that a
# finding names the line, and checked again by the look, so no writer gets a bad value.
FALLBACKS_MAX = 8
# The body size in points; every other size is a step from it (the smallest is 3 pt
# below it, for chart labels), so these bounds keep every size positive and readable.
BODY_SIZE_MIN = 6.0
BODY_SIZE_MAX = 36.0


def colour(value: Any) -> str:
    """A colour as #RRGGBB (upper case), or ValueError with the way to write one."""
    if not isinstance(value, str) or not is_colour(value):
        shown = repr(value) if isinstance(value, str) else str(value)
        raise ValueError(f"{shown} is not a colour: write it as #RRGGBB, e.g. #005EB8")
    return value.upper()


def font_name(value: Any) -> str:
    """A font family name from the allowed grammar, or ValueError saying what is wrong."""
    if not isinstance(value, str) or not value:
        raise ValueError("a font name is text, e.g. Arial")
    if len(value) > FONT_NAME_MAX:
        raise ValueError(f"a font name has at most {FONT_NAME_MAX} characters")
    if not is_font_name(value):
        raise ValueError(
            f"{value[:FONT_NAME_MAX]!r} is not a font name: use letters, digits, single "
            "spaces and hyphens only, e.g. Liberation Sans"
        )
    return value


def body_size(value: Any) -> float:
    """The body size in points: a finite number from BODY_SIZE_MIN to BODY_SIZE_MAX.

    A size of zero, below zero, NaN or infinite would write invalid Word XML or stop the
    PDF writer; it is refused here, at the line of theme.yaml that gives it.
    """
    if isinstance(value, str):  # "12" is 12; "1e308" (YAML 1.1 reads it as text) too
        try:
            value = float(value)
        except ValueError:
            message = f"the body size is a number of points, e.g. 11, not {value!r}"
            raise ValueError(message) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"the body size is a number of points, e.g. 11, not {value!r}")
    size = float(value)
    if not math.isfinite(size) or not BODY_SIZE_MIN <= size <= BODY_SIZE_MAX:
        bounds = f"{BODY_SIZE_MIN:g} and {BODY_SIZE_MAX:g}"
        raise ValueError(f"the body size {value} is not between {bounds} points")
    return size


# The theme's value types: each checked by its grammar before pydantic sees it, so that
# a finding points at the very item (a fallback font in a list, say) that breaks it.
Colour = Annotated[str, BeforeValidator(colour)]
FontName = Annotated[str, BeforeValidator(font_name)]
BodySize = Annotated[float, BeforeValidator(body_size)]


class Colours(Model):
    primary: Colour = "#005EB8"  # headings and accents
    accent: Colour = "#41B6E6"  # rules and chart accents (not used for text)
    text: Colour = "#212B32"
    background: Colour = "#FFFFFF"
    table_header: Colour = "#005EB8"
    table_header_text: Colour = "#FFFFFF"
    total_row: Colour = "#E8EDEE"
    red: Colour = "#D5281B"
    red_text: Colour = "#FFFFFF"
    amber: Colour = "#FFB81C"
    amber_text: Colour = "#212B32"
    green: Colour = "#007F3B"
    green_text: Colour = "#FFFFFF"
    insertion: Colour = "#007F3B"  # a redline's inserted text (underlined too)
    deletion: Colour = "#D5281B"  # a redline's deleted text (struck through too)

    def text_pairs(self) -> list[tuple[str, str, str]]:
        """(name, foreground, background) for every pair that carries text."""
        return [
            ("text on background", self.text, self.background),
            ("headings on background", self.primary, self.background),
            ("table header text", self.table_header_text, self.table_header),
            ("text on total rows", self.text, self.total_row),
            ("text on red", self.red_text, self.red),
            ("text on amber", self.amber_text, self.amber),
            ("text on green", self.green_text, self.green),
            ("redline insertions", self.insertion, self.background),
            ("redline deletions", self.deletion, self.background),
        ]


class Fonts(Model):
    body: FontName = "Arial"
    heading: FontName = "Arial"
    body_size: BodySize = 11
    # Open fonts with the same metrics, used where the named font is not installed.
    fallbacks: Annotated[list[FontName], Field(max_length=FALLBACKS_MAX)] = Field(
        default_factory=lambda: ["Liberation Sans", "Arimo"]
    )


# The words around a scheme (docs/content-format.md, theme): labels, and a heading
# pattern with a fixed set of {placeholders} filled by plain replacement. theme.yaml
# chooses words; it is never run as a template, so a brace is a placeholder or refused.
HEADING_PLACEHOLDERS = ("id", "number", "number_words", "name")
WORDING_MAX = 120  # characters of a label or of the heading pattern


def _one_line(value: Any, what: str, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is a line of text, e.g. {example}")
    if len(value) > WORDING_MAX:
        raise ValueError(f"{what} has at most {WORDING_MAX} characters")
    if any(c in value for c in "\n\r\v\f\x85\u2028\u2029"):
        raise ValueError(f"{what} is one line: it has a line break")
    return value.strip()


def pattern_parts(pattern: str) -> list[tuple[str, bool]]:
    """`pattern` as (text, is_placeholder) pieces, or ValueError naming what is wrong.

    A strict reading: every `{` closes with `}` around a known placeholder's name.
    """
    names = ", ".join(f"{{{n}}}" for n in HEADING_PLACEHOLDERS)
    parts: list[tuple[str, bool]] = []
    rest = pattern
    while rest:
        start, end = rest.find("{"), rest.find("}")
        if start < 0 and end < 0:
            parts.append((rest, False))
            break
        if start < 0 or end < start:
            raise ValueError(f"a '}}' without its '{{' in {pattern!r}: placeholders are {names}")
        name = rest[start + 1 : end]
        if "{" in name:
            raise ValueError(f"a '{{' without its '}}' in {pattern!r}: placeholders are {names}")
        if name not in HEADING_PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{name}}} in {pattern!r}: use {names}")
        parts += [(rest[:start], False), (name, True)]
        rest = rest[end + 1 :]
    return [part for part in parts if part[0]]


def heading_pattern(value: Any) -> str:
    """The scheme heading pattern, checked once here so a finding names its line."""
    text = _one_line(value, "the scheme heading", "'Scheme {number_words}: {name}'")
    pattern_parts(text)
    return text


def label(value: Any) -> str:
    """A label (a word or a few) printed before or above a scheme's part."""
    text = _one_line(value, "a label", "Expected benefits")
    if "{" in text or "}" in text:
        raise ValueError(f"a label has no braces: {text[:WORDING_MAX]!r}")
    return text


HeadingPattern = Annotated[str, BeforeValidator(heading_pattern)]
Label = Annotated[str, BeforeValidator(label)]


class SchemeLabels(Model):
    lead: Label = "Lead"
    status: Label = "Status"
    theme: Label = "Theme"
    statement: Label | None = None  # the title of the "I statement" callout; none
    overview: Label = "Overview"
    objectives: Label = "Objectives"
    activities: Label = "Activities"
    benefits: Label = "Benefits"
    metrics: Label = "Metrics this scheme contributes to"
    spend: Label = "Spend"


class SchemeWording(Model):
    heading: HeadingPattern = "{id}: {name}"
    labels: SchemeLabels = Field(default_factory=SchemeLabels)

    def heading_for(self, values: dict[str, str]) -> str:
        """The heading with each placeholder replaced by its value (text, never run)."""
        parts = pattern_parts(self.heading)
        return "".join(values[text] if is_name else text for text, is_name in parts)


class Theme(Model):
    logo: str | None = None
    colours: Colours = Field(default_factory=Colours)
    fonts: Fonts = Field(default_factory=Fonts)
    paper: Literal["A4", "A3"] = "A4"
    money_units: Literal["pounds", "thousands", "millions"] = "pounds"
    schemes: SchemeWording = Field(default_factory=SchemeWording)
    date_style: Literal["long", "short"] = "long"
    # The words for a figure not yet known (`tbc` in the data), never £0: bcf_docgen/unknown.py.
    unknown: Label = TO_BE_CONFIRMED
    # What lays out the PDF (docs/engines.md); `--engine` overrides it.
    pdf_engine: PdfEngine = DEFAULT_PDF_ENGINE


PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
MONO = ("Courier New", "Liberation Mono", "Cousine")
SINGLE_LINE = 1.15  # Arial's (and Liberation Sans's) line height in ems
MARGIN_MM = 20.0
RUNNING_MM = 10.0  # from the page's edge to the running header and footer
WATERMARK_ANGLE = 45.0
WATERMARK_OPACITY = 0.10


def look_from_theme(theme: Theme) -> Look:
    """The look every writer draws: each value decided here, once, from `theme`.

    The same theme gives an equal look (and the same object: it is kept per theme).
    """
    return _look(theme.model_dump_json())


@lru_cache(maxsize=16)
def _look(theme_json: str) -> Look:
    theme = Theme.model_validate_json(theme_json)
    c, f = theme.colours, theme.fonts
    rule = mix(c.text, c.background, 0.65)  # a mid tone between text and page
    width, height = PAPER_MM[theme.paper]
    page = Page(
        width_mm=width,
        height_mm=height,
        margin_top_mm=MARGIN_MM,
        margin_right_mm=MARGIN_MM,
        margin_bottom_mm=MARGIN_MM,
        margin_left_mm=MARGIN_MM,
        header_mm=RUNNING_MM,
        footer_mm=RUNNING_MM,
        logo_width_mm=70.0,
        logo_height_mm=22.0,
    )
    return Look(
        colours=LookColours(
            primary=c.primary,
            accent=c.accent,
            text=c.text,
            background=c.background,
            table_header=c.table_header,
            table_header_text=c.table_header_text,
            total_row=c.total_row,
            red=c.red,
            red_text=c.red_text,
            amber=c.amber,
            amber_text=c.amber_text,
            green=c.green,
            green_text=c.green_text,
            code=c.total_row,
            insertion=c.insertion,
            deletion=c.deletion,
        ),
        fonts=LookFonts(
            body=f.body,
            heading=f.heading,
            fallbacks=tuple(f.fallbacks),
            mono=MONO[0],
            mono_fallbacks=MONO[1:],
            single_line=SINGLE_LINE,
        ),
        sizes=_sizes(float(f.body_size)),
        spacing=_spacing(),
        page=page,
        table_rule=Rule(rule, 0.5),
        banner_rule=Rule(c.red, 1.0),
        callouts=Callouts(
            statement=CalloutLook(c.primary, mix(c.primary, c.background, 0.9)),
            quote=CalloutLook(rule, mix(rule, c.background, 0.9)),
            note=CalloutLook(c.primary, c.total_row),
            draft=CalloutLook(c.red, mix(c.red, c.background, 0.9)),
            rule_width=3.0,
        ),
        watermark=Watermark(
            colour=c.red,
            opacity=WATERMARK_OPACITY,
            angle=WATERMARK_ANGLE,
            width=0.8,
            font=f.heading,
        ),
        chart=_chart(theme, page, float(f.body_size)),
    )


def _half(points: float) -> float:
    """Rounded to half a point, the finest size Word stores."""
    return round(points * 2) / 2


def _sizes(body: float) -> Sizes:
    """Every size as a step from the body size, so one theme value scales them all."""
    return Sizes(
        body=_half(body),
        h1=_half(body * 1.5),
        h2=_half(body * 1.25),
        h3=_half(body * 1.1),
        h4=_half(body),
        title=_half(body * 2.55),
        subtitle=_half(body * 1.45),
        cover=_half(body + 1),
        banner=_half(body * 1.25),
        lead=_half(body * 1.15),
        small=_half(body - 2),
        note=_half(body - 1),
        caption=_half(body - 1),
        table=_half(body - 1),
        header=_half(body - 2),
    )


def _spacing() -> Spacing:
    return Spacing(
        line=1.3,
        heading_line=SINGLE_LINE,
        paragraph_after=6,
        headings=((18, 8), (14, 6), (12, 4), (10, 4)),
        title_before=56.5,  # 2 cm
        title_after=12,
        title_page_before=120,
        subtitle_after=18,
        lead_after=9,
        small_after=4,
        caption=6,
        list_item_after=3,
        list_indent_mm=7.5,
        contents_indent_mm=(0.0, 10.0, 22.5),
        contents_heading=(12, 12),
        contents_level1_before=6,
        contents_after=2,
        cell_padding=(2, 4.25),
        cell_text_gap=1,
        callout_padding=(6, 10),
        block_after=12,
        banner_padding=6,
        banner_margin=12,
        signature_after=5,
        signature_line=(18, 24),
    )


def _chart(theme: Theme, page: Page, body: float) -> ChartLook:
    """The chart: as wide as the text, its lines readable on the page (3:1 at least)."""
    c = theme.colours
    primary = _line_colour(c.primary, c.text, c.background)
    accent = _line_colour(c.accent, c.text, c.background)
    if accent == primary:
        accent = c.text
    width = page.text_width_mm / MM_PER_INCH
    return ChartLook(
        width_in=round(width, 3),
        height_in=round(width * 0.46, 3),
        font_size=_half(body - 3),
        text=c.text,
        primary=primary,
        accent=accent,
        grey=_line_colour(mix(c.text, c.background, 0.35), c.text, c.background),
        grid=mix(c.text, c.background, 0.82),
    )


def _line_colour(colour: str, text: str, background: str) -> str:
    """`colour` for a line, or the text colour if it is too pale to see (< 3:1)."""
    return colour if contrast_ratio(colour, background) >= 3 else text
