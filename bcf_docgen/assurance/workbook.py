"""The summary as a workbook: one sheet per grid, real cells, for teams who sort and filter.

Numbers are numbers (money in pounds, counts, changes as percentages) with a format, not
text; RAG cells hold the letter R, A or G, offered as a list (data validation) so that a
look-alike letter cannot be typed in, and are coloured by conditional formatting from the
theme's RAG colours, so the colour follows the letter if someone changes it. The header
row is frozen with the area and code columns; no cell is merged.
"""

from __future__ import annotations

import io
from typing import Any

from ..document.look import Look
from .assessments import RATINGS
from .grid import Grid, Summary

LETTERS = {name: letter for letter, name in RATINGS.items()}
FORMATS = {"money": "£#,##0", "count": "0", "change": "+0.0%;-0.0%;0.0%"}
SHEET_TITLES = 31  # Excel's longest sheet name
# The words for the letters: a rating is never colour alone, in the workbook either.
KEY = "Ratings: R is red, A is amber, G is green; an empty rating cell is not assessed."


def _hex(colour: str) -> str:
    return "FF" + colour.lstrip("#").upper()


def workbook_bytes(summary: Summary, look: Look) -> bytes:
    """The .xlsx file's bytes: a sheet of statements, then one sheet per grid."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    _statements(first, summary)
    for grid in summary.grids:
        _sheet(book.create_sheet(grid.key[:SHEET_TITLES]), grid, look)
    book.properties.title = f"{summary.framework.name}: assurance summary"
    book.properties.creator = "bcf-docgen"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _statements(sheet: Any, summary: Summary) -> None:
    from openpyxl.styles import Font

    sheet.title = "statements"
    sheet.append(["What the grid shows"])
    sheet["A1"].font = Font(bold=True)
    for text in summary.statements:
        sheet.append([text])
    sheet.append([KEY])
    sheet.column_dimensions["A"].width = 120
    sheet.freeze_panes = "A2"


def _sheet(sheet: Any, grid: Grid, look: Look) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    colours = look.colours
    sheet.append([c.header for c in grid.columns])
    header_fill = PatternFill("solid", fgColor=_hex(colours.table_header))
    for cell in sheet[1]:
        cell.font = Font(bold=True, color=_hex(colours.table_header_text))
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in grid.rows:
        row: list[Any] = []
        for value, column in zip(values, grid.columns, strict=True):
            if column.kind == "rag":
                row.append(LETTERS.get(value.rag or ""))
            elif value.number is not None:
                row.append(value.number)
            else:
                row.append(value.text or None)
        sheet.append(row)
    last = len(grid.rows) + 1
    for index, column in enumerate(grid.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, min(40, 12 * column.width))
        fmt = FORMATS.get(column.kind)
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=index, max_col=index):
                cell.number_format = fmt
    rag = [i for i, c in enumerate(grid.columns, start=1) if c.kind == "rag"]
    if rag and grid.rows:
        _ratings(sheet, rag, last, look)
    sheet.freeze_panes = "C2" if grid.columns[0].header == "Area" else "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(grid.columns))}{last}"


def _ratings(sheet: Any, columns: list[int], last: int, look: Look) -> None:
    """R, A or G only in the RAG columns, each coloured as the theme colours RAG cells."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ranges = " ".join(f"{get_column_letter(i)}2:{get_column_letter(i)}{last}" for i in columns)
    check = DataValidation(
        type="list",
        formula1='"R,A,G"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Rating",
        error="Type R, A or G (Latin capitals), or leave the cell empty while not assessed.",
        promptTitle="Rating",
        prompt="R (red), A (amber) or G (green)",
        showInputMessage=True,
    )
    for each in ranges.split():
        check.add(each)
    sheet.add_data_validation(check)
    for name, letter in LETTERS.items():
        fill, text = look.colours.rag(name)
        rule = CellIsRule(
            operator="equal",
            formula=[f'"{letter}"'],
            fill=PatternFill("solid", fgColor=_hex(fill), bgColor=_hex(fill)),
            font=Font(color=_hex(text), bold=True),
        )
        for each in ranges.split():
            sheet.conditional_formatting.add(each, rule)
