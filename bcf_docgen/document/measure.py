"""How wide text is set, for the decisions both writers must share.

Composition decides which tables need landscape pages (`document/flow.py`) and the Word
writer sizes table columns (`render/docx_layout.py`); both measure text with the same
advance widths here. They are Arial's, which Liberation Sans (what LibreOffice and
WeasyPrint set the theme's Arial with) shares, so a measure made here holds in both
files. This module sits with the model so that writers may use it too.
"""

from __future__ import annotations

import re

# Advance widths (1/1000 em) of ASCII 32..126 in Arial / Helvetica, regular and bold.
_REGULAR = (
    "278 278 355 556 556 889 667 222 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 "
    "556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 222 556 "
    "556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 "
    "500 500 500 334 260 334 584"
)
_BOLD = (
    "278 333 474 556 556 889 722 278 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 "
    "611 833 722 778 667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 278 556 "
    "611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 "
    "556 556 500 389 280 389 584"
)
WIDTHS = {
    False: [int(w) for w in _REGULAR.split()],
    True: [int(w) for w in _BOLD.split()],
}
OTHER = 600  # anything outside ASCII: about the width of a capital


def text_width(text: str, size_pt: float, bold: bool = False) -> int:
    """The width of `text` set in `size_pt` Arial, in twips."""
    table = WIDTHS[bold]
    units = sum(table[ord(c) - 32] if 32 <= ord(c) <= 126 else OTHER for c in text)
    return round(units * size_pt * 20 / 1000)


# Word, LibreOffice and WeasyPrint all break a line after a hyphen between letters
# ("technology-/enabled"), never inside a number ("-4.8%", "2025-26" stays whole).
_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def words(text: str) -> list[str]:
    """The pieces a line break cannot split: words, cut after a hyphen between letters."""
    return [piece for word in text.split() for piece in _HYPHEN.sub("-\n", word).split("\n")]


def longest_word(text: str, size_pt: float, bold: bool = False) -> int:
    """The width of the widest word (what a line break cannot split), in twips."""
    return max((text_width(word, size_pt, bold) for word in words(text)), default=0)


def lines_needed(text: str, size_pt: float, width: int, bold: bool = False) -> int:
    """How many lines `text` takes set in a column `width` twips wide, breaking at spaces
    (a word wider than the column takes a line of its own). Explicit line breaks count."""
    if width <= 0:
        return max(1, len(text.split()))
    space = text_width(" ", size_pt, bold)
    total = 0
    for line in text.split("\n"):
        used, count = 0, 1
        for word in line.split():
            for index, piece in enumerate(words(word)):
                gap = space if used and index == 0 else 0
                need = text_width(piece, size_pt, bold)
                if used and used + gap + need > width:
                    count, used = count + 1, need
                else:
                    used += gap + need
        total += count
    return max(total, 1)


def fit_columns(relative: list[float], needs: list[int], total: int) -> list[int]:
    """Widths (twips) summing to `total`, in proportion to `relative`, none below `needs`.

    Columns that would be narrower than they need are fixed at their need and the rest
    share what is left in proportion; if even the needs do not fit, every column gets a
    share in proportion to its need.
    """
    weights = [w if w and w > 0 else 1.0 for w in relative] or [1.0]
    needs = [min(max(n, 0), total) for n in needs] + [0] * (len(weights) - len(needs))
    if sum(needs) >= total:
        widths = [total * n / sum(needs) for n in needs]
    else:
        fixed: set[int] = set()
        while True:
            free = [i for i in range(len(weights)) if i not in fixed]
            remaining = total - sum(needs[i] for i in fixed)
            share = sum(weights[i] for i in free)
            proposed = {i: remaining * weights[i] / share for i in free}
            short = {i for i in free if proposed[i] < needs[i]}
            if not short:
                break
            fixed |= short
        widths = [needs[i] if i in fixed else proposed[i] for i in range(len(weights))]
    rounded = [int(w) for w in widths]
    rounded[-1] += total - sum(rounded)
    return rounded
