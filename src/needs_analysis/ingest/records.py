"""Splitting delimited text into records while counting its physical lines.

``csv.reader`` alone trusts the quotes: one cell that opens a quote and never closes it
swallows every following line into a single answer, and the file still "parses". Here each
record is checked against the lines it consumed. A record that swallowed lines which look
like whole rows (or that the strict reader cannot close) is either re-read as the single
line it started on, when that line alone has exactly the header's number of cells, or
stops the read with the file and the line where the broken cell starts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.errors import InputError

# Characters that str.splitlines treats as line ends but that spreadsheet exports put inside
# cells (Excel's Alt+Enter in some tools, vertical tab, form feed, Unicode separators). They
# are read as part of the cell and become a space; only CR, LF and CRLF end a line.
IN_CELL_SEPARATORS = str.maketrans({char: " " for char in "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"})


@dataclass(frozen=True)
class Records:
    """The records of a delimited text: (first line number, cells) each, plus the counts."""

    records: list[tuple[int, list[str]]]
    physical_lines: int
    continuation_lines: int
    repaired_lines: tuple[int, ...]


class _Lines:
    """An iterator over lines that can be moved back, so a broken record can be re-read."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.position = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        line = self.lines[self.position]
        self.position += 1
        return line


def split_lines(text: str) -> list[str]:
    """Physical lines (with their endings), in-cell separators turned into spaces."""
    return text.translate(IN_CELL_SEPARATORS).splitlines(keepends=True)


def read_records(path: Path, text: str, delimiter: str) -> Records:
    """Every record of ``text`` with the line it starts on; see the module docstring."""
    lines = split_lines(text)
    # csv's default cap of 131,072 characters a cell would turn one long answer into an
    # error; no cell can be longer than the text itself.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    source = _Lines(lines)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    repaired: list[int] = []
    width: int | None = None
    while True:
        start = source.position
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            record = None
        if record is None or (width and _swallowed_rows(record, delimiter, width)):
            header = records[0][1] if records else []
            record = _reread_alone(path, lines[start], start + 1, delimiter, width, header)
            repaired.append(start + 1)
            source.position = start + 1
            reader = csv.reader(source, delimiter=delimiter, strict=True)
        records.append((start + 1, record))
        if width is None and record:
            width = len(record)
            while width > 1 and not record[width - 1].strip():
                width -= 1
    continuation = len(lines) - len(records)
    return Records(records, len(lines), continuation, tuple(repaired))


def _swallowed_rows(record: list[str], delimiter: str, width: int) -> bool:
    """Whether a multi-line cell holds lines shaped like whole rows of the table."""
    if width < 2:
        return False
    for cell in record:
        if "\n" in cell or "\r" in cell:
            inner = cell.splitlines()[1:]
            if any(line.count(delimiter) >= width - 1 for line in inner):
                return True
    return False


def _reread_alone(
    path: Path, line: str, number: int, delimiter: str, width: int | None, header: list[str]
) -> list[str]:
    """The cells of one line with its unbalanced quote taken literally, when that gives
    exactly ``width`` cells; otherwise stop, naming the line and the broken cell."""
    cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter, quoting=csv.QUOTE_NONE))
    while width and len(cells) > width and not cells[-1].strip():
        cells.pop()
    # The cell that opens the quote nobody closes: the last one with an odd count.
    odd = [i for i, cell in enumerate(cells) if cell.count('"') % 2]
    broken = odd[-1] if odd else None
    if width and len(cells) == width and len(odd) <= 1:
        return [_unquote(cell) for cell in cells]
    raise InputError(
        path,
        '引用符（"）が閉じていないため、ここから後の行を正しく区切れません。'
        "このセルの引用符を閉じるか取り除いて保存し直してください。",
        row=number,
        column=_column_name(header, _open_quote_field(line, delimiter, broken)),
    )


def _quoted_whole(cell: str) -> bool:
    return len(cell) >= 2 and cell.startswith('"') and cell.endswith('"')


def _unquote(cell: str) -> str:
    if _quoted_whole(cell):
        return cell[1:-1].replace('""', '"')
    if cell.count('"') % 2 and cell.startswith('"'):
        return cell[1:]
    return cell


def _column_name(header: list[str], index: int | None) -> str | None:
    if index is None:
        return None
    if index < len(header) and header[index].strip():
        return header[index].strip()
    return f"{index + 1}列目"


def _open_quote_field(line: str, delimiter: str, fallback: int | None) -> int | None:
    """The index of the cell whose opening quote is still open at the end of the line."""
    field, in_quotes, opened, at_start = 0, False, None, True
    for char in line.rstrip("\r\n"):
        if in_quotes:
            in_quotes = char != '"'
        elif char == '"' and at_start:
            in_quotes, opened = True, field
        elif char == delimiter:
            field, at_start = field + 1, True
            continue
        at_start = False
    return opened if in_quotes else fallback
