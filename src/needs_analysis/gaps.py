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
    :mod:`needs_analysis.provision`) of the resources mapped to the category that have
    started by the fiscal year, per 1,000 residents aged 65+.

Gap
    need significantly high after that control AND provision below ``supply_margin`` of
    the municipal provision per 1,000, or none at all. An area with fewer than
    ``min_answers`` answers is not judged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from needs_analysis.config import GapSettings
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.normalize import normalize_text
from needs_analysis.provision import (
    NOTE_COUNT_FALLBACK,
    UNIT_COUNT,
    UNIT_SESSIONS,
    category_units,
    format_density,
    format_provision,
    note_default,
    with_provision,
)

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
SMALL_EXPECTED = 5.0  # below this expected count the exact test decides

TEST_RESIDUAL = "調整済み標準化残差"
TEST_EXACT = "Fisherの正確検定"

NOTE_NO_ANSWERS = "この圏域には自由記述の回答がありません"
NOTE_NO_REST = "比べる他の圏域の回答がありません"
NOTE_NO_RESOURCES = "この圏域の資源は登録されていません"
NOTE_NO_POPULATION = "65歳以上人口が設定されていないため、資源の密度を計算できません"
NOTE_ZERO_POPULATION = "65歳以上人口が0のため、資源の密度を計算できません"
NOTE_NO_SURVEY_AREA = "調査にこの圏域の回答者がいません"
NOTE_NO_PREVIOUS = "前年度の結果がありません"
NOTE_NEW_AREA = "前年度はこの圏域の結果がありません"
NOTE_GONE_AREA = "今年度はこの圏域の結果がありません"
NOTE_TOO_FEW = "回答が少ないため、検定していません"

VERDICT_GAP = "不足の候補"
VERDICT_TOO_FEW = "判断できない（回答が少ない）"
VERDICT_NO_DATA = "この圏域は回答がないため判断できません"
VERDICT_NONE = ""

CHANGE_NEW = "新たに該当"
CHANGE_CLOSED = "解消"
CHANGE_KEPT = "継続"
CHANGE_NONE = "該当なし"

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
]
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


# --------------------------------------------------------------------------- helpers


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise an error naming the first column of ``columns`` that ``frame`` lacks."""
    for column in columns:
        if column not in frame.columns:
            present = "、".join(str(c) for c in frame.columns) or "なし"
            raise NeedsAnalysisError(f"{what}に列「{column}」がありません（ある列: {present}）。")


def with_has_text(responses: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``has_text`` = the normalised answer is not empty (kept if present)."""
    result = responses.copy()
    if "has_text" not in result.columns:
        require_columns(result, ["text"], "回答の表")
        result["has_text"] = [normalize_text(text) != "" for text in result["text"]]
    result["has_text"] = result["has_text"].fillna(False).astype(bool)
    return result


def label_set(value: object) -> frozenset[str]:
    """The labels of one answer: a tuple, list or set of labels; "a|b" text; or nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return frozenset()
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split("|") if part.strip())
    return frozenset(str(label) for label in value)


def area_order(areas: Sequence[str] | None, *columns: Iterable[object]) -> list[str]:
    """The given areas in their order, then any other area found in ``columns``, sorted."""
    ordered = list(dict.fromkeys(areas or []))
    known = set(ordered)
    extra = {
        str(value)
        for column in columns
        for value in column
        if isinstance(value, str) and value and value not in known
    }
    return ordered + sorted(extra)


def _join_notes(*notes: object) -> str:
    parts: list[str] = []
    for note in notes:
        if isinstance(note, str):
            parts.extend(part for part in note.split("。") if part and part not in parts)
    return "".join(f"{part}。" for part in parts)


# --------------------------------------------------------------------------- statistics


def wilson_interval(count: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``count / n`` (NaN, NaN when n is 0).

    >>> low, high = wilson_interval(3, 10)
    >>> round(low, 4), round(high, 4)
    (0.1078, 0.6032)
    """
    if n <= 0:
        return (math.nan, math.nan)
    p = count / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def adjusted_residual(count: int, n: int, rest_count: int, rest_n: int) -> float:
    """Adjusted standardised residual of the cell (this area, has the category).

    The table is [[count, n - count], [rest_count, rest_n - rest_count]]. The residual is
    (observed - expected) / sqrt(expected * (1 - row share) * (1 - column share)); it is
    NaN when a row or a column of the table is empty.

    >>> round(adjusted_residual(30, 100, 50, 400), 3)
    4.27
    """
    total = n + rest_n
    has = count + rest_count
    if n <= 0 or rest_n <= 0 or has <= 0 or has >= total:
        return math.nan
    expected = n * has / total
    variance = expected * (1 - n / total) * (1 - has / total)
    return (count - expected) / math.sqrt(variance)


def smallest_expected(count: int, n: int, rest_count: int, rest_n: int) -> float:
    """The smallest expected count of the 2 × 2 table (area / rest) × (has / not)."""
    total = n + rest_n
    if total <= 0:
        return math.nan
    has = count + rest_count
    rows, columns = (n, rest_n), (has, total - has)
    return min(row * column / total for row in rows for column in columns)


def compare_with_rest(count: int, n: int, rest_count: int, rest_n: int) -> dict[str, object]:
    """Residual, test used, raw two-sided p-value, and whether the area's rate is higher.

    ``above`` is left False here: it is decided over all cells at once by
    :func:`benjamini_hochberg` in :func:`need_rates`.
    """
    residual = adjusted_residual(count, n, rest_count, rest_n)
    result: dict[str, object] = {
        "expected_min": smallest_expected(count, n, rest_count, rest_n),
        "residual": residual,
        "test": "",
        "p_value": math.nan,
        "higher": False,
        "note": "",
    }
    if n <= 0:
        result["note"] = NOTE_NO_ANSWERS
        return result
    if rest_n <= 0:
        result["note"] = NOTE_NO_REST
        return result
    result["higher"] = count / n > rest_count / rest_n
    if result["expected_min"] < SMALL_EXPECTED:
        table = [[count, n - count], [rest_count, rest_n - rest_count]]
        from scipy import stats  # here: importing scipy.stats costs the notebooks half a second

        p_value = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
        result.update(test=TEST_EXACT, p_value=p_value)
    elif math.isnan(residual):  # nobody in the town, or everybody, has the need
        result.update(test=TEST_RESIDUAL, p_value=1.0)
    else:
        p_value = math.erfc(abs(residual) / math.sqrt(2))  # two-sided normal tail
        result.update(test=TEST_RESIDUAL, p_value=p_value)
    return result


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN stays NaN and is not counted.

    >>> benjamini_hochberg([0.01, 0.04, 0.03, float("nan")]).round(3).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    values = np.asarray(p_values, dtype=float)
    result = np.full(values.shape, np.nan)
    tested = ~np.isnan(values)
    if tested.any():
        from scipy import stats

        result[tested] = stats.false_discovery_control(values[tested], method="bh")
    return result


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
    """
    settings = settings or GapSettings()
    require_columns(classified, ["area", "categories"], "分類済みの回答の表")
    frame = with_has_text(classified)
    written = frame[frame["has_text"]]
    answer_labels = written["categories"].map(label_set)
    order = area_order(areas, frame["area"])
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
    result = pd.DataFrame(rows)
    if result.empty:
        return pd.DataFrame(columns=NEED_COLUMNS).astype({"above": bool, "testable": bool})
    return _adjusted(result, settings)[NEED_COLUMNS]


def _adjusted(result: pd.DataFrame, settings: GapSettings) -> pd.DataFrame:
    """Add ``testable``, ``q_value`` and ``above`` (higher and q ≤ settings.q)."""
    result = result.copy()
    result["testable"] = (result["n"] >= settings.min_answers) & result["p_value"].notna()
    too_few = (result["n"] > 0) & (result["n"] < settings.min_answers)
    result.loc[too_few, "note"] = [
        _join_notes(note, NOTE_TOO_FEW) for note in result.loc[too_few, "note"]
    ]
    result["q_value"] = benjamini_hochberg(result["p_value"].where(result["testable"]))
    result["above"] = result["higher"].astype(bool) & (result["q_value"] <= settings.q)
    return result.astype({"above": bool, "testable": bool})


# --------------------------------------------------------------------------- supply


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
    inventory (:func:`needs_analysis.provision.category_units`); only resources that have
    started by ``fiscal_year`` count. The municipal figure is the provision of the 圏域 with
    a population figure divided by their population; a 圏域 without one gets a note.
    """
    settings = settings or GapSettings()
    require_columns(resources, ["type", "area", "started"], "資源一覧の表")
    every = resource_category_rows(resources, resource_categories)
    units = category_units(every)
    active = active_resources(resources, fiscal_year)
    counted = with_provision(
        resource_category_rows(active, resource_categories), units, settings.default_per_month
    )
    order = area_order(areas or list(populations), resources["area"])
    any_resource = set(active["area"])
    keys = [counted["area"], counted["category"]]
    sums = {
        "resources": counted.groupby(keys).size(),
        "provision": counted["provision"].groupby(keys).sum(),
        "sessions_per_month": counted["sessions"].groupby(keys).sum(min_count=1),
        "places_per_month": (counted["sessions"] * _numbers_of(counted, "capacity"))
        .groupby(keys)
        .sum(min_count=1),
        "capacity": _numeric_sum(counted, "capacity"),
    }
    defaulted = set(counted.loc[counted["defaulted"], "category"])
    with_population = [a for a in order if (populations.get(a) or 0) > 0]
    municipal_population = sum(int(populations[a]) for a in with_population)
    rows: list[dict[str, object]] = []
    for label in labels:
        unit = units.get(label, UNIT_COUNT)
        municipal_provision = float(
            sum(sums["provision"].get((a, label), 0.0) for a in with_population)
        )
        town = {
            "supply_unit": unit,
            "municipal_resources": int(
                sum(sums["resources"].get((a, label), 0) for a in with_population)
            ),
            "municipal_provision": municipal_provision,
            "municipal_population_65": municipal_population,
            "municipal_per_1000": municipal_provision / municipal_population * 1000
            if municipal_population
            else math.nan,
        }
        unit_note = _unit_note(unit, label in defaulted, label in units, settings)
        for area in order:
            here = {name: values.get((area, label), math.nan) for name, values in sums.items()}
            row = _supply_row(area, label, populations.get(area), here, area in any_resource)
            row["note"] = _join_notes(row["note"], unit_note)
            rows.append({**row, **town})
    result = pd.DataFrame(rows, columns=SUPPLY_COLUMNS)
    return result.astype(
        {
            "population_65": "Int64",
            "sessions_per_month": float,
            "capacity": float,
            "places_per_month": float,
            "provision": float,
        }
    )


def _supply_row(
    area: str, label: str, population: int | None, here: dict[str, float], has_any: bool
) -> dict[str, object]:
    """One 圏域 × category of the supply table: its sums, provision per 1,000 and notes."""
    provision = 0.0 if pd.isna(here["provision"]) else float(here["provision"])
    resources = 0 if pd.isna(here["resources"]) else int(here["resources"])
    per_1000 = math.nan
    note = "" if has_any else NOTE_NO_RESOURCES
    if population is None:
        note = _join_notes(note, NOTE_NO_POPULATION)
    elif population <= 0:
        note = _join_notes(note, NOTE_ZERO_POPULATION)
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


def _numbers_of(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(math.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce")


def _numeric_sum(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(dtype=float)
    values = pd.to_numeric(frame[column], errors="coerce")
    return values.groupby([frame["area"], frame["category"]]).sum(min_count=1)


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
    merged = _sort_like(merged, need, supply)
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
        VERDICT_GAP if flag else VERDICT_NO_DATA if n == 0 else VERDICT_TOO_FEW if not ok else ""
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
        _join_notes(need_note, supply_note, NOTE_NO_SURVEY_AREA if pd.isna(n_total) else "")
        for need_note, supply_note, n_total in zip(
            merged["note"], merged["note_supply"], merged["municipal_n"], strict=True
        )
    ]
    return merged.drop(columns=["note_supply"]).reset_index(drop=True)


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


def _reason(row, settings: GapSettings) -> str:
    """One Japanese sentence on why the cell is, or is not, flagged, with the two numbers."""
    if row.n == 0:
        return VERDICT_NO_DATA
    if row.n < settings.min_answers:
        return f"{VERDICT_TOO_FEW}：自由記述が{settings.min_answers}人未満のため、検定していません"
    need = (
        f"困りごとの割合 {row.rate:.1%}（町全体 {row.municipal_rate:.1%}）"
        if not pd.isna(row.municipal_rate)
        else f"困りごとの割合 {row.rate:.1%}"
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


def ranked_gaps(gaps: pd.DataFrame) -> pd.DataFrame:
    """The flagged rows of a gap table, best-ranked first."""
    require_columns(gaps, ["flag", "rank"], "ギャップの表")
    return gaps[gaps["flag"]].sort_values("rank").reset_index(drop=True)


# --------------------------------------------------------------------------- change


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
    now = current[keep].copy()
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
    merged["flag_change"] = [
        _flag_change(flag, flag_previous)
        for flag, flag_previous in zip(merged["flag"], merged["flag_previous"], strict=True)
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
    merged = _sort_like(merged, now, before)
    for column in ("n", "n_previous", "resources", "resources_previous"):
        merged[column] = pd.to_numeric(merged[column]).astype("Int64")
    for column in ("flag", "flag_previous"):
        merged[column] = merged[column].astype("boolean")
    return merged[CHANGE_COLUMNS].reset_index(drop=True)


def _flag_change(flag: object, flag_previous: object) -> str:
    now, before = _is_true(flag), _is_true(flag_previous)
    if now and before:
        return CHANGE_KEPT
    if now:
        return CHANGE_NEW
    if before:
        return CHANGE_CLOSED
    return CHANGE_NONE


def _is_true(value: object) -> bool:
    return isinstance(value, (bool, np.bool_)) and bool(value)


def _sort_like(merged: pd.DataFrame, *sources: pd.DataFrame) -> pd.DataFrame:
    """Rows in the area order, then the category order, of the source tables."""
    areas = list(dict.fromkeys(a for source in sources for a in source["area"]))
    categories = list(dict.fromkeys(c for source in sources for c in source["category"]))
    keys = pd.DataFrame(
        {
            "area": merged["area"].map({a: i for i, a in enumerate(areas)}),
            "category": merged["category"].map({c: i for i, c in enumerate(categories)}),
        }
    )
    return merged.loc[keys.sort_values(["area", "category"], kind="stable").index]
