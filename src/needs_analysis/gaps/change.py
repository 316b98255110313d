"""Gaps over time: the flagged cells ranked, and a year against the previous year.

Both take gap tables (:func:`needs_analysis.gaps.table.gap_table`) and return new tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from needs_analysis.frames import require_columns, sort_like

NOTE_NO_PREVIOUS = "前年度の結果がありません"
NOTE_NEW_AREA = "前年度はこの圏域の結果がありません"
NOTE_GONE_AREA = "今年度はこの圏域の結果がありません"

CHANGE_NEW = "新たに該当"
CHANGE_CLOSED = "解消"  # no longer a candidate, and the rate is no longer above the town's
CHANGE_DROPPED = "候補から外れた（割合はまだ高い）"  # the flag dropped, the rate did not
CHANGE_KEPT = "継続"
CHANGE_NONE = "該当なし"


def ranked_gaps(gaps: pd.DataFrame) -> pd.DataFrame:
    """The flagged rows of a gap table, best-ranked first."""
    require_columns(gaps, ["flag", "rank"], "ギャップの表")
    return gaps[gaps["flag"]].sort_values("rank").reset_index(drop=True)


CHANGE_COLUMNS = [
    "area",
    "category",
    "n",
    "n_previous",
    "rate",
    "rate_previous",
    "rate_change",
    "resources",
    "resources_previous",
    "resources_change",
    "per_1000",
    "per_1000_previous",
    "flag",
    "flag_previous",
    "flag_change",
    "note",
]


def year_over_year(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Rates, supply and flags of this fiscal year against the previous year's gap table.

    ``rate_change`` is in proportion units (0.05 = 5 points). Without a previous table
    the previous columns are empty and the note says so.
    """
    keep = ["area", "category", "n", "rate", "resources", "per_1000", "flag"]
    require_columns(current, keep, "今年度のギャップの表")
    town = ["municipal_rate"] if "municipal_rate" in current.columns else []
    now = current[keep + town].copy()
    if previous is None:
        before = pd.DataFrame(columns=keep)
    else:
        require_columns(previous, keep, "前年度のギャップの表")
        before = previous[keep].copy()
    merged = now.merge(
        before, on=["area", "category"], how="outer", suffixes=("", "_previous"), indicator=True
    )
    merged["rate_change"] = merged["rate"].astype(float) - merged["rate_previous"].astype(float)
    merged["resources_change"] = merged["resources"].astype(float) - merged[
        "resources_previous"
    ].astype(float)
    town_rate = merged["municipal_rate"] if town else pd.Series(np.nan, index=merged.index)
    merged["flag_change"] = [
        _flag_change(flag, flag_previous, still_high(rate, municipal))
        for flag, flag_previous, rate, municipal in zip(
            merged["flag"], merged["flag_previous"], merged["rate"], town_rate, strict=True
        )
    ]
    if previous is None:
        merged["note"] = NOTE_NO_PREVIOUS + "。"
    else:
        merged["note"] = (
            merged["_merge"]
            .map(
                {"left_only": NOTE_NEW_AREA + "。", "right_only": NOTE_GONE_AREA + "。", "both": ""}
            )
            .astype(str)
        )
    merged = sort_like(merged, now, before)
    for column in ("n", "n_previous", "resources", "resources_previous"):
        merged[column] = pd.to_numeric(merged[column]).astype("Int64")
    for column in ("flag", "flag_previous"):
        merged[column] = merged[column].astype("boolean")
    return merged[CHANGE_COLUMNS].reset_index(drop=True)


def still_high(rate: object, municipal_rate: object) -> bool | None:
    """Whether the area's rate is still above the town's (None: a figure is not known)."""
    try:
        here, town = float(rate), float(municipal_rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if np.isnan(here) or np.isnan(town):
        return None
    return here > town


def _flag_change(flag: object, flag_previous: object, high: bool | None = None) -> str:
    """継続 / 新たに該当 / 解消 / 候補から外れた / 該当なし. A flag that dropped is 「解消」
    only where the rate is known to be no longer above the town's."""
    now, before = _is_true(flag), _is_true(flag_previous)
    if now and before:
        return CHANGE_KEPT
    if now:
        return CHANGE_NEW
    if before:
        return CHANGE_CLOSED if high is False else CHANGE_DROPPED
    return CHANGE_NONE


def _is_true(value: object) -> bool:
    return isinstance(value, (bool, np.bool_)) and bool(value)
