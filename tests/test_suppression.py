"""Complement cells chosen at the least cost: the cheapest set that protects every small
count (checked against every subset), fewer cells on ties, 無回答 before a named level, and
nothing recoverable by a reader who tries every value the printed figures allow."""

from __future__ import annotations

import itertools
import random

import pandas as pd

from needs_analysis.privacy.disclosure import COMPLEMENT, SHOWN, SMALL, Disclosure
from needs_analysis.privacy.suppression import cheapest_complements
from needs_analysis.textstats import category_crosstab

THRESHOLD = 5


def values_allowed(status: str, count: int, total: int) -> list[int]:
    """What a reader knows of a cell from its label."""
    if status == SMALL:
        return list(range(1, THRESHOLD))
    if status == COMPLEMENT:
        return [0, *range(THRESHOLD, total + 1)]
    return [count]


def short(counts: list[int], statuses: list[str], needed: int = 2) -> list[bool]:
    """For each small cell: fewer than ``needed`` of its values agree with the printed cells
    and the total (the sums the other cells can make, as sets, for each value it may take)."""
    total = sum(counts)
    options = [values_allowed(s, c, total) for s, c in zip(statuses, counts, strict=True)]
    result = []
    for i, status in enumerate(statuses):
        others = {0}
        for j, allowed in enumerate(options):
            if j != i:
                others = {a + b for a in others for b in allowed if a + b <= total}
        fits = [value for value in options[i] if total - value in others]
        result.append(status == SMALL and len(fits) < needed)
    return result


def pinned(counts: list[int], statuses: list[str]) -> list[bool]:
    """Small cells a reader narrows down to one value."""
    return short(counts, statuses, 2)


def test_the_cheapest_set_is_hidden_not_the_first_large_cell():
    rule = Disclosure(THRESHOLD)
    # The smallest single cell that protects is 40; two cells of 5 protect for 10.
    statuses = rule.statuses([40, 5, 1, 5])
    assert statuses == [SHOWN, COMPLEMENT, SMALL, COMPLEMENT]
    assert not any(pinned([40, 5, 1, 5], statuses))
    # Equal cost: one cell rather than two.
    assert rule.statuses([10, 1, 5, 5]) == [COMPLEMENT, SMALL, SHOWN, SHOWN]


def test_the_choice_is_the_least_cost_of_all_protecting_sets():
    # Protecting: every small count keeps its whole range 1 … 4 where some set of
    # complements gives that, else at least two values.
    rule = Disclosure(THRESHOLD)
    generator = random.Random(26)
    checked = 0
    for _ in range(300):
        counts = [generator.choice([0, 1, 2, 3, 4, 5, 6, 8, 11, 20, 45]) for _ in range(5)]
        if sum(counts) < THRESHOLD:
            continue
        statuses = rule.statuses(counts)
        base = [SMALL if 0 < c < THRESHOLD else SHOWN for c in counts]
        large = [i for i, c in enumerate(counts) if c >= THRESHOLD]
        every = [COMPLEMENT if i in large else s for i, s in enumerate(base)]
        needed = THRESHOLD - 1 if not any(short(counts, every, THRESHOLD - 1)) else 2
        if any(short(counts, every, needed)):
            continue  # nothing protects: the rule withholds the small counts instead
        assert not any(short(counts, statuses, needed)), (counts, statuses)
        cost = sum(c for c, s in zip(counts, statuses, strict=True) if s == COMPLEMENT)
        for size in range(len(large) + 1):
            for subset in itertools.combinations(large, size):
                trial = [COMPLEMENT if i in subset else s for i, s in enumerate(base)]
                if not any(short(counts, trial, needed)):
                    assert cost <= sum(counts[i] for i in subset), (counts, statuses, subset)
        checked += 1
    assert checked > 150


def test_costs_given_by_the_caller_decide():
    rule = Disclosure(THRESHOLD)
    counts = [3, 7, 50, 12]
    assert rule.statuses(counts) == [SMALL, COMPLEMENT, SHOWN, SHOWN]
    cheap_last = rule.statuses(counts, costs=[3, 7, 50, 1.2])
    assert cheap_last == [SMALL, SHOWN, SHOWN, COMPLEMENT]
    assert not any(pinned(counts, cheap_last))
    assert cheapest_complements([1, 2], [1.0, 1.0], lambda chosen: False) == [1, 2]


def test_the_crosstab_hides_the_無回答_cell_rather_than_a_named_level():
    levels = {"一人暮らし": (20, 3), "夫婦のみ": (30, 7), "その他": (90, 50), "無回答": (25, 12)}
    rows = []
    for level, (n, count) in levels.items():
        for i in range(n):
            rows.append(
                {
                    "household": level if level != "無回答" else "",
                    "categories": ("移動支援",) if i < count else ("その他",),
                    "has_text": True,
                }
            )
    table = category_crosstab(
        pd.DataFrame(rows), by="household", min_count=THRESHOLD, labels=["移動支援"]
    )
    cells = table.set_index("level")
    assert cells.loc["一人暮らし", "count_label"] == "5未満"
    assert cells.loc["無回答", "count_label"] == "非表示"
    assert cells.loc["夫婦のみ", "count_label"] == "7"
    assert cells.loc["その他", "count_label"] == "50"
    order = list(levels)
    statuses = [
        {"5未満": SMALL, "非表示": COMPLEMENT}.get(cells.loc[level, "count_label"], SHOWN)
        for level in order
    ]
    assert not any(pinned([levels[level][1] for level in order], statuses))
