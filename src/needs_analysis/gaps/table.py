"""Service gaps per 日常生活圏域: need rates, monthly provision per 1,000 aged 65+, flags.

Every function takes DataFrames and returns a new one; no input is changed. The method, with
its denominators and thresholds, is written out for planners in ``docs/method.md``.

Need (per 圏域 × category)
    n = respondents in the 圏域 who wrote an answer (``has_text``); count = those whose
    answer carries the category; rate = count / n with a Wilson 95% interval. The 圏域 is
    compared with the rest of the municipality in the 2 × 2 table (this 圏域 / the rest) ×
    (has the category / not): the adjusted standardised residual of the cell (this 圏域,
    has), or Fisher's exact test when an expected count of the table is below 5. The raw
    p-values of all cells of the year are adjusted together (Benjamini–Hochberg, ``q_value``);
    a cell is significantly high when its rate is higher and its q-value is at most q.

Supply (per 圏域 × category)
    monthly provision (places, sessions, or the number of resources; see
    :mod:`needs_analysis.gaps.provision`) of the resources mapped to the category that have
    started by the fiscal year, per 1,000 residents aged 65+.

The statistics of one cell are in :mod:`needs_analysis.gaps.significance`, the supply table in
:mod:`needs_analysis.gaps.supply`; this module joins them into the gap table of a year and
the ranking and the change since the previous year are in :mod:`needs_analysis.gaps.change`.

Gap
    need significantly high after that control AND provision below ``supply_margin`` of
    the municipal provision per 1,000, or none at all. An area with fewer than
    ``min_answers`` answers is not judged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from needs_analysis.config.settings import GapSettings
from needs_analysis.frames import (
    area_order,
    join_notes,
    label_set,
    require_columns,
    sort_like,
    with_has_text,
)
from needs_analysis.gaps.corrected import (
    CORRECTION_COLUMNS,
    automatic_columns,
    corrected_need_rows,
    has_checks,
)
from needs_analysis.gaps.provision import UNIT_COUNT, format_density, format_provision
from needs_analysis.gaps.significance import benjamini_hochberg, compare_with_rest, wilson_interval
from needs_analysis.gaps.supply import supply_density

NOTE_NO_SURVEY_AREA = "調査にこの圏域の回答者がいません"
NOTE_TOO_FEW = "回答が少ないため、検定していません"

VERDICT_GAP = "不足の候補"
VERDICT_TOO_FEW = "判断できない（回答が少ない）"
VERDICT_NO_DATA = "この圏域は回答がないため判断できません"
VERDICT_NONE = ""

NEED_COLUMNS = [
    "area",
    "category",
    "respondents",
    "n",
    "count",
    "rate",
    "ci_low",
    "ci_high",
    "rest_n",
    "rest_count",
    "rest_rate",
    "municipal_n",
    "municipal_count",
    "municipal_rate",
    "expected_min",
    "residual",
    "test",
    "p_value",
    "q_value",
    "testable",
    "above",
    "note",
    *CORRECTION_COLUMNS,
]


# --------------------------------------------------------------------------- need


def need_rates(
    classified: pd.DataFrame,
    labels: Sequence[str],
    areas: Sequence[str] | None = None,
    settings: GapSettings | None = None,
) -> pd.DataFrame:
    """Need rate per 圏域 × category with n, Wilson interval, raw p and BH-adjusted q.

    ``respondents`` counts everyone in the 圏域; ``n``, the denominator of the rate, only
    those who wrote an answer. Cells of areas with fewer than ``settings.min_answers``
    answers are not tested (``testable`` False) and do not enter the adjustment.

    ``classified`` has one row per respondent with ``area``, ``categories`` (labels of the
    answer; the empty tuple for respondents who wrote nothing) and ``has_text`` (computed
    from ``text`` when absent). ``areas`` lists the 圏域 to report in order, including
    those without respondents; 圏域 found only in the data follow.

    When the answers carry a coordinator's check of a random sample (the columns of
    :mod:`needs_analysis.gaps.corrected`), the rates, intervals, municipal rates and tests
    are the corrected ones; the automatic rates stay in ``model_rate`` and
    ``model_municipal_rate``.
    """
    settings = settings or GapSettings()
    require_columns(classified, ["area", "categories"], "分類済みの回答の表")
    frame = with_has_text(classified)
    order = area_order(areas, frame["area"])
    if has_checks(frame):
        result = corrected_need_rows(frame, labels, order)
    else:
        result = automatic_columns(_automatic_need_rows(frame, labels, order))
    if result.empty:
        return pd.DataFrame(columns=NEED_COLUMNS).astype({"above": bool, "testable": bool})
    return _adjusted(result, settings)[NEED_COLUMNS]


def _automatic_need_rows(
    frame: pd.DataFrame, labels: Sequence[str], order: Sequence[str]
) -> pd.DataFrame:
    """The need rows from the model's labels: rates, Wilson intervals, raw tests."""
    written = frame[frame["has_text"]]
    answer_labels = written["categories"].map(label_set)
    n_by_area = written.groupby("area").size().reindex(order, fill_value=0)
    respondents_by_area = frame.groupby("area").size().reindex(order, fill_value=0)
    municipal_n = int(n_by_area.sum())
    rows: list[dict[str, object]] = []
    for label in labels:
        carries = answer_labels.map(lambda found, label=label: label in found)
        count_by_area = carries.groupby(written["area"]).sum().reindex(order, fill_value=0)
        municipal_count = int(count_by_area.sum())
        for area in order:
            n = int(n_by_area[area])
            count = int(count_by_area[area])
            rest_n, rest_count = municipal_n - n, municipal_count - count
            low, high = wilson_interval(count, n)
            rows.append(
                {
                    "area": area,
                    "category": label,
                    "respondents": int(respondents_by_area[area]),
                    "n": n,
                    "count": count,
                    "rate": count / n if n else math.nan,
                    "ci_low": low,
                    "ci_high": high,
                    "rest_n": rest_n,
                    "rest_count": rest_count,
                    "rest_rate": rest_count / rest_n if rest_n else math.nan,
                    "municipal_n": municipal_n,
                    "municipal_count": municipal_count,
                    "municipal_rate": municipal_count / municipal_n if municipal_n else math.nan,
                    **compare_with_rest(count, n, rest_count, rest_n),
                }
            )
    return pd.DataFrame(rows)


def _adjusted(result: pd.DataFrame, settings: GapSettings) -> pd.DataFrame:
    """Add ``testable``, ``q_value`` and ``above`` (higher and q ≤ settings.q)."""
    result = result.copy()
    result["testable"] = (result["n"] >= settings.min_answers) & result["p_value"].notna()
    too_few = (result["n"] > 0) & (result["n"] < settings.min_answers)
    result.loc[too_few, "note"] = [
        join_notes(note, NOTE_TOO_FEW) for note in result.loc[too_few, "note"]
    ]
    result["q_value"] = benjamini_hochberg(result["p_value"].where(result["testable"]))
    result["above"] = result["higher"].astype(bool) & (result["q_value"] <= settings.q)
    return result.astype({"above": bool, "testable": bool})


# --------------------------------------------------------------------------- gaps


def gap_table(
    need: pd.DataFrame, supply: pd.DataFrame, settings: GapSettings | None = None
) -> pd.DataFrame:
    """Need and supply side by side, the verdict, the gap flag, a score and the rank.

    flag = need significantly high after the FDR control AND (no provision of the category
    in the 圏域, or provision per 1,000 below ``supply_margin`` × the municipal figure).
    score = (rate / municipal rate) × (1 − provision / municipal provision), so a gap ranks
    higher the more the need exceeds the municipal rate and the thinner the supply; flagged
    gaps are ranked by score, then by residual. ``verdict`` reads 「不足の候補」, 「判断できない
    （回答が少ない）」, 「この圏域は回答がないため判断できません」 or nothing.
    """
    settings = settings or GapSettings()
    require_columns(need, ["area", "category", "above", "note"], "需要の表")
    require_columns(supply, ["area", "category", "resources", "per_1000", "note"], "資源の表")
    merged = need.merge(supply, on=["area", "category"], how="outer", suffixes=("", "_supply"))
    merged = sort_like(merged, need, supply)
    merged["above"] = merged["above"].fillna(False).astype(bool)
    for column in ("resources", "respondents", "n", "count"):
        merged[column] = merged[column].fillna(0).astype(int)
    provision = merged["provision"] if "provision" in merged.columns else merged["resources"]
    zero = (merged["resources"] == 0) | (provision.fillna(0) <= 0)
    supply_ratio = merged["per_1000"] / merged["municipal_per_1000"].where(
        merged["municipal_per_1000"] > 0
    )
    merged["supply_ratio"] = supply_ratio.where(~zero, 0.0)
    merged["supply_below"] = zero | (merged["supply_ratio"] < settings.supply_margin).fillna(False)
    judged = merged["n"] >= settings.min_answers
    merged["flag"] = merged["above"] & merged["supply_below"] & judged
    merged["verdict"] = [
        _verdict(flag, n, ok)
        for flag, n, ok in zip(merged["flag"], merged["n"], judged, strict=True)
    ]
    merged["need_ratio"] = merged["rate"] / merged["municipal_rate"].where(
        merged["municipal_rate"] > 0
    )
    shortfall = (1 - merged["supply_ratio"].clip(upper=1.0)).where(~zero, 1.0)
    merged["score"] = (merged["need_ratio"] * shortfall).where(merged["flag"])
    merged["rank"] = _rank(merged)
    merged["reason"] = [_reason(row, settings) for row in merged.itertuples(index=False)]
    merged["note"] = [
        join_notes(need_note, supply_note, NOTE_NO_SURVEY_AREA if pd.isna(n_total) else "")
        for need_note, supply_note, n_total in zip(
            merged["note"], merged["note_supply"], merged["municipal_n"], strict=True
        )
    ]
    return merged.drop(columns=["note_supply"]).reset_index(drop=True)


def _verdict(flag: bool, answers: int, judged: bool) -> str:
    if flag:
        return VERDICT_GAP
    if answers == 0:
        return VERDICT_NO_DATA
    return VERDICT_NONE if judged else VERDICT_TOO_FEW


def _rank(merged: pd.DataFrame) -> pd.Series:
    flagged = merged[merged["flag"]].sort_values(
        ["score", "residual", "area", "category"], ascending=[False, False, True, True]
    )
    rank = pd.Series(pd.NA, index=merged.index, dtype="Int64")
    rank.loc[flagged.index] = np.arange(1, len(flagged) + 1)
    return rank


def supply_words(row) -> str:
    """The area's provision and the town's, in words: 「1か所・月2回、千人あたり月1.7回（町全体 月11.8回）」."""
    unit = getattr(row, "supply_unit", UNIT_COUNT)
    unit = unit if isinstance(unit, str) else UNIT_COUNT
    town = f"町全体 65歳以上千人あたり{format_density(unit, row.municipal_per_1000)}"
    if int(row.resources) == 0:
        return f"この圏域に資源なし（{town}）"
    what = format_provision(
        unit,
        int(row.resources),
        getattr(row, "sessions_per_month", math.nan),
        getattr(row, "places_per_month", math.nan),
    )
    return f"{what}、65歳以上千人あたり{format_density(unit, row.per_1000)}（{town}）"


def supply_short(row) -> str:
    """The provision per 1,000 aged 65+ against the town's, short enough for a table cell
    beside a chart: 「月1.7回（町 月11.8回）」, 「なし（町 月11.8回）」."""
    unit = getattr(row, "supply_unit", UNIT_COUNT)
    unit = unit if isinstance(unit, str) else UNIT_COUNT
    town = f"町 {format_density(unit, row.municipal_per_1000)}"
    if int(row.resources) == 0:
        return f"なし（{town}）"
    return f"{format_density(unit, row.per_1000)}（{town}）"


def _reason(row, settings: GapSettings) -> str:
    """One Japanese sentence on why the cell is, or is not, flagged, with the two numbers."""
    if row.n == 0:
        return VERDICT_NO_DATA
    if row.n < settings.min_answers:
        return f"{VERDICT_TOO_FEW}：自由記述が{settings.min_answers}人未満のため、検定していません"
    corrected = getattr(row, "corrected", False)
    corrected = isinstance(corrected, bool | np.bool_) and bool(corrected)
    what = "補正した困りごとの割合" if corrected else "困りごとの割合"
    need = (
        f"{what} {row.rate:.1%}（町全体 {row.municipal_rate:.1%}）"
        if not pd.isna(row.municipal_rate)
        else f"{what} {row.rate:.1%}"
    )
    if not row.above:
        return f"{need}は、多くの組み合わせを同時に調べたうえでは、ほかの圏域より有意に高いとは言えません"
    supply = supply_words(row)
    if row.flag:
        return f"{VERDICT_GAP}：{need}がほかの圏域より有意に高く、提供は{supply}"
    if pd.isna(row.per_1000) or pd.isna(row.municipal_per_1000):
        return f"{need}はほかの圏域より有意に高いが、人口が未設定のため提供の多さを比べられません"
    return (
        f"{need}はほかの圏域より有意に高いが、提供は{supply}で、"
        f"町全体の{settings.supply_margin:.0%}以上あるため、不足の候補にしていません"
    )


def analyse_gaps(
    classified: pd.DataFrame,
    resources: pd.DataFrame,
    populations: Mapping[str, int | None],
    resource_categories: Mapping[str, Sequence[str]],
    labels: Sequence[str],
    fiscal_year: int,
    areas: Sequence[str] | None = None,
    settings: GapSettings | None = None,
) -> pd.DataFrame:
    """The gap table of one fiscal year: :func:`need_rates` + :func:`supply_density`."""
    settings = settings or GapSettings()
    order = area_order(
        areas or list(populations),
        classified["area"] if "area" in classified.columns else [],
        resources["area"] if "area" in resources.columns else [],
    )
    need = need_rates(classified, labels, order, settings)
    supply = supply_density(
        resources, populations, resource_categories, labels, fiscal_year, order, settings
    )
    return gap_table(need, supply, settings).assign(fiscal_year=fiscal_year)
