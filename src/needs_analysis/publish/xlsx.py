"""Writing an Excel workbook a planner computes with: numbers as numbers, formats, print setup.

Counts are integers shown as ``#,##0``, rates fractions shown as ``0.0%``. Each sheet
prints on A4, fitted to the page width, with its header row repeated and a page header;
text cells are escaped so that none runs as a formula, and the file's dates are fixed so a
rerun on the same data writes the same bytes.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from needs_analysis.outputs import FIXED_TIMESTAMP, escape_formula, fix_zip_timestamps

COUNT = "#,##0"
RATE = "0.0%"
DECIMAL = "0.00"
P_VALUE = "0.000"
YEAR = "0"
# The workbook's created/modified time: the fixed date every output of a run carries.
FIXED_DATE = datetime.datetime(*FIXED_TIMESTAMP)
# Sheets with more columns than this print in landscape.
_PORTRAIT_COLUMNS = 7
_WIDEST_COLUMN = 60


@dataclass(frozen=True)
class Sheet:
    """One sheet: the table and the number format of each numeric column."""

    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)


def write_workbook(sheets: dict[str, Sheet], path: Path, header: str) -> Path:
    """Write the sheets to ``path``: formats, widths, frozen header, print setup.

    ``header`` is printed at the top of every page (municipality and fiscal year). The
    workbook's created and modified times and its zip entries' dates are fixed
    (:func:`needs_analysis.outputs.fix_zip_timestamps`), so a rerun on the same data
    writes the same bytes.
    """
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    for name, sheet in sheets.items():
        worksheet = book.create_sheet(name)
        _write_table(worksheet, sheet)
        _print_setup(worksheet, header, len(sheet.frame.columns))
    book.properties.creator = "needs-analysis"
    book.properties.created = book.properties.modified = FIXED_DATE
    _save(book, path)
    return fix_zip_timestamps(path)


def _write_table(worksheet, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    frame = sheet.frame
    worksheet.append([str(column) for column in frame.columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for values in frame.itertuples(index=False):
        worksheet.append([_cell_value(value) for value in values])
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        number_format = sheet.formats.get(column)
        widest = display_width(str(column))
        for (cell,) in worksheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if number_format and isinstance(cell.value, (int, float)):
                cell.number_format = number_format
                cell.alignment = Alignment(horizontal="right")
            elif isinstance(cell.value, str) and ("\n" in cell.value or len(cell.value) > 30):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            shown = f"{cell.value:,.3f}" if isinstance(cell.value, float) else str(cell.value or "")
            widest = max(
                widest, max((display_width(line) for line in shown.split("\n")), default=0)
            )
        worksheet.column_dimensions[letter].width = min(_WIDEST_COLUMN, 2 + widest * 1.1)


def _cell_value(value: object) -> object:
    """Python numbers and escaped text; None for a missing value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        return number
    return escape_formula(str(value))


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide and full-width characters (漢字, かな,
    ＡＢＣ) count twice, half-width katakana (ｻﾛﾝ) and ASCII once."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _print_setup(worksheet, header: str, columns: int) -> None:
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.orientation = "portrait" if columns <= _PORTRAIT_COLUMNS else "landscape"
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    worksheet.print_title_rows = "1:1"
    worksheet.print_options.gridLines = True
    worksheet.page_margins.left = worksheet.page_margins.right = 0.5
    # "&" starts a code in Excel's header language; "&A" is the sheet's name.
    worksheet.oddHeader.center.text = f"{header.replace('&', '&&')}　&A"
    worksheet.oddFooter.center.text = "&P / &N"


def _save(book, path: Path) -> None:
    """Save without openpyxl's stamping of the current time as the modified time."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()
