"""Reading survey exports and resource inventories, keeping every row accounted for.

Files come as CSV/TSV in UTF-8, UTF-8 with BOM, Shift_JIS (CP932) or UTF-16, or as .xlsx.
The encoding is detected unless the user names it. Columns are found by their header label
(never by position). Each data row ends up either accepted or in the rejects table with its
reason; a problem with the file as a whole raises :class:`InputError` naming file, row and
column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from needs_analysis.config.settings import REQUIRED_SURVEY_FIELDS, Config, SurveySource
from needs_analysis.errors import InputError
from needs_analysis.ingest.columns import find_columns, read_headed_table
from needs_analysis.ingest.intake import (
    REJECT_DUPLICATE_ID,
    REJECT_NO_AREA,
    REJECT_NO_ID,
    REJECT_UNKNOWN_AREA,
    AreaResolver,
    IngestSummary,
    normal_short,
    reject_columns,
    reject_record,
    row_values,
    summarise,
)
from needs_analysis.ingest.raw_table import (
    RawRow,
    RawTable,
)
from needs_analysis.text.normalize import normalize_text

SURVEY_OUTPUT_COLUMNS = (
    "respondent_id",
    "area",
    "text",
    "age_group",
    "sex",
    "household",
    "source_row",
)


@dataclass(frozen=True)
class SurveyData:
    """Accepted respondents, rejected rows with reasons, and the counts of both."""

    fiscal_year: int
    responses: pd.DataFrame
    rejects: pd.DataFrame
    summary: IngestSummary


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
    table = read_headed_table(
        source.path,
        source.columns,
        REQUIRED_SURVEY_FIELDS,
        encoding=encoding or source.encoding,
        sheet=sheet or source.sheet,
    )
    columns = _survey_columns(table, source, config.path)
    resolver = AreaResolver(config.areas)
    accepted: list[dict[str, object]] = []
    rejected: list[dict[str, object]] = []
    first_row_of_id: dict[str, int] = {}
    for row in table.rows:
        values = row_values(row, columns) if row.problem is None else {}
        reason, detail, area = _survey_problem(row, values, resolver, first_row_of_id)
        if reason is not None:
            rejected.append(reject_record(table, row, reason, detail))
            continue
        first_row_of_id[normalize_text(values.get("respondent_id", ""))] = row.source_row
        accepted.append(_survey_record(row, values, area))
    responses = pd.DataFrame(accepted, columns=list(SURVEY_OUTPUT_COLUMNS))
    responses["source_row"] = responses["source_row"].astype("int64")
    rejects = pd.DataFrame(rejected, columns=reject_columns(table))
    summary = summarise(table, responses, rejects, resolver.names)
    return SurveyData(source.fiscal_year, responses, rejects, summary)


def _survey_columns(table: RawTable, source: SurveySource, config_path: Path) -> dict[str, int]:
    """The survey's columns; the ID, the answer and a 圏域 or 行政区 column are required."""
    key = f"surveys.{source.fiscal_year}.columns"
    columns = find_columns(table, source.columns, REQUIRED_SURVEY_FIELDS, config_path, key)
    if "area" not in columns and "district" not in columns:
        labels = source.columns["area"] + source.columns["district"]
        raise InputError(
            table.path,
            f"圏域も行政区も列が見つかりません（見出し: {'、'.join(table.header)}）。"
            f"設定ファイル {config_path} の [{key}] area か district で列名を指定してください。",
            row=1,
            column=labels[0],
        )
    return columns


def _survey_problem(
    row: RawRow, values: dict[str, str], resolver: AreaResolver, first_row_of_id: dict[str, int]
) -> tuple[str | None, str, str | None]:
    """Why a survey row is rejected (reason, detail), or None and the row's 圏域."""
    if row.problem is not None:
        return row.problem, "", None
    respondent = normalize_text(values.get("respondent_id", ""))
    area_value = values.get("area", "")
    district_value = values.get("district", "")
    if not respondent:
        return REJECT_NO_ID, "", None
    if respondent in first_row_of_id:
        detail = f"回答者ID「{respondent}」は{first_row_of_id[respondent]}行目にもあります"
        return REJECT_DUPLICATE_ID, detail, None
    if area_value:
        area = resolver.area_for(area_value)
        if area is None:
            return REJECT_UNKNOWN_AREA, f"圏域「{area_value}」は圏域表にありません", None
        return None, "", area
    if district_value:
        area = resolver.area_for_district(district_value)
        if area is None:
            detail = f"行政区「{district_value}」はどの圏域にも属していません"
            return REJECT_UNKNOWN_AREA, detail, None
        return None, "", area
    return REJECT_NO_AREA, "", None


def _survey_record(row: RawRow, values: dict[str, str], area: str | None) -> dict[str, object]:
    return {
        "respondent_id": normalize_text(values.get("respondent_id", "")),
        "area": area,
        # The answer as written, for display; matching uses normalize_text later.
        "text": values.get("text", ""),
        "age_group": normal_short(values.get("age_group", "")),
        "sex": normal_short(values.get("sex", "")),
        "household": normal_short(values.get("household", "")),
        "source_row": row.source_row,
    }


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
