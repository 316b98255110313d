"""Splitting delimited text into records while counting its physical lines.

The standard reader decides: a file that Python's ``csv`` reader parses, record by record,
into records of the header's width is read as exactly those records, whatever their cells
hold (commas, quotes, lists, lines shaped like rows, line ends of any form inside quotes).

Only a record the standard reader cannot close (an unbalanced quote runs to the end of the
file) or a record that spans several lines and does not have the header's width (a quote
that swallowed rows) is repaired: the line it starts on is read again on its own, and the
standard reader goes on from the next line. What the repair read is a guess, so that row
is never counted: it is kept with :data:`BROKEN_QUOTE` as its problem (a rejected row with
its line number) and the line is listed. When the line alone does not have the header's
number of cells either, the read stops with the file, the line and the broken cell.

A line ends at CR LF, LF or a lone CR (old Mac exports); inside quotes any of them is data.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.errors import InputError

# Characters that str.splitlines treats as line ends but that spreadsheet exports put inside
# cells (Excel's Alt+Enter in some tools, vertical tab, form feed, Unicode separators). They
# are read as part of the cell and become a space; only CR, LF and CRLF end a line.
IN_CELL_SEPARATORS = str.maketrans({char: " " for char in "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"})

# A physical line with its ending: CR LF, LF, a lone CR, or none at the end of the text.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

# The problem of a row the repair of a broken quote read on its own.
BROKEN_QUOTE = "引用符の崩れ"


@dataclass(frozen=True)
class Records:
    """The records of a delimited text: (first line number, cells) each, plus the counts.

    ``repaired_lines``: the lines the repair read on their own (their rows are rejected).
    """

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
    """Physical lines with their endings (CR LF, LF or a lone CR), in-cell separators turned
    into spaces.

    >>> split_lines("a\\r\\nb\\rc\\nd")
    ['a\\r\\n', 'b\\r', 'c\\n', 'd']
    """
    return _LINE.findall(text.translate(IN_CELL_SEPARATORS))


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
        if record is None or _does_not_fit(record, source.position - start, width):
            alone = _reread_alone(lines[start], delimiter, width)
            if alone is None and record is None:
                header = records[0][1] if records else []
                raise _unclosed_quote(path, lines[start], start + 1, delimiter, header)
            if alone is not None:
                record = alone
                repaired.append(start + 1)
                source.position = start + 1
                reader = csv.reader(source, delimiter=delimiter, strict=True)
        records.append((start + 1, record))
        if width is None and record:
            width = _width(record)
    continuation = len(lines) - len(records)
    return Records(records, len(lines), continuation, tuple(repaired))


def _width(record: list[str]) -> int:
    """Cells up to the last non-empty one (Excel pads rows with empty cells)."""
    width = len(record)
    while width > 1 and not record[width - 1].strip():
        width -= 1
    return width


def _does_not_fit(record: list[str], lines_used: int, width: int | None) -> bool:
    """A record of several lines whose width is not the header's (empty cells beyond it
    are padding): a quote swallowed rows."""
    if not width or lines_used < 2 or not record:
        return False
    return len(record) < width or any(cell.strip() for cell in record[width:])


def _reread_alone(line: str, delimiter: str, width: int | None) -> list[str] | None:
    """The cells of one line with its quotes taken literally, when that gives exactly
    ``width`` cells; None otherwise."""
    cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter, quoting=csv.QUOTE_NONE))
    while width and len(cells) > width and not cells[-1].strip():
        cells.pop()
    odd = [cell for cell in cells if cell.count('"') % 2]
    if width and len(cells) == width and len(odd) <= 1:
        return [_unquote(cell) for cell in cells]
    return None


def _unclosed_quote(
    path: Path, line: str, number: int, delimiter: str, header: list[str]
) -> InputError:
    cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter, quoting=csv.QUOTE_NONE))
    odd = [i for i, cell in enumerate(cells) if cell.count('"') % 2]
    broken = odd[-1] if odd else None
    return InputError(
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
