"""Gap analysis: statistics against hand and scipy values, supply, flags, change, edge cases."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from needs_analysis.config.load import load_config
from needs_analysis.config.settings import GapSettings
from needs_analysis.errors import InputError, NeedsAnalysisError
from needs_analysis.gaps.change import (
    CHANGE_DROPPED,
    CHANGE_KEPT,
    CHANGE_NEW,
    CHANGE_NONE,
    NOTE_NO_PREVIOUS,
    ranked_gaps,
    year_over_year,
)
from needs_analysis.gaps.significance import (
    NOTE_NO_ANSWERS,
    TEST_EXACT,
    TEST_RESIDUAL,
    adjusted_residual,
    wilson_interval,
)
from needs_analysis.gaps.supply import (
    NOTE_NO_POPULATION,
    NOTE_NO_RESOURCES,
    NOTE_ZERO_POPULATION,
    active_resources,
    supply_density,
)
from needs_analysis.gaps.table import analyse_gaps, gap_table, need_rates
from needs_analysis.ingest.inventory import load_resources

LABELS = ("移動支援", "ゴミ出し")
MAPPING = {"移動支援": ("移動支援",), "ゴミ出し支援": ("ゴミ出し",), "買い物送迎": ("移動支援",)}


def responses(rows: list[tuple[str, str, tuple[str, ...]]]) -> pd.DataFrame:
    """Respondents as (area, text, categories); has_text follows the text."""
    return pd.DataFrame(
        {
            "respondent_id": [str(i) for i in range(1, len(rows) + 1)],
            "area": [area for area, _, _ in rows],
            "text": [text for _, text, _ in rows],
            "categories": [labels for _, _, labels in rows],
            "has_text": [text.strip() != "" for _, text, _ in rows],
        }
    )


def town(counts: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """Per area: (answers with 移動支援, answers with その他 only, respondents without text)."""
    rows: list[tuple[str, str, tuple[str, ...]]] = []
    for area, (need, other, silent) in counts.items():
        rows += [(area, "バスがない", ("移動支援",))] * need
        rows += [(area, "特になし", ("その他",))] * other
        rows += [(area, "", ())] * silent
    return responses(rows)


def resources(rows: list[tuple[str, str, float | None]]) -> pd.DataFrame:
    """Resources as (type, area, started)."""
    return pd.DataFrame(
        {
            "name": [f"資源{i}" for i in range(len(rows))],
            "type": [kind for kind, _, _ in rows],
            "area": [area for _, area, _ in rows],
            "per_month": [4.0] * len(rows),
            "capacity": [None] * len(rows),
            "started": [started for _, _, started in rows],
        }
    )


def cell(table: pd.DataFrame, area: str, category: str) -> pd.Series:
    found = table[(table["area"] == area) & (table["category"] == category)]
    assert len(found) == 1, (area, category)
    return found.iloc[0]


# --------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(("count", "n"), [(0, 10), (3, 10), (10, 10), (45, 120), (1, 1), (7, 1234)])
def test_wilson_interval_matches_scipy(count, n):
    expected = stats.binomtest(count, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(count, n)
    assert low == pytest.approx(expected.low, abs=1e-9)
    assert high == pytest.approx(expected.high, abs=1e-9)


def test_wilson_interval_by_hand():
    # p = 0.3, z² = 3.8415: centre (0.3 + 0.19207) / 1.38415 = 0.35551,
    # half-width 1.95996 / 1.38415 × √(0.021 + 0.0096037) = 0.24771.
    low, high = wilson_interval(3, 10)
    assert (round(low, 4), round(high, 4)) == (0.1078, 0.6032)


def test_wilson_interval_without_answers_is_undefined():
    assert all(math.isnan(bound) for bound in wilson_interval(0, 0))


# --------------------------------------------------------------------------- residuals


def test_adjusted_residual_by_hand():
    # [[30, 70], [50, 350]]: expected 100 × 80 / 500 = 16,
    # variance 16 × (1 − 100/500) × (1 − 80/500) = 10.752, (30 − 16) / √10.752 = 4.2696.
    assert adjusted_residual(30, 100, 50, 400) == pytest.approx(4.2696, abs=1e-4)


@pytest.mark.parametrize(
    ("count", "n", "rest_count", "rest_n"), [(30, 100, 50, 400), (2, 40, 30, 160), (12, 30, 3, 90)]
)
def test_adjusted_residual_squared_is_pearson_chi_square(count, n, rest_count, rest_n):
    table = [[count, n - count], [rest_count, rest_n - rest_count]]
    chi2 = stats.chi2_contingency(table, correction=False).statistic
    residual = adjusted_residual(count, n, rest_count, rest_n)
    assert residual**2 == pytest.approx(chi2)
    assert math.copysign(1, residual) == math.copysign(1, count / n - rest_count / rest_n)


def test_residuals_equal_cell_residuals_of_the_full_area_table():
    # 3 areas × (has / not): adjusted residual of each "has" cell computed on the full table.
    table = {"北部": (20, 60), "中央": (15, 135), "南部": (10, 90)}
    classified = town({area: (has, others, 0) for area, (has, others) in table.items()})
    result = need_rates(classified, ["移動支援"])
    total = sum(h + o for h, o in table.values())
    column = sum(h for h, _ in table.values())
    for area, (has, others) in table.items():
        row = has + others
        expected = row * column / total
        by_hand = (has - expected) / math.sqrt(expected * (1 - row / total) * (1 - column / total))
        assert cell(result, area, "移動支援")["residual"] == pytest.approx(by_hand)


def test_empty_table_rows_give_no_residual():
    assert math.isnan(adjusted_residual(0, 0, 5, 50))
    assert math.isnan(adjusted_residual(3, 10, 0, 0))
    assert math.isnan(adjusted_residual(0, 10, 0, 50))  # nobody in the town has the need


# --------------------------------------------------------------------------- need rates


def test_need_rates_count_answers_not_respondents():
    classified = town({"北部": (6, 14, 30), "南部": (4, 36, 10)})
    result = need_rates(classified, LABELS)
    north = cell(result, "北部", "移動支援")
    assert (north["respondents"], north["n"], north["count"], north["rate"]) == (50, 20, 6, 0.3)
    assert (north["rest_n"], north["rest_count"]) == (40, 4)
    assert north["municipal_rate"] == pytest.approx(10 / 60)
    assert (north["ci_low"], north["ci_high"]) == pytest.approx(wilson_interval(6, 20))
    garbage = cell(result, "北部", "ゴミ出し")
    assert (garbage["count"], garbage["rate"]) == (0, 0.0)


def test_has_text_is_derived_from_the_normalised_text_when_absent():
    classified = responses(
        [("北部", "　", ()), ("北部", " \n", ()), ("北部", "バスがない", ("移動支援",))]
    ).drop(columns="has_text")
    row = cell(need_rates(classified, LABELS), "北部", "移動支援")
    assert (row["n"], row["count"]) == (1, 1)


def test_large_cells_use_the_residual_and_flag_a_higher_rate():
    classified = town({"北部": (30, 70, 0), "南部": (50, 350, 0)})
    result = need_rates(classified, ["移動支援"])
    north, south = cell(result, "北部", "移動支援"), cell(result, "南部", "移動支援")
    assert north["test"] == TEST_RESIDUAL
    assert north["residual"] == pytest.approx(4.2696, abs=1e-4)
    assert north["p_value"] == pytest.approx(2 * stats.norm.sf(north["residual"]))
    assert north["above"] and not south["above"]  # south is significantly *below*


def test_small_expected_counts_use_fishers_exact_test():
    classified = town({"北部": (4, 2, 0), "南部": (3, 91, 0)})
    result = need_rates(classified, ["移動支援"], settings=GapSettings(min_answers=1))
    north = cell(result, "北部", "移動支援")
    assert north["expected_min"] < 5
    assert north["test"] == TEST_EXACT
    expected = stats.fisher_exact([[4, 2], [3, 91]]).pvalue
    assert north["p_value"] == pytest.approx(expected)
    assert north["above"]
    assert not cell(result, "南部", "移動支援")["above"]


def test_residual_just_below_the_threshold_is_not_above():
    # 20/100 against 60/400: residual 1.25, not significant.
    classified = town({"北部": (20, 80, 0), "南部": (60, 340, 0)})
    north = cell(need_rates(classified, ["移動支援"]), "北部", "移動支援")
    assert 0 < north["residual"] < 1.96
    assert not north["above"]


def test_area_without_respondents_has_a_note_and_no_rate():
    classified = town({"北部": (5, 5, 0)})
    result = need_rates(classified, LABELS, areas=["北部", "中央"])
    middle = cell(result, "中央", "移動支援")
    assert (middle["n"], middle["count"]) == (0, 0)
    assert math.isnan(middle["rate"]) and math.isnan(middle["ci_low"])
    assert not middle["above"]
    assert NOTE_NO_ANSWERS in middle["note"]
    north = cell(result, "北部", "移動支援")
    assert not north["above"]  # nothing to compare with
    assert north["note"] != ""


def test_area_with_only_silent_respondents_counts_as_no_answers():
    classified = town({"北部": (5, 5, 0), "南部": (0, 0, 12)})
    south = cell(need_rates(classified, LABELS), "南部", "移動支援")
    assert south["n"] == 0 and NOTE_NO_ANSWERS in south["note"]


def test_categories_as_lists_or_pipe_text_are_accepted():
    classified = responses(
        [
            ("北部", "a", ["移動支援", "ゴミ出し"]),
            ("北部", "b", "ゴミ出し|移動支援"),
            ("南部", "c", ()),
        ]
    )
    result = need_rates(classified, LABELS)
    assert cell(result, "北部", "ゴミ出し")["count"] == 2


def test_missing_column_is_named():
    with pytest.raises(NeedsAnalysisError, match="categories"):
        need_rates(pd.DataFrame({"area": ["北部"]}), LABELS)


# --------------------------------------------------------------------------- supply


def test_supply_per_1000_and_municipal_density():
    inventory = resources(
        [
            ("移動支援", "北部", 2015),
            ("移動支援", "北部", None),  # started unknown: always counted
            ("移動支援", "南部", 2018),
            ("ゴミ出し支援", "南部", 2020),
        ]
    )
    result = supply_density(inventory, {"北部": 800, "南部": 1200}, MAPPING, LABELS, 2025)
    north = cell(result, "北部", "移動支援")
    # Every resource is held 4 times a month and none has a capacity: sessions per month.
    assert north["resources"] == 2 and north["supply_unit"] == "sessions"
    assert north["per_1000"] == pytest.approx(2 * 4 / 800 * 1000)  # 10 sessions
    assert north["municipal_per_1000"] == pytest.approx(3 * 4 / 2000 * 1000)  # 6
    assert north["sessions_per_month"] == 8.0
    assert cell(result, "南部", "移動支援")["per_1000"] == pytest.approx(4 / 1.2)
    garbage = cell(result, "北部", "ゴミ出し")
    assert (garbage["resources"], garbage["per_1000"]) == (0, 0.0)
    assert garbage["municipal_per_1000"] == pytest.approx(2.0)


def test_resources_count_only_from_their_starting_year():
    inventory = resources([("ゴミ出し支援", "北部", 2024), ("ゴミ出し支援", "北部", 2022)])
    assert len(active_resources(inventory, 2022)) == 1
    assert len(active_resources(inventory, 2023)) == 1
    assert len(active_resources(inventory, 2024)) == 2
    populations = {"北部": 1000}
    for year, expected in ((2022, 4.0), (2024, 8.0)):
        result = supply_density(inventory, populations, MAPPING, LABELS, year)
        assert cell(result, "北部", "ゴミ出し")["per_1000"] == expected


def test_one_type_can_serve_several_categories():
    mapping = {"買い物送迎": ("移動支援", "ゴミ出し")}
    result = supply_density(
        resources([("買い物送迎", "北部", None)]), {"北部": 500}, mapping, LABELS, 2025
    )
    assert list(result["resources"]) == [1, 1]


def test_zero_resources_anywhere_gives_zero_density_not_an_error():
    result = supply_density(resources([]), {"北部": 500, "南部": 700}, MAPPING, LABELS, 2025)
    assert set(result["resources"]) == {0}
    assert set(result["per_1000"]) == {0.0}
    assert set(result["municipal_per_1000"]) == {0.0}
    assert all(NOTE_NO_RESOURCES in note for note in result["note"])


def test_missing_or_zero_population_gives_a_note_not_a_division_error():
    inventory = resources([("移動支援", "北部", None), ("移動支援", "南部", None)])
    populations = {"北部": None, "南部": 0, "中央": 1000}
    result = supply_density(inventory, populations, MAPPING, LABELS, 2025)
    north, south = cell(result, "北部", "移動支援"), cell(result, "南部", "移動支援")
    assert math.isnan(north["per_1000"]) and NOTE_NO_POPULATION in north["note"]
    assert math.isnan(south["per_1000"]) and NOTE_ZERO_POPULATION in south["note"]
    # Only 中央 has a figure: its population, and none of the others' resources, count.
    assert north["municipal_per_1000"] == 0.0
    assert north["municipal_population_65"] == 1000


def test_resource_type_missing_from_the_mapping_stops():
    with pytest.raises(NeedsAnalysisError, match="配食"):
        supply_density(resources([("配食", "北部", None)]), {"北部": 100}, MAPPING, LABELS, 2025)


RESOURCE_CONFIG = """
[municipality]
name = "テスト町"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[resources]
path = "resources.csv"

[resource_categories]
"サロン" = ["居場所"]

[[areas]]
name = "北部"
population_65 = 800
"""


def test_io_stops_on_a_resource_type_missing_from_the_mapping(tmp_path: Path):
    (tmp_path / "config.toml").write_text(RESOURCE_CONFIG, encoding="utf-8")
    (tmp_path / "resources.csv").write_text(
        "資源名,種別,圏域,開始年度\n北部サロン,サロン,北部,2020\n雪の会,除雪,北部,2024\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="除雪"):
        load_resources(load_config(tmp_path / "config.toml"))


# --------------------------------------------------------------------------- gaps


def small_town() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int | None]]:
    classified = town({"北部": (30, 70, 40), "中央": (20, 180, 60), "南部": (30, 170, 50)})
    inventory = resources(
        [
            ("移動支援", "中央", 2010),
            ("移動支援", "中央", 2010),
            ("移動支援", "南部", 2010),
            ("移動支援", "北部", 2024),
        ]
    )
    return classified, inventory, {"北部": 800, "中央": 1600, "南部": 1000}


def test_gap_flag_needs_high_need_and_thin_supply():
    classified, inventory, populations = small_town()
    result = analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2022)
    north = cell(result, "北部", "移動支援")
    assert north["above"] and north["resources"] == 0
    assert north["flag"] and north["rank"] == 1
    assert north["score"] == pytest.approx(north["rate"] / north["municipal_rate"])
    assert north["verdict"] == "不足の候補"
    assert north["reason"].startswith("不足の候補：困りごとの割合 ")
    assert "この圏域に資源なし" in north["reason"]
    assert result["flag"].sum() == 1
    assert list(ranked_gaps(result)["area"]) == ["北部"]


def test_supply_at_the_municipal_density_clears_the_flag():
    classified, inventory, populations = small_town()
    result = analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2024)
    north = cell(result, "北部", "移動支援")
    # 4 / 800 = 5.0 sessions per 1,000 against 16 / 3,400 = 4.7: need high, supply adequate.
    assert north["above"] and north["per_1000"] > north["municipal_per_1000"]
    assert not north["flag"] and pd.isna(north["rank"])
    assert "不足の候補にしていません" in north["reason"] and north["verdict"] == ""


def test_thinner_supply_ranks_higher_among_equal_needs():
    rows = {"北部": (30, 70, 0), "西部": (30, 70, 0), "中央": (10, 290, 0)}
    classified = town(rows)
    inventory = resources([("移動支援", "西部", None)] + [("移動支援", "中央", None)] * 6)
    populations = {"北部": 1000, "西部": 1000, "中央": 1000}
    result = analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2025)
    ranked = ranked_gaps(result)
    assert list(ranked["area"]) == ["北部", "西部"]
    west = cell(result, "西部", "移動支援")
    assert west["supply_ratio"] == pytest.approx(1 / (7 / 3))
    assert west["score"] == pytest.approx(west["need_ratio"] * (1 - west["supply_ratio"]))


def test_inventory_only_and_survey_only_areas():
    classified = town({"北部": (30, 70, 0), "中央": (10, 190, 0)})
    inventory = resources([("移動支援", "中央", None), ("移動支援", "東部", None)])
    populations = {"北部": 900, "中央": 1500, "東部": 600}
    result = analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2025)
    assert list(dict.fromkeys(result["area"])) == ["北部", "中央", "東部"]
    east = cell(result, "東部", "移動支援")  # resources but no respondents
    assert east["n"] == 0 and east["resources"] == 1 and not east["flag"]
    assert NOTE_NO_ANSWERS in east["note"]
    north = cell(result, "北部", "移動支援")  # respondents but no resources
    assert north["resources"] == 0 and north["flag"]
    assert NOTE_NO_RESOURCES in north["note"]


def test_area_known_only_to_the_data_is_kept():
    classified = town({"北部": (30, 70, 0), "中央": (10, 190, 0)})
    inventory = resources([("移動支援", "西部", None)])
    result = analyse_gaps(
        classified, inventory, {"北部": 900, "中央": 1500}, MAPPING, LABELS, 2025, ["北部"]
    )
    assert list(dict.fromkeys(result["area"])) == ["北部", "中央", "西部"]
    west = cell(result, "西部", "移動支援")
    assert NOTE_NO_POPULATION in west["note"] and NOTE_NO_ANSWERS in west["note"]


def test_high_need_with_unknown_population_and_some_resources_is_not_flagged():
    classified = town({"北部": (30, 70, 0), "中央": (10, 190, 0)})
    inventory = resources([("移動支援", "北部", None), ("移動支援", "中央", None)])
    result = analyse_gaps(
        classified, inventory, {"北部": None, "中央": 1500}, MAPPING, LABELS, 2025
    )
    north = cell(result, "北部", "移動支援")
    assert north["above"] and not north["flag"]
    assert "人口が未設定" in north["reason"]


def test_gap_table_outer_joins_need_and_supply():
    need = need_rates(town({"北部": (3, 3, 0), "中央": (1, 9, 0)}), ["移動支援"])
    supply = supply_density(
        resources([("移動支援", "南部", None)]), {"南部": 500}, MAPPING, ["移動支援"], 2025
    )
    result = gap_table(need, supply)
    assert set(result["area"]) == {"北部", "中央", "南部"}
    south = cell(result, "南部", "移動支援")
    assert south["n"] == 0 and not south["flag"]


# --------------------------------------------------------------------------- change


def test_year_over_year_rates_flags_and_supply():
    classified, inventory, populations = small_town()
    before = analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2022)
    now = analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2024)
    change = year_over_year(now, before)
    north = cell(change, "北部", "移動支援")
    # A resource started, so the flag dropped; the rate is as high as before: not 解消.
    assert north["flag_change"] == CHANGE_DROPPED
    assert (north["resources_previous"], north["resources"], north["resources_change"]) == (
        0,
        1,
        1,
    )
    assert north["rate_change"] == pytest.approx(0.0)
    assert cell(change, "中央", "移動支援")["flag_change"] == CHANGE_NONE
    again = year_over_year(now, now)
    assert set(again["flag_change"]) == {CHANGE_NONE}
    reopened = year_over_year(before, now)
    assert cell(reopened, "北部", "移動支援")["flag_change"] == CHANGE_NEW
    kept = year_over_year(before, before)
    assert cell(kept, "北部", "移動支援")["flag_change"] == CHANGE_KEPT


def test_year_over_year_without_a_previous_year():
    classified, inventory, populations = small_town()
    now = analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2025)
    change = year_over_year(now, None)
    assert len(change) == len(now)
    assert change["rate_previous"].isna().all()
    assert all(NOTE_NO_PREVIOUS in note for note in change["note"])


def test_year_over_year_with_an_area_in_one_year_only():
    classified, inventory, populations = small_town()
    now = analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2025)
    before = now[now["area"] != "南部"]
    change = year_over_year(now, before)
    south = cell(change, "南部", "移動支援")
    assert pd.isna(south["rate_previous"]) and "前年度" in south["note"]
    assert list(dict.fromkeys(change["area"])) == ["北部", "中央", "南部"]
    assert list(change["category"][:2]) == list(LABELS)


# --------------------------------------------------------------------------- purity


def test_no_function_changes_its_input():
    classified, inventory, populations = small_town()
    classified_before, inventory_before = classified.copy(deep=True), inventory.copy(deep=True)
    need = need_rates(classified, LABELS)
    supply = supply_density(inventory, populations, MAPPING, LABELS, 2025)
    need_before, supply_before = need.copy(deep=True), supply.copy(deep=True)
    table = gap_table(need, supply)
    table_before = table.copy(deep=True)
    active_resources(inventory, 2022)
    ranked_gaps(table)
    year_over_year(table, table)
    analyse_gaps(classified, inventory, populations, MAPPING, LABELS, 2025)
    no_flag = classified.drop(columns="has_text")
    no_flag_before = no_flag.copy(deep=True)
    need_rates(no_flag, LABELS)
    pd.testing.assert_frame_equal(classified, classified_before)
    pd.testing.assert_frame_equal(inventory, inventory_before)
    pd.testing.assert_frame_equal(need, need_before)
    pd.testing.assert_frame_equal(supply, supply_before)
    pd.testing.assert_frame_equal(table, table_before)
    pd.testing.assert_frame_equal(no_flag, no_flag_before)
