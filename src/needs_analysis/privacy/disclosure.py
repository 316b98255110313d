"""Whether, and how, a count of respondents may be published: small counts and their
complements, for one group of counts or a whole gap table.

:mod:`needs_analysis.privacy.masking` re-exports these names beside the masking.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from needs_analysis.privacy.feasible import fitting_values, reader_bounds

SHOWN = "shown"
SMALL = "small"  # under the threshold: reads 「5未満」
COMPLEMENT = "complement"  # hidden so that a small cell cannot be found by subtraction
COMPLEMENT_LABEL = "非表示"
# A small count whose label would pin it (its group has no count that could protect it,
# say 4 + 4 + 4 of a published 12): not printed at all, so not even 「5未満」 is told.
WITHHELD = "withheld"
WITHHELD_LABEL = "—"

# Columns of a gap table that are computed from a cell's count or from its area's n; a
# hidden count or n takes all of them with it.
COUNT_DERIVED = (
    "rate",
    "model_rate",
    "se",
    "ci_low",
    "ci_high",
    "rest_count",
    "rest_rate",
    "expected_min",
    "residual",
    "p_value",
    "q_value",
    "need_ratio",
    "score",
)
N_DERIVED = ("rest_n",)
MUNICIPAL_DERIVED = (
    "municipal_rate",
    "model_municipal_rate",
    "municipal_ci_low",
    "municipal_ci_high",
)


class Disclosure:
    """The one rule for whether, and how, a count of respondents may be published.

    A count from 1 to ``threshold`` − 1 is *small* and reads 「5未満」; nothing computed from
    it is published. Counts that add up to a published total (the 圏域 of one category add up
    to the 町全体 count) are protected together: where a small count could be narrowed down
    by subtraction, further counts of the group are hidden too (*complement*, 「非表示」).
    A small count is *protected* when every value its label allows (1 to threshold − 1)
    agrees with everything published; where no choice of complements achieves that, at
    least two values must. The complement is the smallest count of at least the threshold
    that protects on its own (ties: the first in the order given; counts marked as a last
    resort after all others), else the smallest, and the search goes on.

    Bounds count as much as equations: a total that is the union of several counts (a
    roll-up heading of the plan table) is at most their sum, so it tells a lower bound on a
    hidden member (:func:`~needs_analysis.privacy.bounds.union_status`); a count is at most
    its group's n (:func:`~needs_analysis.privacy.bounds.bounded_recoverable`).

    >>> rule = Disclosure(5)
    >>> rule.label(3), rule.label(0), rule.label(1234)
    ('5未満', '0', '1,234')
    >>> rule.statuses([3, 40, 12, 0])
    ['small', 'shown', 'complement', 'shown']
    """

    def __init__(self, threshold: int) -> None:
        self.threshold = int(threshold)

    def __repr__(self) -> str:
        return f"Disclosure({self.threshold})"

    @property
    def small_label(self) -> str:
        """「5未満」 for a threshold of 5."""
        return f"{self.threshold}未満"

    def is_small(self, count: object) -> bool:
        """True for a count from 1 to threshold − 1 (0 and missing counts are not small)."""
        try:
            value = int(count)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return False
        return 0 < value < self.threshold

    def cell(self, count: object, status: str | None = None) -> int | str | None:
        """The count as a table cell: the integer where it is published, 「5未満」 or
        「非表示」 where it is not (``status`` from :meth:`statuses` when the count is
        protected with its group), None when there is none."""
        if _missing(count):
            return None
        if status is None:
            status = SMALL if self.is_small(count) else SHOWN
        if status == SMALL:
            return self.small_label
        if status == COMPLEMENT:
            return COMPLEMENT_LABEL
        if status == WITHHELD:
            return None
        return int(count)  # type: ignore[call-overload]

    def label(self, count: object, status: str | None = None) -> str:
        """The count as printed: 「5未満」, 「非表示」, 「—」 for none, or the number (1,234)."""
        cell = self.cell(count, status)
        if cell is None:
            return "—"
        return f"{cell:,}" if isinstance(cell, int) else cell

    def sentence(self) -> str:
        """The rule in one sentence for a handout, with the configured threshold."""
        return (
            f"人数が{self.threshold}人未満のところは「{self.small_label}」とし、"
            "割合などそこから計算できる数字は出していません。"
            f"引き算で分かってしまうところも「{COMPLEMENT_LABEL}」にしています。"
        )

    def statuses(
        self,
        counts: Sequence[int],
        total_published: bool | None = None,
        last_resort: Sequence[bool] | None = None,
        lower: Sequence[int] | None = None,
        upper: Sequence[int | None] | None = None,
    ) -> list[str]:
        """Small / complement / shown for counts whose total is published.

        ``total_published`` defaults to "the total is not itself small". Counts marked in
        ``last_resort`` (a flagged gap, say) are taken as complements only when no other
        count protects. ``lower`` and ``upper`` are bounds on each count that the reader
        finds elsewhere (a 圏域's n bounds its counts from above; a published count bounds
        its 圏域's n from below); None: none.
        """
        values = [int(count) for count in counts]
        bounds = reader_bounds(len(values), lower, upper)
        status = [SMALL if self.is_small(value) else SHOWN for value in values]
        if total_published is None:
            total_published = not self.is_small(sum(values))
        if not total_published or self.threshold <= 2:
            return status  # under a threshold of 2 the label itself says 1: nothing to protect
        avoid = list(last_resort) if last_resort is not None else [False] * len(values)
        candidates = [
            index
            for _, _, index in sorted(
                (bool(avoid[index]), value, index)
                for index, value in enumerate(values)
                if value >= self.threshold
            )
        ]

        def protects(needed: int) -> Callable[[Sequence[int]], bool]:
            """Whether hiding these candidates leaves every small count ``needed`` values."""
            return lambda hidden: (
                not self._recoverable(values, _with(status, *hidden), needed, bounds)
            )

        # The whole range 1 … threshold − 1 where some choice gives it; else two values.
        whole = protects(self.threshold - 1)
        needed = self.threshold - 1 if whole(candidates) else 2
        chosen = _complements(candidates, protects(needed))
        status = _with(status, *chosen)
        if self._recoverable(values, status, 2, bounds):
            # Nothing protects: the small counts are not labelled at all.
            status = [WITHHELD if value == SMALL else value for value in status]
        return status

    def _recoverable(
        self,
        values: list[int],
        status: list[str],
        needed: int = 2,
        bounds: list[tuple[int, int | None]] | None = None,
    ) -> bool:
        """Whether some small count has fewer than ``needed`` of the values its label allows
        (within the bounds the reader knows) that fit the total."""
        bounds = bounds or reader_bounds(len(values), None, None)
        hidden = [i for i, s in enumerate(status) if s != SHOWN]
        total = sum(values[i] for i in hidden)
        for i in hidden:
            if not self.is_small(values[i]) or status[i] == COMPLEMENT:
                continue
            others = [self._ranges(status[j], *bounds[j]) for j in hidden if j != i]
            (own,) = self._ranges(status[i], *bounds[i])
            allowed = range(own[0], min(own[1], total) + 1)
            fits = fitting_values(own, others, total)
            wanted = needed if status[i] == SMALL else 2  # a withheld count has no label
            if len(fits) < min(wanted, max(len(allowed), 2)):
                return True
        return False

    def _ranges(self, status: str, low: int, high: int | None) -> list[tuple[int, int]]:
        """The values a hidden count may take: 1 … threshold − 1 for a small one; 0 or from
        the threshold up for a complement; within the reader's bounds."""
        top = high if high is not None else 10**12
        if status == SMALL:
            return [(max(1, low), min(self.threshold - 1, top))]
        if status == WITHHELD:
            return [(max(0, low), top)]
        ranges = [(0, 0)] if low <= 0 else []
        return [*ranges, (max(self.threshold, low), top)]

    def protect(
        self,
        frame,
        count: str,
        within: Sequence[str],
        last_resort: str | None = None,
        upper: str | None = None,
        lower: str | None = None,
    ):
        """The status of every row's ``count``, protected group by group (``within``).

        Returns a Series of statuses aligned with ``frame``; rows keep their order, so the
        choice of complement cells is the same on every run. Rows whose ``last_resort``
        column is true are hidden as complements only when nothing else protects;
        ``upper`` / ``lower`` name columns of bounds the reader knows (see :meth:`statuses`).
        """
        import pandas as pd

        result = pd.Series(SHOWN, index=frame.index, dtype=object)
        for _, group in frame.groupby(list(within), sort=False):
            counts = group[count].fillna(0).astype(int).tolist()
            avoid = group[last_resort].fillna(False).astype(bool).tolist() if last_resort else None
            highs = [None if pd.isna(v) else int(v) for v in group[upper]] if upper else None
            lows = group[lower].fillna(0).astype(int).tolist() if lower else None
            result.loc[group.index] = self.statuses(
                counts, last_resort=avoid, lower=lows, upper=highs
            )
        return result


def _with(status: list[str], *indices: int) -> list[str]:
    changed = list(status)
    for index in indices:
        changed[index] = COMPLEMENT
    return changed


def _complements(candidates: Sequence[int], protects: Callable[[Sequence[int]], bool]) -> list[int]:
    """The counts to hide, from ``candidates`` in order of preference: the first that
    protects on its own, else the first and the search goes on (all of them where nothing
    protects). ``protects(hidden)`` says whether hiding ``hidden`` leaves nothing found."""
    chosen: list[int] = []
    left = list(candidates)
    while left and not protects(chosen):
        pick = next((c for c in left if protects([*chosen, c])), left[0])
        left.remove(pick)
        chosen.append(pick)
    return chosen


def people(disclosure: Disclosure, count: object, status: str | None = None) -> str:
    """A number of people as printed: 「12人」, but 「5未満」 and 「非表示」 without 人.

    >>> people(Disclosure(5), 12), people(Disclosure(5), 3)
    ('12人', '5未満')
    """
    label = disclosure.label(count, status)
    if label in (disclosure.small_label, COMPLEMENT_LABEL, WITHHELD_LABEL):
        return label
    return f"{label}人"


def protect_gaps(gaps, disclosure: Disclosure):
    """A copy of a gap table as it may be published, with the status and label of each count.

    Adds ``count_status`` / ``count_label`` (the 圏域 of a category add up to the 町全体
    count; each is at most its 圏域's n), ``n_status`` / ``n_label`` and
    ``respondents_status`` / ``respondents_label`` (the 圏域 add up to the 町全体 figures;
    a hidden n is at least the 圏域's largest published count, hidden respondents at least
    the published n) and ``shown`` (the cell's figures may be published). Where a count or the area's n is hidden, every column computed from it
    (:data:`COUNT_DERIVED`) is emptied; the municipal rate of a category whose 町全体 count
    is small is emptied too.
    """
    result = gaps.copy()
    flagged = "flag" if "flag" in result.columns else None
    # A count is at most its 圏域's n, which the reader may know: an upper bound.
    upper = "n" if "n" in result.columns else None
    result["count_status"] = disclosure.protect(result, "count", ["category"], flagged, upper)
    result["count_label"] = [
        disclosure.label(value, status)
        for value, status in zip(result["count"], result["count_status"], strict=True)
    ]
    # A published count is at most its 圏域's n, and the n at most its respondents: lower
    # bounds on a hidden n (and respondents).
    published = result["count"].where(result["count_status"] == SHOWN, 0).fillna(0)
    lower = published.groupby(result["area"], sort=False).max()
    areas = result.drop_duplicates("area").set_index("area")
    for column in ("n", "respondents"):
        if column not in result.columns:
            continue
        if column == "respondents" and "n_status" in areas.columns:
            n_shown = areas["n_status"] == SHOWN
            lower = areas["n"].where(n_shown, lower.reindex(areas.index)).fillna(0)
        statuses = disclosure.statuses(
            areas[column].fillna(0), lower=lower.reindex(areas.index).fillna(0).astype(int)
        )
        areas[f"{column}_status"] = statuses
        result[f"{column}_status"] = result["area"].map(
            dict(zip(areas.index, statuses, strict=True))
        )
        result[f"{column}_label"] = [
            disclosure.label(value, status)
            for value, status in zip(result[column], result[f"{column}_status"], strict=True)
        ]
    n_hidden = result["n_status"] != SHOWN if "n_status" in result.columns else False
    result["shown"] = (result["count_status"] == SHOWN) & ~n_hidden
    for column in COUNT_DERIVED:
        if column in result.columns:
            result[column] = result[column].where(result["shown"])
    for column in N_DERIVED:
        if column in result.columns:
            result[column] = result[column].where(~n_hidden)
    if "municipal_count" in result.columns:
        small_total = result["municipal_count"].map(disclosure.is_small)
        for column in MUNICIPAL_DERIVED:
            if column in result.columns:
                result[column] = result[column].where(~small_total)
    if "corrected" in result.columns and result["corrected"].fillna(False).astype(bool).any():
        result = _protect_corrected(result, gaps, disclosure)
    return result


def _protect_corrected(result, gaps, disclosure: Disclosure):
    """The same rule for the corrected rates: a corrected rate times its n is a count of
    people too (exactly so where every answer of an area was checked), so where it is
    small, or could be found by subtraction, the cell's figures are hidden
    (``corrected_status``) as a hidden count hides them; the town's corrected rate goes
    where its count is small."""
    import pandas as pd

    corrected = gaps["corrected"].fillna(False).astype(bool)
    implied = (gaps["rate"] * gaps["n"]).where(corrected).fillna(0).round().astype(int)
    frame = pd.DataFrame({"category": gaps["category"], "implied": implied})
    flagged = None
    if "flag" in gaps.columns:
        frame["flag"] = gaps["flag"]
        flagged = "flag"
    status = disclosure.protect(frame, "implied", ["category"], flagged).where(corrected, SHOWN)
    result["corrected_status"] = status
    result["shown"] = result["shown"] & (status == SHOWN)
    for column in COUNT_DERIVED:
        if column in result.columns:
            result[column] = result[column].where(result["shown"])
    town = (gaps["municipal_rate"] * gaps["municipal_n"]).where(corrected).fillna(0).round()
    small_town = town.map(disclosure.is_small)
    for column in MUNICIPAL_DERIVED:
        if column in result.columns:
            result[column] = result[column].where(~small_town)
    return result


def _missing(count: object) -> bool:
    """No count at all: None, NaN or pandas' NA (which no number can be made of)."""
    if count is None:
        return True
    try:
        return math.isnan(float(count))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True
