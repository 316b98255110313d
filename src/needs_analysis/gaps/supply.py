"""The supply side of the gap analysis: monthly provision per 1,000 aged 65+ per 圏域.

Resources are mapped to need categories by the config's ``[resource_categories]``; only
those that have started by the fiscal year count. The unit of each category (places,
sessions or resources) comes from :mod:`needs_analysis.gaps.provision`. Every function takes
DataFrames and returns a new one; no input is changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from needs_analysis.config.settings import GapSettings
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.frames import area_order, join_notes, require_columns
from needs_analysis.gaps.provision import (
    NOTE_COUNT_FALLBACK,
    UNIT_COUNT,
    UNIT_SESSIONS,
    category_units,
    note_default,
    numbers_in,
    with_provision,
)
from needs_analysis.text.normalize import normalize_text

NOTE_NO_RESOURCES = "この圏域の資源は登録されていません"
NOTE_NO_POPULATION = "65歳以上人口が設定されていないため、資源の密度を計算できません"
NOTE_ZERO_POPULATION = "65歳以上人口が0のため、資源の密度を計算できません"

SUPPLY_COLUMNS = [
    "area",
    "category",
    "resources",
    "sessions_per_month",
    "capacity",
    "places_per_month",
    "supply_unit",
    "provision",
    "population_65",
    "per_1000",
    "municipal_resources",
    "municipal_provision",
    "municipal_population_65",
    "municipal_per_1000",
    "note",
]
_SUPPLY_TYPES = {
    "population_65": "Int64",
    "sessions_per_month": float,
    "capacity": float,
    "places_per_month": float,
    "provision": float,
}


def active_resources(resources: pd.DataFrame, fiscal_year: int) -> pd.DataFrame:
    """Resources counted in a fiscal year: 開始年度 ≤ that year, or 開始年度 empty."""
    require_columns(resources, ["started"], "資源一覧の表")
    started = pd.to_numeric(resources["started"], errors="coerce")
    return resources[started.isna() | (started <= fiscal_year)].copy()


def resource_category_rows(
    resources: pd.DataFrame, resource_categories: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """One row per resource and category it serves (a type can serve several)."""
    require_columns(resources, ["type", "area"], "資源一覧の表")
    types = resources["type"].map(normalize_text)
    mapping = {normalize_text(key): tuple(value) for key, value in resource_categories.items()}
    unknown = sorted(set(types) - set(mapping))
    if unknown:
        raise NeedsAnalysisError(
            f"資源の種別 {'、'.join(unknown)} が設定ファイルの [resource_categories] にありません。"
            "どの困りごとに対応するか書き足してください。"
        )
    result = resources.assign(category=types.map(lambda kind: list(mapping[kind])))
    result = result.explode("category")
    return result[result["category"].notna()].reset_index(drop=True)


def supply_density(
    resources: pd.DataFrame,
    populations: Mapping[str, int | None],
    resource_categories: Mapping[str, Sequence[str]],
    labels: Sequence[str],
    fiscal_year: int,
    areas: Sequence[str] | None = None,
    settings: GapSettings | None = None,
) -> pd.DataFrame:
    """Monthly provision per 1,000 residents aged 65+ per 圏域 × category, and the town's.

    The unit of each category (places, sessions or resources) is chosen from the whole
    inventory (:func:`needs_analysis.gaps.provision.category_units`); only resources that have
    started by ``fiscal_year`` count. The municipal figure is the provision of the 圏域 with
    a population figure divided by their population; a 圏域 without one gets a note.
    """
    settings = settings or GapSettings()
    require_columns(resources, ["type", "area", "started"], "資源一覧の表")
    units = category_units(resource_category_rows(resources, resource_categories))
    active = active_resources(resources, fiscal_year)
    counted = with_provision(
        resource_category_rows(active, resource_categories), units, settings.default_per_month
    )
    order = area_order(areas or list(populations), resources["area"])
    sums = _sums_by_cell(counted)
    defaulted = set(counted.loc[counted["defaulted"], "category"])
    with_population = {a: int(populations[a]) for a in order if (populations.get(a) or 0) > 0}
    any_resource = set(active["area"])
    rows: list[dict[str, object]] = []
    for label in labels:
        unit = units.get(label, UNIT_COUNT)
        town = _municipal_supply(sums, label, unit, with_population)
        unit_note = _unit_note(unit, label in defaulted, label in units, settings)
        for area in order:
            here = {name: values.get((area, label), math.nan) for name, values in sums.items()}
            row = _supply_row(area, label, populations.get(area), here, area in any_resource)
            row["note"] = join_notes(row["note"], unit_note)
            rows.append({**row, **town})
    return pd.DataFrame(rows, columns=SUPPLY_COLUMNS).astype(_SUPPLY_TYPES)


def _sums_by_cell(counted: pd.DataFrame) -> dict[str, pd.Series]:
    """Per (圏域, category): resources, provision, sessions, places and capacity."""
    keys = [counted["area"], counted["category"]]
    return {
        "resources": counted.groupby(keys).size(),
        "provision": counted["provision"].groupby(keys).sum(),
        "sessions_per_month": counted["sessions"].groupby(keys).sum(min_count=1),
        "places_per_month": (counted["sessions"] * numbers_in(counted, "capacity"))
        .groupby(keys)
        .sum(min_count=1),
        "capacity": _numeric_sum(counted, "capacity"),
    }


def _municipal_supply(
    sums: dict[str, pd.Series], label: str, unit: str, populations: Mapping[str, int]
) -> dict[str, object]:
    """The town's figures for a category, over the 圏域 that have a population figure."""
    population = sum(populations.values())
    provision = float(sum(sums["provision"].get((a, label), 0.0) for a in populations))
    return {
        "supply_unit": unit,
        "municipal_resources": int(sum(sums["resources"].get((a, label), 0) for a in populations)),
        "municipal_provision": provision,
        "municipal_population_65": population,
        "municipal_per_1000": provision / population * 1000 if population else math.nan,
    }


def _supply_row(
    area: str, label: str, population: int | None, here: dict[str, float], has_any: bool
) -> dict[str, object]:
    """One 圏域 × category of the supply table: its sums, provision per 1,000 and notes."""
    provision = 0.0 if pd.isna(here["provision"]) else float(here["provision"])
    resources = 0 if pd.isna(here["resources"]) else int(here["resources"])
    per_1000 = math.nan
    note = "" if has_any else NOTE_NO_RESOURCES
    if population is None:
        note = join_notes(note, NOTE_NO_POPULATION)
    elif population <= 0:
        note = join_notes(note, NOTE_ZERO_POPULATION)
    else:
        per_1000 = provision / population * 1000
    return {
        **here,
        "area": area,
        "category": label,
        "resources": resources,
        "provision": provision,
        "population_65": population,
        "per_1000": per_1000,
        "note": note,
    }


def _unit_note(unit: str, defaulted: bool, in_inventory: bool, settings: GapSettings) -> str:
    if unit == UNIT_SESSIONS and defaulted:
        return note_default(settings.default_per_month)
    if unit == UNIT_COUNT and in_inventory:
        return NOTE_COUNT_FALLBACK
    return ""


def _numeric_sum(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(dtype=float)
    values = pd.to_numeric(frame[column], errors="coerce")
    return values.groupby([frame["area"], frame["category"]]).sum(min_count=1)
