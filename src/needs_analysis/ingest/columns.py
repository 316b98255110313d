"""Finding the columns of a table by their header labels, never by position."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from needs_analysis.errors import InputError, did_you_mean
from needs_analysis.ingest.raw_table import RawTable, read_table


def _label_key(label: str) -> str:
    return "".join(unicodedata.normalize("NFKC", label).split()).lower()


def find_columns(
    table: RawTable,
    mapping: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    config_path: Path | None = None,
    config_key: str = "columns",
    hint: str | None = None,
) -> dict[str, int]:
    """Map each field to the index of the first header matching one of its labels.

    A required field with no matching header raises :class:`InputError` naming the column,
    the closest header and where to name the right one (``hint``, else the config's key).
    """
    positions = {
        _label_key(label): index for index, label in reversed(list(enumerate(table.header)))
    }
    found: dict[str, int] = {}
    for field_name, labels in mapping.items():
        for label in labels:
            index = positions.get(_label_key(label))
            if index is not None:
                found[field_name] = index
                break
    _refuse_two_text_columns(table, mapping)
    for field_name in required:
        if field_name not in found:
            _point_to_other_sheet(table, mapping, required)
            labels = mapping[field_name]
            headers = "、".join(table.header)
            where = (
                f"設定ファイル {config_path} の" if config_path is not None else "設定ファイルの"
            )
            fix = hint or f"{where} [{config_key}] {field_name} で列名を指定してください。"
            closest = did_you_mean(labels[0], table.header)
            raise InputError(
                table.path,
                f"この列が見つかりません（見出し: {headers}）。{closest}{fix}",
                row=1,
                column=labels[0],
            )
    return found


def _refuse_two_text_columns(table: RawTable, mapping: dict[str, tuple[str, ...]]) -> None:
    """Two columns that both match the free-text labels: choosing one would drop answers."""
    keys = {_label_key(label) for label in mapping.get("text", ())}
    matching = [label for label in table.header if _label_key(label) in keys]
    if len(matching) > 1:
        raise InputError(
            table.path,
            f"自由記述の列に当てはまる列が複数あります（{'、'.join(f'「{m}」' for m in matching)}）。"
            "設定ファイルの columns の text（classify では --text-column）で、使う列を1つ指定してください。",
            row=1,
        )


def _point_to_other_sheet(
    table: RawTable, mapping: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> None:
    """When the needed columns are missing here but present on another sheet, say which."""
    if len(table.sheet_names) < 2:
        return
    from needs_analysis.ingest.xlsx import header_rows

    for name, header in header_rows(table.path).items():
        keys = {_label_key(label) for label in header}
        if name != table.sheet and all(
            any(_label_key(label) in keys for label in mapping[field_name])
            for field_name in required
        ):
            raise InputError(
                table.path,
                f"シート「{table.sheet}」に必要な列がありません。必要な列はシート「{name}」にあります"
                f"（あるシート: {'、'.join(table.sheet_names)}）。--sheet {name} を指定するか、"
                "設定ファイルの sheet にシート名を書いてください。",
                row=1,
            )


# How far down a header is looked for when the first line is not it (a title, a date, an
# empty line above the table).
HEADER_SEARCH_ROWS = 10


def find_header_row(
    table: RawTable, mapping: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> int | None:
    """The line of the first row within :data:`HEADER_SEARCH_ROWS` that holds a label of
    every required field, where the first line holds none of some; None otherwise."""
    keys = {
        field_name: {_label_key(label) for label in mapping[field_name]} for field_name in required
    }

    def holds_all(cells) -> bool:
        found = {_label_key(cell) for cell in cells}
        return all(found & wanted for wanted in keys.values())

    if holds_all(table.header):
        return None
    for row in table.rows[:HEADER_SEARCH_ROWS]:
        if holds_all(row.cells):
            return row.source_row
    return None


def read_headed_table(
    path: Path,
    mapping: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> RawTable:
    """:func:`read_table`, with the header found on a later line where a title stands above
    it (the table's notes then say 「表の見出しが N 行目にあるようです」)."""
    table = read_table(path, encoding=encoding, sheet=sheet)
    header_row = find_header_row(table, mapping, required)
    if header_row is None:
        return table
    return read_table(path, encoding=encoding, sheet=sheet, header_row=header_row)
