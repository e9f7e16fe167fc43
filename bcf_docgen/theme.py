"""The house style: colours, fonts, paper and money units, decided once for both writers.

The defaults follow common English public-sector practice (NHS blue headings, Arial body
with Liberation Sans as its metric-compatible stand-in). A plan's `theme.yaml` overrides
any of them. Every text/background pair must reach WCAG AA contrast (4.5:1).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from .content.base import Model

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


class Colours(Model):
    primary: str = "#005EB8"  # headings and accents
    accent: str = "#41B6E6"  # rules and chart accents (not used for text)
    text: str = "#212B32"
    background: str = "#FFFFFF"
    table_header: str = "#005EB8"
    table_header_text: str = "#FFFFFF"
    total_row: str = "#E8EDEE"
    red: str = "#D5281B"
    red_text: str = "#FFFFFF"
    amber: str = "#FFB81C"
    amber_text: str = "#212B32"
    green: str = "#007F3B"
    green_text: str = "#FFFFFF"

    @field_validator("*")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not HEX.match(value):
            raise ValueError(f"'{value}' is not a colour: write it as #RRGGBB, e.g. #005EB8")
        return value.upper()

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
        ]


class Fonts(Model):
    body: str = "Arial"
    heading: str = "Arial"
    body_size: float = 11
    # Open fonts with the same metrics, used where the named font is not installed.
    fallbacks: list[str] = Field(default_factory=lambda: ["Liberation Sans", "Arimo"])


class Theme(Model):
    logo: str | None = None
    colours: Colours = Field(default_factory=Colours)
    fonts: Fonts = Field(default_factory=Fonts)
    paper: Literal["A4", "A3"] = "A4"
    money_units: Literal["pounds", "thousands"] = "pounds"
    date_style: Literal["long", "short"] = "long"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio between two #RRGGBB colours (1 to 21)."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
