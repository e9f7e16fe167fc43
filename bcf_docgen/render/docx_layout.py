"""Column widths for Word tables: the model's relative widths, but no word cut in half.

Word and LibreOffice break a word that does not fit its cell in the middle, so a money
column sized only by its relative width prints "£48,967,29" over "9". Each column is
therefore at least as wide as its longest unbreakable word, and the columns with room to
spare give it up. The measures are the model's (`document/measure.py`), the same ones
composition uses when it decides which tables need landscape pages.
"""

from __future__ import annotations

from ..document.measure import fit_columns, longest_word, text_width

__all__ = ["fit_columns", "longest_word", "text_width"]
