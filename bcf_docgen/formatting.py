"""How numbers, money and dates are written: the one place for it.

Templates, Markdown filters and both writers call these, so "£1,234,567" is spelt the
same way in every table and sentence of the Word file and the PDF.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from .unknown import TO_BE_CONFIRMED, Partial, Unknown, written

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _round(value: float | int | Decimal, decimals: int) -> Decimal:
    quantum = Decimal(1).scaleb(-decimals)
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        exact = Decimal("NaN")
    if isinstance(value, bool) or not exact.is_finite():
        raise ValueError(f"{value!r} is not a number that can be written out")
    with localcontext() as ctx:
        # Enough digits for any whole part: the default 28 fails on 10**30 or 1e300.
        ctx.prec = max(28, exact.adjusted() + decimals + 2)
        return exact.quantize(quantum, rounding=ROUND_HALF_UP)


def number(
    value: float | int | Decimal | Unknown | Partial,
    decimals: int = 0,
    unknown: str = TO_BE_CONFIRMED,
) -> str:
    """1234.5 -> '1,235' (decimals=0) or '1,234.5' (decimals=1); negatives with a minus sign.

    A figure not yet known is `unknown` (the theme's words), or "at least 1,235" (`unknown.py`).
    """
    if isinstance(value, Unknown | Partial):
        return written(value, lambda known: number(known, decimals), unknown)
    rounded = _round(value, decimals)
    text = f"{abs(rounded):,.{decimals}f}"
    return f"-{text}" if rounded < 0 else text


MONEY_UNITS = ("pounds", "thousands", "millions")
# Millions keep two decimals, as plans write them in prose ("£5.99m"), and always two,
# so a column of them lines up: 7,000,000 is '£7.00m'.
MILLIONS_DECIMALS = 2


def money(
    value: int | float | Unknown | Partial, units: str = "pounds", unknown: str = TO_BE_CONFIRMED
) -> str:
    """Pounds as '£1,234,567', '£1,235k' (thousands) or '£1.23m' (millions).

    Units are the theme's `money_units`, or the `money` filter's argument, which comes
    from plan text: anything else is a ValueError naming the three, never pounds.
    A figure not yet known is `unknown` (never £0), a total with unknown parts
    "at least £570,000".
    """
    if isinstance(value, Unknown | Partial):
        return written(value, lambda known: money(known, units), unknown)
    if units == "thousands":
        return thousands(value)
    if units == "millions":
        return millions(value)
    if units != "pounds":
        raise ValueError(f"money units are {', '.join(MONEY_UNITS)}, not {str(units)[:40]!r}")
    return _pounds(number(value))


def thousands(value: int | float) -> str:
    """Pounds in thousands: 1,234,567 -> '£1,235k'."""
    return _pounds(number(value / 1000)) + "k"


def millions(value: int | float) -> str:
    """Pounds in millions: 5,985,000 -> '£5.99m' (divided exactly, then rounded half up)."""
    scaled: int | float | Decimal = value  # not a number: `number` says so
    with localcontext() as ctx:
        ctx.prec = max(28, len(str(value)))  # every digit kept, however large
        try:
            exact = Decimal(str(value))
        except InvalidOperation:
            exact = Decimal("NaN")
        if exact.is_finite() and not isinstance(value, bool):
            scaled = exact.scaleb(-6)
    return _pounds(number(scaled, MILLIONS_DECIMALS)) + "m"


def _pounds(text: str) -> str:
    """'£' after the sign of the rounded figure: -1,234 -> -£1,234, and -0.4 -> £0 (not -£0)."""
    return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"


def pct(
    value: float | int | Unknown | Partial, decimals: int = 1, unknown: str = TO_BE_CONFIRMED
) -> str:
    """12.5 -> '12.5%'. The value is already a percentage, not a fraction."""
    if isinstance(value, Unknown | Partial):
        return written(value, lambda known: pct(known, decimals), unknown)
    return f"{number(value, decimals)}%"


def date(value: dt.date | None, style: str = "long") -> str:
    """2025-03-14 -> '14 March 2025' (long) or '14/03/2025' (short)."""
    if value is None:
        return ""
    if style == "short":
        return value.strftime("%d/%m/%Y")
    return f"{value.day} {value.strftime('%B %Y')}"


def words(value: int) -> str:
    """Whole numbers in words, as house style wants for small counts: 5 -> 'five'."""
    n = int(value)
    if n < 0:
        return "minus " + words(-n)
    if n < 20:
        return _SMALL[n]
    if n < 100:
        tens, rest = divmod(n, 10)
        return _TENS[tens - 2] + (f"-{_SMALL[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_SMALL[hundreds]} hundred" + (f" and {words(rest)}" if rest else "")
    if n < 1_000_000:
        high, rest = divmod(n, 1000)
        tail = "" if not rest else (f" and {words(rest)}" if rest < 100 else f" {words(rest)}")
        return f"{words(high)} thousand{tail}"
    return number(n)


def slugify(text: str) -> str:
    """'Kingsmere bcf-2025-26' -> 'kingsmere-bcf-2025-26' (ASCII, for file names)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "plan"
