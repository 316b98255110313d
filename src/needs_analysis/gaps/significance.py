"""The statistics of the need side of the gap analysis, for one 2 × 2 table at a time.

A 圏域's share of answers carrying a category gets a Wilson 95% interval and is compared with
the rest of the municipality: the adjusted standardised residual of the cell (this 圏域, has),
or Fisher's exact test when an expected count is below 5. The p-values of all cells are
then adjusted together (Benjamini–Hochberg). ``docs/method.md`` explains the choices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
SMALL_EXPECTED = 5.0  # below this expected count the exact test decides

TEST_RESIDUAL = "調整済み標準化残差"
TEST_EXACT = "Fisherの正確検定"

NOTE_NO_ANSWERS = "この圏域には自由記述の回答がありません"
NOTE_NO_REST = "比べる他の圏域の回答がありません"


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
    :func:`benjamini_hochberg` in :func:`needs_analysis.gaps.table.need_rates`.
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
