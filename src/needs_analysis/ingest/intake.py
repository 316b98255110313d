"""What happens to every row read: accepted, or rejected with its reason; and the counts.

Shared by the survey (:mod:`needs_analysis.ingest.survey`) and the resource inventory
(:mod:`needs_analysis.ingest.inventory`): the 圏域 a row belongs to, the record of a rejected row
as the rejects file shows it, and the summary whose counts must add up.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from needs_analysis.config.settings import Area
from needs_analysis.errors import NeedsAnalysisError, did_you_mean
from needs_analysis.ingest.raw_table import (
    REJECT_BAD_SHAPE,
    REJECT_BROKEN_QUOTE,
    RawRow,
    RawTable,
    unique_headers,
)
from needs_analysis.text.normalize import normalize_text

# Reasons a row is rejected; the keys are what the rejects file and the summary show.
REJECT_NO_ID = "回答者IDが空"


REJECT_DUPLICATE_ID = "回答者IDの重複"


REJECT_NO_AREA = "圏域が空"


REJECT_UNKNOWN_AREA = "圏域が不明"


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


@functools.lru_cache(maxsize=4096)
def normal_short(value: str) -> str:
    """normalize_text for the few distinct values of a coded column (圏域, 年齢区分 …)."""
    return normalize_text(value)


def _area_key(value: str) -> str:
    return "".join(normal_short(value).split())


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


def resolve_area(areas: Sequence[Area], value: str) -> str:
    """The area's name for its name or another spelling; "" for the whole town.

    >>> resolve_area([Area("駅前", aliases=("中央",))], "中央")
    '駅前'
    """
    text = (value or "").strip()
    if not text:
        return ""
    found = AreaResolver(tuple(areas)).area_for(text)
    if found is not None:
        return found
    names = [area.name for area in areas]
    spellings = [*names, *(alias for area in areas for alias in area.aliases)]
    hint = did_you_mean(text, spellings)
    raise NeedsAnalysisError(
        f"圏域「{text}」はこの町の設定にありません（圏域: {'、'.join(names)}）。{hint}".rstrip()
    )


def reject_columns(table: RawTable) -> list[str]:
    return ["source_row", "reason", "detail", *unique_headers(table.header)]


def reject_record(table: RawTable, row: RawRow, reason: str, detail: str) -> dict[str, object]:
    record: dict[str, object] = {"source_row": row.source_row, "reason": reason, "detail": detail}
    names = unique_headers(table.header)
    for index, name in enumerate(names):
        record[name] = row.cells[index] if index < len(row.cells) else ""
    if row.problem == REJECT_BAD_SHAPE:
        extra = " | ".join(row.cells[len(names) :])
        record["detail"] = f"見出しは{len(names)}列、この行は{len(row.cells)}列" + (
            f"（余分な値: {extra}）" if extra else ""
        )
    elif row.problem == REJECT_BROKEN_QUOTE:
        record["detail"] = (
            '引用符（"）が崩れていて、この行がどこで終わるか決まらないため、'
            "この行だけで読んだ値を載せています（回答が途中で切れているかもしれません）"
        )
    return record


def summarise(
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


def row_values(row: RawRow, columns: dict[str, int]) -> dict[str, str]:
    """The stripped cells of a row for each found column; a missing cell reads as empty."""
    return {
        name: row.cells[index].strip() if index < len(row.cells) else ""
        for name, index in columns.items()
    }
