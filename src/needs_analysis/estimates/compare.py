"""Is an area's corrected rate different from the rest of the town's? A z-test.

For an area with its own estimate (by the rule of :mod:`needs_analysis.estimates.areas`)
the rest of the town gets its own stratified estimate from the other areas' checks; the
two use disjoint checked answers, so the difference has variance se_a² + se_rest². For an
area with a
borrowed estimate both rates use the same correction (p̂1, p̂0), so its variance is taken
jointly: (U1_a/N_a − U1_rest/N_rest)² V(p̂1) + (U0_a/N_a − U0_rest/N_rest)² V(p̂0) plus each
side's own noise (:mod:`needs_analysis.estimates.borrow`). The p-values are raw and
two-sided; the gap flags adjust them together (Benjamini–Hochberg) downstream.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from needs_analysis.estimates.areas import MIN_OWN, choose_method, matrix
from needs_analysis.estimates.borrow import borrow, estimate_correction
from needs_analysis.estimates.core import (
    Checks,
    RateEstimate,
    build_checks,
    check_target,
    z_value,
)
from needs_analysis.estimates.rate import rate_from_checks

NOTE_NO_REST = "比べる他の圏域の回答がありません"
COLUMNS = [
    "area",
    "category",
    "method",
    "rate",
    "rest_rate",
    "difference",
    "se",
    "z",
    "p_value",
    "higher",
    "note",
]


def z_test(difference: float, se: float) -> tuple[float, float]:
    """z statistic and two-sided normal p-value (NaN, NaN when undefined)."""
    if not (math.isfinite(difference) and math.isfinite(se)) or se <= 0:
        return math.nan, math.nan
    z = difference / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def compare_rates(first: RateEstimate, second: RateEstimate) -> tuple[float, float]:
    """z statistic and two-sided p-value for ``first.rate - second.rate``.

    The two estimates must come from disjoint checked answers (independent). Returns
    (NaN, NaN) when either has no estimate.
    """
    return z_test(first.rate - second.rate, math.hypot(first.se, second.se))


def own_comparison(checks: Checks, mask: np.ndarray, target: str, z: float) -> dict[str, object]:
    own = rate_from_checks(checks.subset(mask), None, target, z)
    rest = rate_from_checks(checks.subset(~mask), None, target, z)
    statistic, p_value = compare_rates(own, rest)
    difference = own.rate - rest.rate
    se = math.hypot(own.se, rest.se)
    return dict(
        method=own.method,
        rate=own.rate,
        rest_rate=rest.rate,
        difference=difference,
        se=se,
        z=statistic,
        p_value=p_value,
        note=own.note or rest.note,
    )


def borrowed_comparison(
    checks: Checks, mask: np.ndarray, target: str, z: float
) -> dict[str, object]:
    if not checks.checked.any():
        return dict(
            method="none",
            rate=math.nan,
            rest_rate=math.nan,
            difference=math.nan,
            se=math.nan,
            z=math.nan,
            p_value=math.nan,
            note="",
        )
    correction = estimate_correction(checks, z)
    area = borrow(checks, mask, correction, target, z)
    rest = borrow(checks, ~mask, correction, target, z)
    variance = (area.share1 - rest.share1) ** 2 * correction.var1
    variance += (area.share0 - rest.share0) ** 2 * correction.var0
    se = math.sqrt(variance + area.noise + rest.noise)
    rate, rest_rate = area.rate(correction), rest.rate(correction)
    statistic, p_value = z_test(rate - rest_rate, se)
    return dict(
        method="borrowed",
        rate=rate,
        rest_rate=rest_rate,
        difference=rate - rest_rate,
        se=se,
        z=statistic,
        p_value=p_value,
        note="",
    )


def area_vs_rest(
    predicted: ArrayLike,
    truth: ArrayLike,
    checked: ArrayLike,
    areas: ArrayLike,
    categories: Sequence[str],
    *,
    inclusion_prob: ArrayLike | None = None,
    min_own: int = MIN_OWN,
    target: str = "survey",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Every area × category against the rest of the town, on corrected rates.

    Arguments as in :func:`needs_analysis.estimates.areas.area_rates`. Returns one row per
    category × area with the columns ``COLUMNS``: the area's and the rest's rates, the
    difference, its standard error, z, the raw two-sided ``p_value`` and ``higher``
    (the area's rate is the larger). An area without answers or a town of one area gets
    NaN and a note.
    """
    check_target(target)
    z = z_value(alpha)
    labels = matrix(predicted, categories, "predicted")
    marks = matrix(truth, categories, "truth")
    area_values = np.asarray(areas, dtype=object).astype(str)
    rows = []
    for column, category in enumerate(categories):
        checks = build_checks(
            labels[:, column], marks[:, column], checked, inclusion_prob, area_values
        )
        for name in sorted(set(area_values)):
            mask = area_values == name
            if mask.all():
                result = dict(
                    method="none",
                    rate=math.nan,
                    rest_rate=math.nan,
                    difference=math.nan,
                    se=math.nan,
                    z=math.nan,
                    p_value=math.nan,
                    note=NOTE_NO_REST,
                )
            elif choose_method(checks, mask, min_own, z)[0] == "own":
                result = own_comparison(checks, mask, target, z)
            else:
                result = borrowed_comparison(checks, mask, target, z)
            higher = bool(result["difference"] > 0)
            rows.append({"area": name, "category": category, **result, "higher": higher})
    return pd.DataFrame(rows, columns=COLUMNS)
