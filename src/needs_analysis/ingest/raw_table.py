"""A CSV/TSV file or an Excel sheet read into a header and rows of text cells.

The bytes decide what the file is (an .xlsx workbook, or delimited text in a detected
encoding); the extension only decides what we expected, and a mismatch becomes a note.
Rows whose shape does not fit the header are kept with the problem named, so that every
row of the file is accounted for later.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from needs_analysis.errors import InputError, did_you_mean, sibling_names
from needs_analysis.ingest.decoding import (
    ENCODING_LABELS,
    OLE_SIGNATURE,
    decode,
    guess_delimiter,
    looks_binary,
)
from needs_analysis.ingest.records import BROKEN_QUOTE, IN_CELL_SEPARATORS, read_records

# Reasons a row is rejected before its values are read; the keys are what the rejects file
# and the summary show.
REJECT_BLANK = "空行"
REJECT_BAD_SHAPE = "列の数が見出しと合わない"
# A row the repair of a broken quote read on its own: a guess, never counted.
REJECT_BROKEN_QUOTE = BROKEN_QUOTE


@dataclass(frozen=True)
class RawRow:
    """A data row as read: its row number in the file and its cells (or the problem)."""

    source_row: int
    cells: tuple[str, ...]
    problem: str | None = None


@dataclass(frozen=True)
class RawTable:
    """The header and data rows of a CSV/TSV file or a worksheet, all cells as text."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]
    encoding: str | None = None
    # Lines of the file (CSV/TSV), of which continuation lines of multi-line cells.
    physical_lines: int | None = None
    continuation_lines: int = 0
    # Lines read again on their own after a broken quote (their rows are rejected), and
    # other notes for the user.
    repaired_lines: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    sheet_names: tuple[str, ...] = ()
    sheet: str | None = None

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding or "", "Excel（.xlsx）")


def read_table(
    path: Path | str, *, encoding: str | None = None, sheet: str | None = None
) -> RawTable:
    """Read a CSV/TSV (any supported encoding) or an .xlsx sheet into a :class:`RawTable`."""
    path = Path(path)
    if not path.exists():
        hint = did_you_mean(path.name, sibling_names(path)) or "パスを確認してください。"
        raise InputError(path, f"ファイルが見つかりません。{hint}")
    if path.is_dir():
        raise InputError(path, "フォルダではなくファイルを指定してください。")
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(path, f"ファイルを読めません（{error.strerror}）。") from None
    if not data.strip():
        raise InputError(path, "ファイルが空です。")
    # The bytes decide what the file is; the extension only decides what we expected.
    if data[:4] == b"PK\x03\x04":
        table = _read_xlsx(path, sheet)
        if suffix not in (".xlsx", ".xlsm"):
            note = f"拡張子は {suffix or '（なし）'} ですが、中身は Excel ブック（.xlsx）なので Excel として読みました。"
            table = replace(table, notes=(note, *table.notes))
        return table
    if data[:8] == OLE_SIGNATURE:
        raise InputError(
            path,
            "中身は古い .xls 形式か、パスワード付きの Excel ブックです。"
            "Excel でパスワードを外し、.xlsx か CSV に保存し直してください。",
        )
    if suffix in (".xls", ".xlsx", ".xlsm") and looks_binary(data):
        raise InputError(
            path, f"拡張子は {suffix} ですが、Excel ブックとしても表のテキストとしても読めません。"
        )
    text, used = decode(path, data, encoding)
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(
            path,
            "NUL 文字（\\x00）が含まれていて、表形式のファイル（CSV・TSV・Excel）として読めません。",
            row=row,
        )
    delimiter = "\t" if suffix == ".tsv" else guess_delimiter(text)
    table = _parse_delimited(path, text, delimiter, used)
    if suffix in (".xls", ".xlsx", ".xlsm"):
        note = f"拡張子は {suffix} ですが、中身は CSV（テキスト）なので CSV として読みました。"
        table = replace(table, notes=(note, *table.notes))
    return table


def _parse_delimited(path: Path, text: str, delimiter: str, encoding: str) -> RawTable:
    parsed = read_records(path, text.lstrip("\ufeff"), delimiter)
    table = _table_from_records(path, parsed.records, encoding, set(parsed.repaired_lines))
    notes = ()
    if parsed.repaired_lines:
        lines = "、".join(f"{line}行目" for line in parsed.repaired_lines)
        notes = (
            f'引用符（"）が崩れていて区切りが決まらない行を、その1行だけで読んで除外しました'
            f"（除外した行の「{REJECT_BROKEN_QUOTE}」）: {lines}。続く行はふつうに読んでいます。"
            "元のファイルを直してください。",
        )
    return replace(
        table,
        physical_lines=parsed.physical_lines,
        continuation_lines=parsed.continuation_lines,
        repaired_lines=parsed.repaired_lines,
        notes=notes,
    )


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    from needs_analysis.ingest.xlsx import read_sheet

    read = read_sheet(path, sheet)
    records = [(number, [_cell_text(value) for value in values]) for number, values in read.rows]
    try:
        table = _table_from_records(path, records, None)
    except InputError:
        if sheet is not None or len(read.sheet_names) < 2:
            raise
        from needs_analysis.ingest.xlsx import sheets_with_tables

        others = [name for name in sheets_with_tables(path) if name != read.sheet]
        if not others:
            raise
        raise InputError(
            path,
            f"最初のシート「{read.sheet}」には表がありません。表はシート「{others[0]}」にあります"
            f"（あるシート: {'、'.join(read.sheet_names)}）。--sheet {others[0]} を指定するか、"
            "設定ファイルの sheet にシート名を書いてください。",
            row=1,
        ) from None
    return replace(table, notes=read.notes, sheet_names=read.sheet_names, sheet=read.sheet)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.translate(IN_CELL_SEPARATORS)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _table_from_records(
    path: Path,
    records: list[tuple[int, list[str]]],
    encoding: str | None,
    repaired: set[int] = frozenset(),  # type: ignore[assignment]
) -> RawTable:
    # Trailing blank rows (a final line break, formatted but empty Excel rows) are not rows.
    while records and not any(cell.strip() for cell in records[-1][1]):
        records.pop()
    if not records:
        raise InputError(path, "ファイルが空です。")
    header_row, header = records[0]
    while header and not header[-1].strip():
        header = header[:-1]
    if not header:
        raise InputError(path, "1行目に見出しがありません。", row=header_row)
    if len(records) == 1:
        raise InputError(path, "見出し行のほかにデータ行がありません。", row=header_row + 1)
    width = len(header)
    rows: list[RawRow] = []
    for number, cells in records[1:]:
        if not any(cell.strip() for cell in cells):
            rows.append(RawRow(number, tuple(cells), REJECT_BLANK))
            continue
        if number in repaired:
            rows.append(RawRow(number, tuple(cells), REJECT_BROKEN_QUOTE))
            continue
        # Empty cells beyond the header are padding (Excel), not data.
        while len(cells) > width and not cells[-1].strip():
            cells = cells[:-1]
        if len(cells) > width:
            rows.append(RawRow(number, tuple(cells), REJECT_BAD_SHAPE))
            continue
        if len(cells) < width:
            if encoding is not None:  # a delimited row with missing fields is broken
                rows.append(RawRow(number, tuple(cells), REJECT_BAD_SHAPE))
                continue
            cells = cells + [""] * (width - len(cells))
        rows.append(RawRow(number, tuple(cells)))
    return RawTable(path, tuple(header), tuple(rows), encoding)


def unique_headers(header: tuple[str, ...]) -> list[str]:
    seen: Counter[str] = Counter()
    names = []
    for label in header:
        label = label or "（見出しなし）"
        seen[label] += 1
        names.append(label if seen[label] == 1 else f"{label}_{seen[label]}")
    return names
