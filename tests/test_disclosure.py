"""The disclosure rule: small counts read 「5未満」, nothing derived from them is published,
and no hidden count can be recomputed from the published figures.

The brute-force test reads the figures as a reader would — the printed area tables and the
町全体 counts of the plan table — and tries every assignment of the hidden counts that
agrees with them.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.privacy.disclosure import (
    COMPLEMENT,
    COMPLEMENT_LABEL,
    COUNT_DERIVED,
    SHOWN,
    SMALL,
    Disclosure,
    people,
    protect_gaps,
)
from needs_analysis.report import charts
from needs_analysis.report.charts import area_against_municipality, rate_heatmap
from needs_analysis.report.plan import plan_table
from needs_analysis.report.views import area_rate_table, gap_display_table

THRESHOLD = 5
LABELS = ("移動支援", "ゴミ出し", "見守り", "配食")
KINDS = {label: (label,) for label in LABELS}
# Per area: answers with text, and how many of them carry each label. Chosen so that
# categories have one small cell (recoverable from the 町全体 count without a complement),
# two small cells (4 + 4), a small cell next to a cell of exactly the threshold, and an area
# with fewer answers than the threshold.
TOWN = {
    "北": (40, {"移動支援": 3, "ゴミ出し": 12, "見守り": 4, "配食": 0}),
    "中": (60, {"移動支援": 20, "ゴミ出し": 4, "見守り": 4, "配食": 5}),
    "南": (30, {"移動支援": 9, "ゴミ出し": 6, "見守り": 10, "配食": 2}),
    "東": (3, {"移動支援": 1, "ゴミ出し": 0, "見守り": 0, "配食": 0}),
    "西": (25, {"移動支援": 6, "ゴミ出し": 0, "見守り": 7, "配食": 9}),
}


def town() -> pd.DataFrame:
    rows = []
    for area, (n, counts) in TOWN.items():
        for i in range(n):
            found = tuple(label for label, count in counts.items() if i < count)
            rows.append(
                {
                    "area": area,
                    "text": f"回答{i}",
                    "categories": found or ("その他",),
                    "has_text": True,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def gaps() -> pd.DataFrame:
    resources = pd.DataFrame(
        {
            "name": ["a"],
            "type": ["配食"],
            "area": ["中"],
            "per_month": [4],
            "capacity": [None],
            "started": [None],
        }
    )
    populations = {area: 1000 for area in TOWN}
    return analyse_gaps(town(), resources, populations, KINDS, LABELS, 2025, list(TOWN))


def test_labels_and_people():
    rule = Disclosure(THRESHOLD)
    assert [rule.label(c) for c in (0, 1, 4, 5, 1234)] == ["0", "5未満", "5未満", "5", "1,234"]
    assert people(rule, 3) == "5未満" and people(rule, 12) == "12人"
    assert people(rule, 12, COMPLEMENT) == COMPLEMENT_LABEL
    assert Disclosure(10).label(3) == "10未満" and Disclosure(10).label(3000) == "3,000"
    assert "5人未満" in rule.sentence() and "「5未満」" in rule.sentence()
    assert "「8未満」" in Disclosure(8).sentence()


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([3, 40, 12, 0], [SMALL, SHOWN, COMPLEMENT, SHOWN]),  # one small cell: a complement
        ([2, 3, 40], [SMALL, SMALL, SHOWN]),  # 2 + 3 = 5 hidden: each 1–4, not pinned
        ([4, 4, 40], [SMALL, SMALL, COMPLEMENT]),  # 4 + 4 = 8: both would be pinned at 4
        ([1, 5, 9, 30], [SMALL, SHOWN, COMPLEMENT, SHOWN]),  # 1 + 5 = 6 pins 1: skip 5
        ([1, 2], [SMALL, SMALL]),  # the total is small itself, hence not published
        ([0, 7, 9], [SHOWN, SHOWN, SHOWN]),
    ],
)
def test_complements_are_chosen_deterministically(counts, expected):
    rule = Disclosure(THRESHOLD)
    assert rule.statuses(counts) == expected
    assert rule.statuses(list(counts)) == rule.statuses(counts)  # same input, same choice


def test_nothing_derived_from_a_hidden_count_is_kept(gaps):
    published = protect_gaps(gaps, Disclosure(THRESHOLD))
    hidden = published[~published["shown"]]
    assert len(hidden) >= 6
    for column in COUNT_DERIVED:
        if column in hidden.columns:
            assert hidden[column].isna().all(), column
    assert published.loc[published["shown"], "rate"].notna().all()
    # The area with 3 answers: its n is small, and another area's n hides it from the total.
    east = published[published["area"] == "東"].iloc[0]
    assert east["n_label"] == "5未満"
    assert (published.drop_duplicates("area")["n_status"] == COMPLEMENT).sum() == 1


def published_figures(gaps: pd.DataFrame):
    """What a reader has: each area's printed table, and the 町全体 counts and n."""
    per_area = {area: area_rate_table(gaps, area, THRESHOLD) for area in TOWN}
    plan = plan_table(town(), LABELS, THRESHOLD)
    totals = dict(zip(plan["heading"], plan["count_display"], strict=True))
    total_n = sum(n for n, _ in TOWN.values())  # 町全体の自由記述あり, printed in the summary
    return per_area, totals, total_n


def candidates(label: str, limit: int) -> range | list[int]:
    """Values a printed figure allows."""
    if label == f"{THRESHOLD}未満":
        return range(1, THRESHOLD)
    if label == COMPLEMENT_LABEL:
        return [0, *range(THRESHOLD, limit + 1)]
    return [int(label.replace(",", ""))]


def feasible(labels: list[str], total_label: str, limit: int) -> list[set[int]]:
    """Every value each figure can take, trying all assignments that fit the printed total."""
    ranges = [candidates(label, limit) for label in labels]
    total = None if total_label.endswith("未満") else int(total_label.replace(",", ""))
    values: list[set[int]] = [set() for _ in labels]
    for combination in itertools.product(*ranges):
        if total is None or sum(combination) == total:
            for i, value in enumerate(combination):
                values[i].add(value)
    return values


def test_no_hidden_count_can_be_recomputed_from_the_published_figures(gaps):
    per_area, totals, total_n = published_figures(gaps)
    hidden_seen = 0
    for label in LABELS:
        printed = [per_area[area].set_index("分類").loc[label, "該当"] for area in TOWN]
        values = feasible(printed, totals[label], limit=total_n)
        for area, shown, possible in zip(TOWN, printed, values, strict=True):
            if shown in (f"{THRESHOLD}未満", COMPLEMENT_LABEL):
                hidden_seen += 1
                true = TOWN[area][1][label]
                assert true in possible  # the brute force is sound
                assert len(possible) >= 2, f"{area}／{label}: {shown} is exactly {possible}"
    assert hidden_seen >= 6
    printed_n = [per_area[area]["自由記述"].iloc[0] for area in TOWN]
    for area, shown, possible in zip(
        TOWN, printed_n, feasible(printed_n, str(total_n), total_n), strict=True
    ):
        if shown in (f"{THRESHOLD}未満", COMPLEMENT_LABEL):
            assert len(possible) >= 2, f"n of {area} is exactly {possible}"


def test_without_complements_the_brute_force_finds_the_hidden_counts(gaps):
    """The check can fail: with 「5未満」 alone, 南／配食 is the 町全体 count minus the rest,
    and 北 and 中／見守り (4 + 4) are pinned by theirs."""
    _, totals, total_n = published_figures(gaps)
    for label in ("配食", "見守り"):
        printed = [Disclosure(THRESHOLD).label(TOWN[area][1][label]) for area in TOWN]
        values = feasible(printed, totals[label], limit=total_n)
        pinned = [
            len(v) == 1 and shown == "5未満" for v, shown in zip(values, printed, strict=True)
        ]
        assert any(pinned), label


def test_printed_tables_and_charts_carry_nothing_for_hidden_cells(gaps):
    published = protect_gaps(gaps, Disclosure(THRESHOLD))
    for area in TOWN:
        table = area_rate_table(gaps, area, THRESHOLD)
        rows = published[published["area"] == area]
        for printed, shown in zip(table.itertuples(index=False), rows["shown"], strict=True):
            if not shown:
                assert printed.割合 == "—" and printed[4] == "—〜—"  # the range
    figure = rate_heatmap(gaps, list(TOWN), LABELS, THRESHOLD)
    # One rectangle per cell (vector graphics on paper) and the cells' texts, row by row.
    heat = figure.data[0]
    for i, area in enumerate(TOWN):
        for j, label in enumerate(LABELS):
            row = published[(published["area"] == area) & (published["category"] == label)].iloc[0]
            k = i * len(LABELS) + j
            hover = heat.hovertext[k]
            assert "人数" not in hover and "5未満人" not in hover
            if not row["shown"]:
                assert figure.layout.shapes[k].fillcolor == charts._NO_RATE
                assert "95%区間" not in hover and "残差" not in hover
                assert "%" not in heat.text[k]
    chart = area_against_municipality(gaps, "北", THRESHOLD)
    bars = chart.data[0]
    hidden = published[(published["area"] == "北") & ~published["shown"]]
    for label in hidden["category"]:
        index = list(bars.y).index(label)
        assert bars.x[index] is None or math.isnan(bars.x[index])
        assert chart.layout.annotations[index].text in ("5未満", COMPLEMENT_LABEL, "—")


def test_gap_table_never_reads_5未満人(gaps):
    shown = gap_display_table(gaps, THRESHOLD).to_string()
    assert "5未満人" not in shown


def test_a_flagged_gap_is_hidden_as_a_complement_only_as_a_last_resort():
    rule = Disclosure(THRESHOLD)
    assert rule.statuses([3, 8, 12]) == [SMALL, COMPLEMENT, SHOWN]
    assert rule.statuses([3, 8, 12], last_resort=[False, True, False]) == [SMALL, SHOWN, COMPLEMENT]
    assert rule.statuses([3, 8, 0], last_resort=[False, True, False]) == [SMALL, COMPLEMENT, SHOWN]


def test_attribute_crosstab_hides_a_complement_too():
    from needs_analysis.textstats import category_crosstab, crosstab_table

    frame = pd.DataFrame(
        {
            "household": ["一人暮らし"] * 3 + ["夫婦のみ"] * 20 + ["その他"] * 30,
            "categories": [("移動支援",)] * 3
            + [("移動支援",)] * 8
            + [("その他",)] * 12
            + [("移動支援",)] * 12
            + [("その他",)] * 18,
            "has_text": True,
        }
    )
    table = category_crosstab(frame, by="household", min_count=5, labels=["移動支援"])
    cells = table.set_index("level")
    assert cells.loc["一人暮らし", "count_label"] == "5未満"
    assert cells.loc["夫婦のみ", "count_label"] == COMPLEMENT_LABEL  # 8, the smallest that protects
    assert pd.isna(cells.loc["夫婦のみ", "rate"]) and pd.isna(cells.loc["夫婦のみ", "residual"])
    assert cells.loc["その他", "count_label"] == "12"
    # The levels' n add up to all answers: the 3 of 一人暮らし needs a complement as well.
    assert cells.loc["一人暮らし", "n_label"] == "5未満"
    assert cells.loc["夫婦のみ", "n_label"] == COMPLEMENT_LABEL
    shown = crosstab_table(table).set_index("区分")
    assert shown.loc["夫婦のみ", "移動支援"] == COMPLEMENT_LABEL


def test_a_count_is_one_cell_and_one_label_wherever_it_is_printed():
    rule = Disclosure(THRESHOLD)
    counts = (0, 3, 1234, None, math.nan, pd.NA)
    assert [rule.cell(c) for c in counts] == [0, "5未満", 1234, None, None, None]
    assert [rule.label(c) for c in counts] == ["0", "5未満", "1,234", "—", "—", "—"]
    assert rule.cell(40, COMPLEMENT) == COMPLEMENT_LABEL == rule.label(40, COMPLEMENT)
