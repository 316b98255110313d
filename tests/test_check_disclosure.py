"""Disclosure control over the corrected rates and the 補正した割合 sheet: a hidden cell stays
hidden, a corrected rate that stands for a small count is hidden as a small count is, and
the brute force finds no hidden count from what the sheet publishes."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from needs_analysis.gaps.corrected import CHECKED_COLUMN, INCLUSION_COLUMN
from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.privacy.disclosure import COMPLEMENT, SHOWN, SMALL, Disclosure, protect_gaps
from needs_analysis.report.corrected import COLUMNS, corrected_sheet
from needs_analysis.report.rundata import CheckInfo

THRESHOLD = 5
LABELS = ("移動支援", "見守り", "配食")
# Per area: answers with text, answers checked (the first ones; every answer of 北 and 東),
# and per category the model's count and the coordinator's count among all its answers.
# 北／配食: the model labels 6 (shown), the check of every answer finds 2 — a corrected
# rate of 5% would print that small count. 東 has fewer answers than the threshold.
TOWN = {
    "北": (40, 40, {"移動支援": (3, 3), "見守り": (12, 10), "配食": (6, 2)}),
    "中": (60, 30, {"移動支援": (20, 22), "見守り": (4, 5), "配食": (9, 12)}),
    "南": (30, 15, {"移動支援": (9, 7), "見守り": (10, 10), "配食": (5, 6)}),
    "西": (25, 10, {"移動支援": (6, 6), "見守り": (7, 9), "配食": (8, 8)}),
    "東": (3, 3, {"移動支援": (1, 1), "見守り": (0, 0), "配食": (0, 0)}),
}


def answers() -> pd.DataFrame:
    rows = []
    for area, (n, checked, counts) in TOWN.items():
        for i in range(n):
            model = tuple(label for label, (m, _) in counts.items() if i < m)
            human = tuple(label for label, (_, h) in counts.items() if i < h)
            rows.append(
                {
                    "area": area,
                    "text": f"{area}{i}",
                    "has_text": True,
                    "categories": model or ("その他",),
                    CHECKED_COLUMN: human if i < checked else None,
                    INCLUSION_COLUMN: checked / n if i < checked else math.nan,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def gaps() -> pd.DataFrame:
    return analyse_gaps(
        answers(),
        pd.DataFrame(columns=["name", "type", "area", "per_month", "capacity", "started"]),
        dict.fromkeys(TOWN, 1000),
        {},
        LABELS,
        2025,
        list(TOWN),
    )


@pytest.fixture(scope="module")
def sheet(gaps) -> pd.DataFrame:
    run = SimpleNamespace(
        disclosure=Disclosure(THRESHOLD),
        areas=list(TOWN),
        check=CheckInfo("check.xlsx", sum(checked for _, checked, _ in TOWN.values())),
    )
    table = corrected_sheet(run, SimpleNamespace(gaps=gaps)).frame
    assert list(table.columns) == COLUMNS
    return table.set_index(["圏域", "分類"])


def feasible(candidates: list, total: int | None) -> list[set[int]]:
    """Every value each figure can take among all the assignments that fit the total
    (every assignment is tried: the sums the other figures can reach, figure by figure)."""
    if total is None:
        return [set(c) for c in candidates]
    values = []
    for i, own in enumerate(candidates):
        reachable = {0}
        for j, other in enumerate(candidates):
            if j != i:
                reachable = {s + v for s in reachable for v in other if s + v <= total}
        values.append({v for v in own if total - v in reachable})
    return values


def candidates_of(status: str, known: int | None, limit: int):
    """The values a printed figure allows; ``limit``: the area's answers (a reader who
    knows it is stronger than one who does not)."""
    if status == SMALL:
        return range(1, THRESHOLD)
    if status == COMPLEMENT:
        return [0, *range(THRESHOLD, limit + 1)]
    return [known]


def test_hidden_cells_stay_hidden_in_the_sheet(gaps, sheet):
    published = protect_gaps(gaps, Disclosure(THRESHOLD))
    for row in published.itertuples(index=False):
        printed = sheet.loc[(row.area, row.category)]
        figures = printed[["自動の割合", "補正した割合", "95%区間の下限", "95%区間の上限"]]
        if row.shown:
            assert figures.notna().all(), (row.area, row.category)
        else:
            assert figures.isna().all(), (row.area, row.category)
            assert printed["補正の方法"] == ""
    # 北／配食: the model's count (6) is published, its corrected rate (2 of 40) is not.
    north = published[(published["area"] == "北") & (published["category"] == "配食")].iloc[0]
    assert north["count_status"] == SHOWN and north["corrected_status"] == SMALL
    assert pd.isna(sheet.loc[("北", "配食"), "補正した割合"])


def test_without_the_corrected_rule_the_sheet_would_print_a_small_count(gaps):
    """The check can fail: 北 was checked in full, so its corrected rate times its n is the
    coordinator's count, 2, which the automatic statuses alone would let through."""
    north = gaps[(gaps["area"] == "北") & (gaps["category"] == "配食")].iloc[0]
    assert north["count"] >= THRESHOLD
    assert round(north["rate"] * north["n"]) == 2


def test_no_hidden_count_can_be_recomputed_from_the_sheet(gaps, sheet):
    """A reader has the sheet, every count label of 困りごとと資源 and the areas' n where
    printed; hidden counts (the model's) and hidden corrected counts (rate × n) each keep
    at least two values that fit the 町全体 figure."""
    published = protect_gaps(gaps, Disclosure(THRESHOLD))
    total_n = sum(n for n, _, _ in TOWN.values())
    areas = published.drop_duplicates("area").set_index("area")
    printed_n = sum(TOWN[a][0] for a in TOWN if areas.at[a, "n_status"] == SHOWN)
    limit = {
        a: TOWN[a][0] if areas.at[a, "n_status"] == SHOWN else total_n - printed_n for a in TOWN
    }
    hidden_seen = 0
    for label in LABELS:
        rows = published[published["category"] == label].set_index("area")
        full = gaps[gaps["category"] == label].set_index("area")
        implied = (full["rate"] * full["n"]).fillna(0).round().astype(int)
        town = sheet.loc[("町全体", label)]
        checks = {
            "自動の割合": [(a, rows.at[a, "count_status"], int(full.at[a, "count"])) for a in TOWN],
            "補正した割合": [(a, rows.at[a, "corrected_status"], int(implied[a])) for a in TOWN],
        }
        for column, cells in checks.items():
            candidates = []
            for area, status, truth in cells:
                printed = sheet.loc[(area, label), column]
                if not pd.isna(printed):
                    count = round(printed * TOWN[area][0])
                    assert not 0 < count < THRESHOLD, f"{area}／{label}／{column}: {count}"
                    candidates.append([count])
                elif column == "自動の割合" and status == SHOWN:
                    candidates.append([truth])  # printed as a count on 困りごとと資源
                elif status == SHOWN:  # hidden with the model's count: anything possible
                    candidates.append(range(0, limit[area] + 1))
                else:
                    candidates.append(candidates_of(status, None, limit[area]))
            if column == "自動の割合" and not pd.isna(town[column]):
                total = round(town[column] * total_n)
            else:
                total = sum(truth for *_, truth in cells)  # the strongest reader: exact sums
            for (area, _, truth), allowed, possible in zip(
                cells, candidates, feasible(candidates, total), strict=True
            ):
                if len(allowed) > 1:
                    hidden_seen += 1
                    assert truth in possible, (label, column, area)  # the brute force is sound
                    assert len(possible) >= 2, f"{area}／{label}／{column}: {possible}"
    assert hidden_seen >= 6


def test_checked_answers_of_areas_go_with_their_answers(sheet):
    # 東's answers are hidden, so no area's checked answers are printed: with the others'
    # shares, 東's (all of its answers) could be worked out from the town's total.
    areas = sheet.drop(index="町全体", level=0)
    assert set(areas["確認した回答"]) == {"非表示"}
    assert set(sheet.loc["町全体", "確認した回答"]) == {98}
