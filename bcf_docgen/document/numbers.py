"""Reading figures written in tables: '£1,234', '(5,000)', '-3', '12.5%'.

Used to decide that a column is numeric (right-aligned) and, by the checks, to add up
stated totals. One parser for both, so a column that aligns as numbers also adds up.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

FIGURE = re.compile(
    r"^\s*(?P<neg>[-−–])?\s*(?P<open>\()?\s*(?P<neg2>[-−])?\s*£?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*"
    r"(?P<unit>%|k|m|bn)?\s*(?P<close>\))?\s*$",
    re.IGNORECASE,
)


def parse_figure(text: str) -> Decimal | None:
    """The value of a figure as written, or None if the text is not a figure."""
    match = FIGURE.match(text.replace("\u00a0", " "))
    if not match or bool(match.group("open")) != bool(match.group("close")):
        return None
    try:
        value = Decimal(match.group("num").replace(",", ""))
    except InvalidOperation:
        return None
    negative = bool(match.group("neg") or match.group("neg2") or match.group("open"))
    return -value if negative else value
