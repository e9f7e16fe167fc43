"""Column widths for Word tables: the model's relative widths, but no word cut in half.

Word and LibreOffice break a word that does not fit its cell in the middle, so a money
column sized only by its relative width prints "£48,967,29" over "9". Each column is
therefore at least as wide as its longest unbreakable word (measured with Arial's
widths, which Liberation Sans shares), and the columns with room to spare give it up.
"""

from __future__ import annotations

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


def longest_word(text: str, size_pt: float, bold: bool = False) -> int:
    """The width of the widest word (what a line break cannot split), in twips."""
    return max((text_width(word, size_pt, bold) for word in text.split()), default=0)


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
