"""Reading survey exports and resource inventories, keeping every row accounted for.

Files come as CSV/TSV in UTF-8, UTF-8 with BOM, Shift_JIS (CP932) or UTF-16, or as .xlsx.
The encoding is detected unless the user names it. Columns are found by their header label
(never by position). Each data row ends up either accepted or in the rejects table with its
reason; a problem with the file as a whole raises :class:`InputError` naming file, row and
column.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from needs_analysis.config import (
    REQUIRED_RESOURCE_FIELDS,
    REQUIRED_SURVEY_FIELDS,
    Area,
    Config,
    ResourceSource,
    SurveySource,
)
from needs_analysis.errors import InputError
from needs_analysis.normalize import normalize_text
from needs_analysis.records import IN_CELL_SEPARATORS, read_records

# Reasons a row is rejected; the keys are what the rejects file and the summary show.
REJECT_BLANK = "空行"
REJECT_BAD_SHAPE = "列の数が見出しと合わない"
REJECT_NO_ID = "回答者IDが空"
REJECT_DUPLICATE_ID = "回答者IDの重複"
REJECT_NO_AREA = "圏域が空"
REJECT_UNKNOWN_AREA = "圏域が不明"

SURVEY_OUTPUT_COLUMNS = (
    "respondent_id",
    "area",
    "text",
    "age_group",
    "sex",
    "household",
    "source_row",
)

_ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8（BOM付き）",
    "cp932": "Shift_JIS（CP932）",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16（BOMなし、リトルエンディアン）",
    "utf-16-be": "UTF-16（BOMなし、ビッグエンディアン）",
}


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
    # Lines read again on their own after an unclosed quote, and other notes for the user.
    repaired_lines: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    sheet_names: tuple[str, ...] = ()
    sheet: str | None = None

    @property
    def encoding_label(self) -> str:
        return _ENCODING_LABELS.get(self.encoding or "", "Excel（.xlsx）")


@dataclass(frozen=True)
class IngestSummary:
    """What happened to every row of one input file."""

    path: Path
    encoding_label: str
    rows_read: int
    accepted: int
    rejected_by_reason: dict[str, int]
    with_text: int
    respondents_by_area: dict[str, int] = field(default_factory=dict)
    with_text_by_area: dict[str, int] = field(default_factory=dict)
    # Counted before parsing: lines of a CSV/TSV, of which continuation lines of cells.
    physical_lines: int | None = None
    continuation_lines: int = 0
    notes: tuple[str, ...] = ()

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())


@dataclass(frozen=True)
class SurveyData:
    """Accepted respondents, rejected rows with reasons, and the counts of both."""

    fiscal_year: int
    responses: pd.DataFrame
    rejects: pd.DataFrame
    summary: IngestSummary


# --------------------------------------------------------------------------- reading


def read_table(
    path: Path | str, *, encoding: str | None = None, sheet: str | None = None
) -> RawTable:
    """Read a CSV/TSV (any supported encoding) or an .xlsx sheet into a :class:`RawTable`."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "ファイルが見つかりません。パスを確認してください。")
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
    if data[:8] == _OLE_SIGNATURE:
        raise InputError(
            path,
            "中身は古い .xls 形式か、パスワード付きの Excel ブックです。"
            "Excel でパスワードを外し、.xlsx か CSV に保存し直してください。",
        )
    if suffix in (".xls", ".xlsx", ".xlsm") and _looks_binary(data):
        raise InputError(
            path, f"拡張子は {suffix} ですが、Excel ブックとしても表のテキストとしても読めません。"
        )
    text, used = _decode(path, data, encoding)
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(
            path,
            "NUL 文字（\\x00）が含まれていて、表形式のファイル（CSV・TSV・Excel）として読めません。",
            row=row,
        )
    delimiter = "\t" if suffix == ".tsv" else _guess_delimiter(text)
    table = _parse_delimited(path, text, delimiter, used)
    if suffix in (".xls", ".xlsx", ".xlsm"):
        note = f"拡張子は {suffix} ですが、中身は CSV（テキスト）なので CSV として読みました。"
        table = replace(table, notes=(note, *table.notes))
    return table


_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _looks_binary(data: bytes) -> bool:
    return _utf16_without_bom(data) is None and b"\x00" in data[:4096]


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a byte order mark shows as NUL bytes on one side of ASCII characters
    (commas, line breaks, digits); which side tells the byte order."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    odd = sample[1::2].count(0)
    even = sample[0::2].count(0)
    if odd > 4 * even and odd >= len(sample) // 32:
        return "utf-16-le"
    if even > 4 * odd and even >= len(sample) // 32:
        return "utf-16-be"
    return None


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        name = _canonical_encoding(path, encoding)
        candidates = [name]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif utf16 := _utf16_without_bom(data):
        candidates = [utf16]
    else:
        # A CP932 file is almost never valid UTF-8, so UTF-8 goes first.
        candidates = ["utf-8", "cp932"]
    failures: list[UnicodeDecodeError] = []
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as error:
            failures.append(error)
    # Report the position where the most plausible decoder stopped: the one that got furthest.
    worst = max(failures, key=lambda error: error.start)
    offset = worst.start
    row = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode(worst.encoding, errors="replace")
    header_bytes = data.split(b"\n", 1)[0]
    header = header_bytes.decode(worst.encoding, errors="replace").lstrip("\ufeff")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _guess_delimiter(header)
    column_index = prefix.count(delimiter)
    names = header.rstrip("\r").split(delimiter)
    column = names[column_index].strip() if column_index < len(names) else f"{column_index + 1}列目"
    tried = "、".join(_ENCODING_LABELS.get(name, name) for name in candidates)
    raise InputError(
        path,
        f"文字コードを判別できません（{tried} として読めない文字があります）。"
        "--encoding で文字コードを指定するか、UTF-8 で保存し直してください。",
        row=row,
        column=column,
    )


def _canonical_encoding(path: Path, encoding: str) -> str:
    aliases = {
        "utf8": "utf-8",
        "utf-8": "utf-8",
        "utf-8-sig": "utf-8-sig",
        "utf8-sig": "utf-8-sig",
        "sjis": "cp932",
        "shift_jis": "cp932",
        "shift-jis": "cp932",
        "cp932": "cp932",
        "ms932": "cp932",
        "windows-31j": "cp932",
        "utf-16": "utf-16",
    }
    name = aliases.get(encoding.strip().lower())
    if name is None:
        known = "、".join(sorted(set(aliases)))
        raise InputError(path, f"文字コード「{encoding}」は使えません（使えるもの: {known}）。")
    return name


def _guess_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def _parse_delimited(path: Path, text: str, delimiter: str, encoding: str) -> RawTable:
    parsed = read_records(path, text.lstrip("\ufeff"), delimiter)
    table = _table_from_records(path, parsed.records, encoding)
    notes = ()
    if parsed.repaired_lines:
        lines = "、".join(f"{line}行目" for line in parsed.repaired_lines)
        notes = (
            f'引用符（"）の閉じ方が崩れている行を、その1行だけで読みました: {lines}。元のファイルを確認してください。',
        )
    return replace(
        table,
        physical_lines=parsed.physical_lines,
        continuation_lines=parsed.continuation_lines,
        repaired_lines=parsed.repaired_lines,
        notes=notes,
    )


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    from needs_analysis.xlsx_input import read_sheet

    read = read_sheet(path, sheet)
    records = [(number, [_cell_text(value) for value in values]) for number, values in read.rows]
    try:
        table = _table_from_records(path, records, None)
    except InputError:
        if sheet is not None or len(read.sheet_names) < 2:
            raise
        from needs_analysis.xlsx_input import sheets_with_tables

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
    path: Path, records: list[tuple[int, list[str]]], encoding: str | None
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


# --------------------------------------------------------------------------- columns


def _label_key(label: str) -> str:
    return "".join(unicodedata.normalize("NFKC", label).split()).lower()


def find_columns(
    table: RawTable,
    mapping: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    config_path: Path | None = None,
    config_key: str = "columns",
) -> dict[str, int]:
    """Map each field to the index of the first header matching one of its labels.

    A required field with no matching header raises :class:`InputError` naming the column.
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
            hint = f"設定ファイルの [{config_key}] {field_name} で列名を指定してください。"
            if config_path is not None:
                hint = f"設定ファイル {config_path} の [{config_key}] {field_name} で列名を指定してください。"
            raise InputError(
                table.path,
                f"この列が見つかりません（見出し: {headers}）。{hint}",
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
    from needs_analysis.xlsx_input import header_rows

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


# --------------------------------------------------------------------------- areas


@functools.lru_cache(maxsize=4096)
def _normal_short(value: str) -> str:
    """normalize_text for the few distinct values of a coded column (圏域, 年齢区分 …)."""
    return normalize_text(value)


def _area_key(value: str) -> str:
    return "".join(_normal_short(value).split())


def _district_key(value: str) -> str:
    key = _area_key(value)
    return str(int(key)) if key.isdigit() else key


class AreaResolver:
    """Finds the 圏域 for a row from its 圏域 value (name or alias) or its 行政区."""

    def __init__(self, areas: tuple[Area, ...]):
        self.names = [area.name for area in areas]
        self._by_spelling: dict[str, str] = {}
        self._by_district: dict[str, str] = {}
        for area in areas:
            for spelling in (area.name, f"{area.name}圏域", *area.aliases):
                self._by_spelling.setdefault(_area_key(spelling), area.name)
            for district in area.districts:
                self._by_district.setdefault(_district_key(district), area.name)

    def area_for(self, value: str) -> str | None:
        return self._by_spelling.get(_area_key(value))

    def area_for_district(self, value: str) -> str | None:
        return self._by_district.get(_district_key(value))


# --------------------------------------------------------------------------- surveys


def load_survey(
    config: Config,
    fiscal_year: int | None = None,
    *,
    path: Path | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> SurveyData:
    """Read one fiscal year's survey, validate every row, and account for all of them.

    ``path`` reads another file with the column mapping of that year's entry (the entry
    whose path it is, if any).
    """
    source = _survey_source(config, fiscal_year, path)
    table = read_table(
        source.path, encoding=encoding or source.encoding, sheet=sheet or source.sheet
    )
    key = f"surveys.{source.fiscal_year}.columns"
    columns = find_columns(table, source.columns, REQUIRED_SURVEY_FIELDS, config.path, key)
    if "area" not in columns and "district" not in columns:
        labels = source.columns["area"] + source.columns["district"]
        raise InputError(
            table.path,
            f"圏域も行政区も列が見つかりません（見出し: {'、'.join(table.header)}）。"
            f"設定ファイル {config.path} の [{key}] area か district で列名を指定してください。",
            row=1,
            column=labels[0],
        )
    resolver = AreaResolver(config.areas)
    accepted: list[dict[str, object]] = []
    rejected: list[dict[str, object]] = []
    first_row_of_id: dict[str, int] = {}

    def cell(row: RawRow, field_name: str) -> str:
        index = columns.get(field_name)
        return row.cells[index].strip() if index is not None else ""

    for row in table.rows:
        reason, detail = row.problem, ""
        area: str | None = None
        respondent = ""
        if reason is None:
            respondent = normalize_text(cell(row, "respondent_id"))
            area_value = cell(row, "area")
            district_value = cell(row, "district")
            if not respondent:
                reason = REJECT_NO_ID
            elif respondent in first_row_of_id:
                reason = REJECT_DUPLICATE_ID
                detail = f"回答者ID「{respondent}」は{first_row_of_id[respondent]}行目にもあります"
            elif area_value:
                area = resolver.area_for(area_value)
                if area is None:
                    reason, detail = (
                        REJECT_UNKNOWN_AREA,
                        f"圏域「{area_value}」は圏域表にありません",
                    )
            elif district_value:
                area = resolver.area_for_district(district_value)
                if area is None:
                    reason = REJECT_UNKNOWN_AREA
                    detail = f"行政区「{district_value}」はどの圏域にも属していません"
            else:
                reason = REJECT_NO_AREA
        if reason is not None:
            rejected.append(_reject_record(table, row, reason, detail))
            continue
        first_row_of_id[respondent] = row.source_row
        accepted.append(
            {
                "respondent_id": respondent,
                "area": area,
                # The answer as written, for display; matching uses normalize_text later.
                "text": cell(row, "text"),
                "age_group": _normal_short(cell(row, "age_group")),
                "sex": _normal_short(cell(row, "sex")),
                "household": _normal_short(cell(row, "household")),
                "source_row": row.source_row,
            }
        )
    responses = pd.DataFrame(accepted, columns=list(SURVEY_OUTPUT_COLUMNS))
    responses["source_row"] = responses["source_row"].astype("int64")
    rejects = pd.DataFrame(rejected, columns=_reject_columns(table))
    summary = _summarise(table, responses, rejects, resolver.names)
    return SurveyData(source.fiscal_year, responses, rejects, summary)


def _survey_source(
    config: Config, fiscal_year: int | None, path: Path | str | None
) -> SurveySource:
    if path is None:
        return config.survey(fiscal_year)
    path = Path(path).resolve()
    for source in config.surveys.values():
        if source.path == path:
            return source
    base = config.survey(fiscal_year)
    return SurveySource(base.fiscal_year, path, None, None, base.columns)


def _reject_columns(table: RawTable) -> list[str]:
    return ["source_row", "reason", "detail", *_unique_headers(table.header)]


def _unique_headers(header: tuple[str, ...]) -> list[str]:
    seen: Counter[str] = Counter()
    names = []
    for label in header:
        label = label or "（見出しなし）"
        seen[label] += 1
        names.append(label if seen[label] == 1 else f"{label}_{seen[label]}")
    return names


def _reject_record(table: RawTable, row: RawRow, reason: str, detail: str) -> dict[str, object]:
    record: dict[str, object] = {"source_row": row.source_row, "reason": reason, "detail": detail}
    names = _unique_headers(table.header)
    for index, name in enumerate(names):
        record[name] = row.cells[index] if index < len(row.cells) else ""
    if row.problem == REJECT_BAD_SHAPE:
        extra = " | ".join(row.cells[len(names) :])
        record["detail"] = f"見出しは{len(names)}列、この行は{len(row.cells)}列" + (
            f"（余分な値: {extra}）" if extra else ""
        )
    return record


def _summarise(
    table: RawTable, responses: pd.DataFrame, rejects: pd.DataFrame, area_names: list[str]
) -> IngestSummary:
    has_text = responses["text"].map(normalize_text).str.len() > 0
    by_area = responses["area"].value_counts()
    text_by_area = responses.loc[has_text, "area"].value_counts()
    summary = IngestSummary(
        path=table.path,
        encoding_label=table.encoding_label,
        rows_read=len(table.rows),
        accepted=len(responses),
        rejected_by_reason=dict(Counter(rejects["reason"])),
        with_text=int(has_text.sum()),
        respondents_by_area={name: int(by_area.get(name, 0)) for name in area_names},
        with_text_by_area={name: int(text_by_area.get(name, 0)) for name in area_names},
        physical_lines=table.physical_lines,
        continuation_lines=table.continuation_lines,
        notes=table.notes,
    )
    if summary.accepted + summary.rejected != summary.rows_read:
        raise AssertionError("row accounting does not add up")  # a bug, not a user error
    if table.physical_lines is not None:
        # Header + data rows + blank trailing lines + continuation lines = lines of the file.
        explained = 1 + summary.rows_read + table.continuation_lines
        if explained > table.physical_lines:
            raise AssertionError("more rows than lines")  # a bug, not a user error
    return summary


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class ResourceData:
    """The resource inventory: accepted rows and rejected rows with reasons."""

    resources: pd.DataFrame
    rejects: pd.DataFrame
    summary: IngestSummary


def load_resources(config: Config, source: ResourceSource | None = None) -> ResourceData:
    """Read the inventory of community resources (name, type, 圏域, optional figures).

    Rows whose 圏域 is unknown are rejected like survey rows. Resource types missing from
    the config's ``[resource_categories]`` stop the run with the list of them, since a
    resource that counts for no category would silently lower the supply figures.
    """
    source = source or config.resources
    if source is None:
        raise InputError(config.path, "[resources] に資源一覧のファイルが設定されていません。")
    table = read_table(source.path, encoding=source.encoding, sheet=source.sheet)
    columns = find_columns(
        table, source.columns, REQUIRED_RESOURCE_FIELDS, config.path, "resources.columns"
    )
    resolver = AreaResolver(config.areas)
    accepted: list[dict[str, object]] = []
    rejected: list[dict[str, object]] = []
    for row in table.rows:
        reason, detail = row.problem, ""
        values = {name: row.cells[index].strip() for name, index in columns.items()}
        area = None
        started = None
        if reason is None:
            area_value = values.get("area", "")
            area = resolver.area_for(area_value) or resolver.area_for_district(area_value)
            started = fiscal_year_of(values.get("started", ""))
            if not area_value:
                reason = REJECT_NO_AREA
            elif area is None:
                reason, detail = REJECT_UNKNOWN_AREA, f"圏域「{area_value}」は圏域表にありません"
            elif not values.get("type"):
                reason, detail = "種別が空", ""
            elif started is False:
                reason = "開始年度が読めない"
                detail = f"開始年度「{values['started']}」は 2024・2024年度・令和6年度・R6 の形で書いてください"
        if reason is not None:
            rejected.append(_reject_record(table, row, reason, detail))
            continue
        accepted.append(
            {
                "name": values.get("name", ""),
                "type": normalize_text(values["type"]),
                "area": area,
                "per_month": times_per_month(values.get("per_month", "")),
                "capacity": _number(values.get("capacity", "")),
                "started": started,
                "source_row": row.source_row,
            }
        )
    resources = pd.DataFrame(
        accepted,
        columns=["name", "type", "area", "per_month", "capacity", "started", "source_row"],
    )
    unknown = sorted(set(resources["type"]) - set(config.resource_categories))
    if unknown:
        raise InputError(
            table.path,
            f"種別 {'、'.join(unknown)} が設定ファイル {config.path} の "
            "[resource_categories] にありません。どの困りごとに対応するか書き足してください。",
            column=table.header[columns["type"]],
        )
    rejects = pd.DataFrame(rejected, columns=_reject_columns(table))
    responses_like = resources.assign(text="")
    summary = _summarise(table, responses_like, rejects, resolver.names)
    return ResourceData(resources, rejects, summary)


_ERAS = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}
_ERA_YEAR = re.compile(r"^(令和|平成|R|H)\s*(元|\d{1,2})\s*(?:年度?)?$", re.IGNORECASE)
_WESTERN_YEAR = re.compile(r"^(\d{4})\s*(?:年度?)?$")
_PER_PERIOD = re.compile(r"(月|週)\s*(\d+(?:\.\d+)?)\s*回")


def fiscal_year_of(value: str) -> int | None | bool:
    """A fiscal year written as 2024, 2024年度, 令和6年度, R6 or 平成30年; None when empty,
    False when it cannot be read.

    >>> fiscal_year_of("令和6年度"), fiscal_year_of("R元"), fiscal_year_of(""), fiscal_year_of("昔")
    (2024, 2019, None, False)
    """
    text = normalize_text(value)
    if not text:
        return None
    if match := _WESTERN_YEAR.match(text):
        return int(match.group(1))
    if match := _ERA_YEAR.match(text):
        number = 1 if match.group(2) == "元" else int(match.group(2))
        return (
            _ERAS[match.group(1).upper() if len(match.group(1)) == 1 else match.group(1)] + number
        )
    return False


def times_per_month(value: str) -> float | None:
    """A frequency as times per month: 4, 月4回, 週1回 (≈ 4.3 a month); None if unreadable.

    >>> times_per_month("月2回"), times_per_month("週1回"), times_per_month("随時")
    (2.0, 4.3, None)
    """
    text = normalize_text(value)
    if match := _PER_PERIOD.search(text):
        count = float(match.group(2))
        return count if match.group(1) == "月" else round(count * 52 / 12, 1)
    return _number(text)


def _number(value: str) -> float | None:
    value = normalize_text(value).replace(",", "")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None
