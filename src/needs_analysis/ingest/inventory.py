"""Reading the inventory of community resources (name, type, 圏域, optional figures)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from needs_analysis.config.settings import REQUIRED_RESOURCE_FIELDS, Config, ResourceSource
from needs_analysis.errors import InputError
from needs_analysis.ingest.columns import find_columns, read_headed_table
from needs_analysis.ingest.intake import (
    REJECT_NO_AREA,
    REJECT_UNKNOWN_AREA,
    AreaResolver,
    IngestSummary,
    reject_columns,
    reject_record,
    row_values,
    summarise,
)
from needs_analysis.ingest.raw_table import RawRow, RawTable
from needs_analysis.text.normalize import normalize_text


@dataclass(frozen=True)
class ResourceData:
    """The resource inventory: accepted rows and rejected rows with reasons."""

    resources: pd.DataFrame
    rejects: pd.DataFrame
    summary: IngestSummary


RESOURCE_COLUMNS = ["name", "type", "area", "per_month", "capacity", "started", "source_row"]


def load_resources(config: Config, source: ResourceSource | None = None) -> ResourceData:
    """Read the inventory of community resources (name, type, 圏域, optional figures).

    Rows whose 圏域 is unknown are rejected like survey rows. Resource types missing from
    the config's ``[resource_categories]`` stop the run with the list of them, since a
    resource that counts for no category would silently lower the supply figures.
    """
    source = source or config.resources
    if source is None:
        raise InputError(config.path, "[resources] に資源一覧のファイルが設定されていません。")
    table = read_headed_table(
        source.path,
        source.columns,
        REQUIRED_RESOURCE_FIELDS,
        encoding=source.encoding,
        sheet=source.sheet,
    )
    columns = find_columns(
        table, source.columns, REQUIRED_RESOURCE_FIELDS, config.path, "resources.columns"
    )
    resolver = AreaResolver(config.areas)
    accepted: list[dict[str, object]] = []
    rejected: list[dict[str, object]] = []
    for row in table.rows:
        values = row_values(row, columns)
        reason, detail, area = _resource_problem(row, values, resolver)
        if reason is not None:
            rejected.append(reject_record(table, row, reason, detail))
            continue
        accepted.append(
            {
                "name": values.get("name", ""),
                "type": normalize_text(values["type"]),
                "area": area,
                "per_month": times_per_month(values.get("per_month", "")),
                "capacity": _number(values.get("capacity", "")),
                "started": fiscal_year_of(values.get("started", "")),
                "source_row": row.source_row,
            }
        )
    resources = pd.DataFrame(accepted, columns=RESOURCE_COLUMNS)
    _refuse_unknown_types(resources, table, columns, config)
    rejects = pd.DataFrame(rejected, columns=reject_columns(table))
    summary = summarise(table, resources.assign(text=""), rejects, resolver.names)
    return ResourceData(resources, rejects, summary)


def _resource_problem(
    row: RawRow, values: dict[str, str], resolver: AreaResolver
) -> tuple[str | None, str, str | None]:
    """Why a resource row is rejected (reason, detail), or None and the row's 圏域."""
    if row.problem is not None:
        return row.problem, "", None
    area_value = values.get("area", "")
    area = resolver.area_for(area_value) or resolver.area_for_district(area_value)
    if not area_value:
        return REJECT_NO_AREA, "", None
    if area is None:
        return REJECT_UNKNOWN_AREA, f"圏域「{area_value}」は圏域表にありません", None
    if not values.get("type"):
        return "種別が空", "", None
    if fiscal_year_of(values.get("started", "")) is False:
        detail = (
            f"開始年度「{values['started']}」は 2024・2024年度・令和6年度・R6 の形で書いてください"
        )
        return "開始年度が読めない", detail, None
    return None, "", area


def _refuse_unknown_types(
    resources: pd.DataFrame, table: RawTable, columns: dict[str, int], config: Config
) -> None:
    unknown = sorted(set(resources["type"]) - set(config.resource_categories))
    if unknown:
        raise InputError(
            table.path,
            f"種別 {'、'.join(unknown)} が設定ファイル {config.path} の "
            "[resource_categories] にありません。どの困りごとに対応するか書き足してください。",
            column=table.header[columns["type"]],
        )


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
