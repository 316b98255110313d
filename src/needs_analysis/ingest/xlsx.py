"""Reading a worksheet of an .xlsx survey export without its usual traps.

Three things an Excel export does that a CSV never does, each handled so that no answer is
lost without a word: formula cells whose value was never calculated and saved (openpyxl
reads them as empty), merged cells (only the top-left cell holds the value), and the data
being on another sheet than the first.

Looking for formulas means reading the sheet a second time, as formulas; a sheet whose XML
holds no formula element at all (a survey export, as a rule) is only scanned for one.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from needs_analysis.errors import InputError


@dataclass(frozen=True)
class SheetRows:
    """The rows of one worksheet as values, with notes on what was filled in."""

    sheet: str
    sheet_names: tuple[str, ...]
    rows: list[tuple[int, list[object]]]
    notes: tuple[str, ...]


def _open(path: Path, *, data_only: bool, read_only: bool):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # A file object, not the path: openpyxl refuses a workbook whose name ends in .csv.
        with path.open("rb") as handle:
            return load_workbook(
                io.BytesIO(handle.read()), read_only=read_only, data_only=data_only
            )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, InvalidFileException):
        raise InputError(path, "Excel ファイル（.xlsx）として読めません。") from None


def read_sheet(path: Path, sheet: str | None) -> SheetRows:
    """The values of ``sheet`` (default: the first), merged cells filled from their
    top-left cell; a formula without a saved value stops the read with its address."""
    workbook = _open(path, data_only=True, read_only=False)
    try:
        names = tuple(workbook.sheetnames)
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in names:
            worksheet = workbook[sheet]
        else:
            raise InputError(
                path, f"シート「{sheet}」がありません（あるシート: {'、'.join(names)}）。"
            )
        notes = _fill_merged(worksheet)
        rows = [
            (number, list(values))
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
        ]
        title = worksheet.title
    finally:
        workbook.close()
    _check_formulas_have_values(path, title, rows)
    return SheetRows(title, names, rows, notes)


def _fill_merged(worksheet) -> tuple[str, ...]:
    notes = []
    for merged in sorted(worksheet.merged_cells.ranges, key=lambda r: (r.min_col, r.min_row)):
        value = worksheet.cell(merged.min_row, merged.min_col).value
        bounds = (merged.min_col, merged.min_row, merged.max_col, merged.max_row)
        worksheet.unmerge_cells(str(merged))
        for row in range(bounds[1], bounds[3] + 1):
            for column in range(bounds[0], bounds[2] + 1):
                worksheet.cell(row, column).value = value
        if value not in (None, "") and bounds[3] > bounds[1]:
            notes.append(
                f"シート「{worksheet.title}」の結合セル {merged.coord} の値「{value}」を"
                f"{bounds[1]}〜{bounds[3]}行目のそれぞれに入れました。"
            )
    return tuple(notes)


def _check_formulas_have_values(path: Path, sheet: str, rows: list[tuple[int, list]]) -> None:
    """A formula cell that was never calculated reads as empty with ``data_only``; look
    at the formulas themselves wherever a cell came back empty (when the sheet has any)."""
    if not any(value is None for _, values in rows for value in values):
        return
    if not sheet_has_formulas(path, sheet):
        return
    from openpyxl.utils import get_column_letter

    workbook = _open(path, data_only=False, read_only=True)
    try:
        formulas = workbook[sheet].iter_rows(values_only=True)
        for (number, values), raw in zip(rows, formulas, strict=False):
            for index, value in enumerate(values):
                formula = raw[index] if index < len(raw) else None
                if value is None and _is_formula(formula):
                    cell = f"{get_column_letter(index + 1)}{number}"
                    raise InputError(
                        path,
                        f"シート「{sheet}」のセル {cell} は数式で、計算した値が保存されていません"
                        "（空欄として読むと回答が失われます）。Excel で開いて保存し直すか、"
                        "値として貼り付けてください。",
                        row=number,
                    )
    finally:
        workbook.close()


# A cell's formula element, <f>, <f t="shared" si="0"/>, with or without a namespace prefix
# (<x:f>); no other element of a worksheet is called f (<formula> of a rule is not matched).
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_SCAN_BLOCK = 1 << 20


def sheet_has_formulas(path: Path, sheet: str) -> bool:
    """Whether the XML of ``sheet`` holds a formula element (read in blocks, not parsed).

    When the sheet's part cannot be told from the workbook's relationships, every worksheet
    is scanned; when the file cannot be scanned at all, the answer is yes (look closer)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            names = [parts[sheet]] if sheet in parts else list(dict.fromkeys(parts.values()))
            names = names or [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            return any(_holds_formula(archive, name) for name in names)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return True


def _holds_formula(archive: zipfile.ZipFile, name: str) -> bool:
    tail = b""
    with archive.open(name) as part:
        while block := part.read(_SCAN_BLOCK):
            if _FORMULA_ELEMENT.search(tail + block):
                return True
            tail = block[-64:]  # an element split between two blocks
    return False


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the archive, from the workbook and its relationships."""
    book = "xl/workbook.xml"
    for relation in ElementTree.fromstring(archive.read("_rels/.rels")).iter():
        if relation.get("Type", "").endswith("/officeDocument"):
            book = relation.get("Target", book).lstrip("/")
    folder, file_name = posixpath.split(book)
    relations = ElementTree.fromstring(archive.read(f"{folder}/_rels/{file_name}.rels"))
    targets = {
        item.get("Id"): _part_name(folder, item.get("Target", ""))
        for item in relations.iter()
        if item.get("Id")
    }
    sheets = ElementTree.fromstring(archive.read(book)).iterfind(".//{*}sheets/{*}sheet")
    found = {}
    for item in sheets:
        relation = next((v for k, v in item.attrib.items() if k.endswith("}id")), None)
        if relation in targets:
            found[item.get("name", "")] = targets[relation]
    return found


def _part_name(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _is_formula(value: object) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def header_rows(path: Path) -> dict[str, tuple[str, ...]]:
    """The first non-empty row of every sheet, as text, by sheet name."""
    workbook = _open(path, data_only=True, read_only=True)
    try:
        headers = {}
        for worksheet in workbook.worksheets:
            headers[worksheet.title] = ()
            for values in worksheet.iter_rows(values_only=True, max_row=20):
                cells = tuple("" if v is None else str(v).strip() for v in values)
                if any(cells):
                    headers[worksheet.title] = cells
                    break
        return headers
    finally:
        workbook.close()


def sheets_with_tables(path: Path) -> list[str]:
    """The sheets that hold at least a header and one data row."""
    workbook = _open(path, data_only=True, read_only=True)
    try:
        found = []
        for worksheet in workbook.worksheets:
            filled = 0
            for values in worksheet.iter_rows(values_only=True):
                filled += any(v not in (None, "") for v in values)
                if filled >= 2:
                    found.append(worksheet.title)
                    break
        return found
    finally:
        workbook.close()
