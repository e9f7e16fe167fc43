"""How figures are written: one place, so every table and sentence spells them the same."""

from __future__ import annotations

import datetime as dt

import pytest

from bcf_docgen import formatting as fmt


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0, 0, "0"),
        (7, 0, "7"),
        (1234, 0, "1,234"),
        (1234567, 0, "1,234,567"),
        (1234.5, 0, "1,235"),  # half up, not to even
        (1233.5, 0, "1,234"),
        (2.5, 0, "3"),
        (1234.5, 1, "1,234.5"),
        (1234, 2, "1,234.00"),
        (2.675, 2, "2.68"),  # the decimal written, not the binary float below it
        (0.125, 2, "0.13"),
        (-1234.56, 1, "-1,234.6"),
        (-0.4, 0, "0"),  # rounds to zero: no minus sign
        (10**30, 0, "1,000,000,000,000,000,000,000,000,000,000"),
    ],
)
def test_number(value: float, decimals: int, expected: str) -> None:
    assert fmt.number(value, decimals) == expected


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "abc", None, True])
def test_number_refuses_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises(ValueError, match="is not a number that can be written out"):
        fmt.number(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "£0"),
        (5, "£5"),
        (1234567, "£1,234,567"),
        (1234567.5, "£1,234,568"),
        (-5, "-£5"),
        (-1234567, "-£1,234,567"),
        (-0.4, "£0"),
        (10**30, "£1,000,000,000,000,000,000,000,000,000,000"),
    ],
)
def test_money(value: float, expected: str) -> None:
    assert fmt.money(value) == expected


def test_money_in_thousands_when_the_theme_says_so() -> None:
    assert fmt.money(1234567, "thousands") == "£1,235k"
    assert fmt.money(1234567, "pounds") == "£1,234,567"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234567, "£1,235k"),
        (1234499, "£1,234k"),
        (500, "£1k"),
        (499, "£0k"),
        (0, "£0k"),
        (-1234567, "-£1,235k"),
        (-400, "£0k"),
        (24_310_000, "£24,310k"),
    ],
)
def test_thousands(value: int, expected: str) -> None:
    assert fmt.thousands(value) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (12.5, 1, "12.5%"),
        (12.45, 1, "12.5%"),
        (33.333, 1, "33.3%"),
        (0.5, 1, "0.5%"),  # already a percentage, not a fraction
        (12, 0, "12%"),
        (100, 1, "100.0%"),
        (-2.25, 1, "-2.3%"),
        (1234.5, 1, "1,234.5%"),
    ],
)
def test_pct(value: float, decimals: int, expected: str) -> None:
    assert fmt.pct(value, decimals) == expected


def test_pct_defaults_to_one_decimal() -> None:
    assert fmt.pct(61.25) == "61.3%"


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        (dt.date(2025, 3, 14), "long", "14 March 2025"),
        (dt.date(2025, 3, 4), "long", "4 March 2025"),  # no leading zero
        (dt.date(2026, 1, 1), "long", "1 January 2026"),
        (dt.date(2025, 3, 4), "short", "04/03/2025"),  # day first, as in England
        (None, "long", ""),
    ],
)
def test_date(value: dt.date | None, style: str, expected: str) -> None:
    assert fmt.date(value, style) == expected


def test_date_defaults_to_long() -> None:
    assert fmt.date(dt.date(2025, 12, 25)) == "25 December 2025"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "zero"),
        (5, "five"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (101, "one hundred and one"),
        (110, "one hundred and ten"),
        (999, "nine hundred and ninety-nine"),
        (1000, "one thousand"),
        (1005, "one thousand and five"),
        (1100, "one thousand one hundred"),
        (2500, "two thousand five hundred"),
        (20000, "twenty thousand"),
        (123456, "one hundred and twenty-three thousand four hundred and fifty-six"),
        (-3, "minus three"),
        (1_000_000, "1,000,000"),  # beyond words: figures
    ],
)
def test_words(value: int, expected: str) -> None:
    assert fmt.words(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kingsmere bcf-2025-26", "kingsmere-bcf-2025-26"),
        ("Kingsmere  bcf 2025/26", "kingsmere-bcf-2025-26"),
        ("Bath and North East Somerset", "bath-and-north-east-somerset"),
        ("Ça va – très bien", "ca-va-tres-bien"),
        ("  --Brighton & Hove--  ", "brighton-hove"),
        ("", "plan"),
        ("!!!", "plan"),
        ("日本", "plan"),
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert fmt.slugify(text) == expected


def test_slugify_is_safe_as_a_file_name() -> None:
    for text in ["../../etc/passwd", "a/b\\c", "CON:", "x\x00y"]:
        slug = fmt.slugify(text)
        assert slug and all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
        assert not slug.startswith("-") and not slug.endswith("-")
