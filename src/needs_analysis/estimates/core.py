"""Shared arithmetic of the corrected rates: the checked sample, design weights, variances.

A *check* is a coordinator reading an answer and marking its categories. The answers that
were checked form a sample drawn from the answers with known inclusion probabilities,
stratified by area. Everything here works on one category at a time, on full-length arrays
(one entry per answer), so that restricting to an area or to the rest of the town is a
boolean mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from needs_analysis.errors import NeedsAnalysisError

TARGETS = ("survey", "answers")

NOTE_NO_CHECKS = "点検した回答がないため、補正した割合は出せません（機械の分類による割合のみ）"
NOTE_NO_ANSWERS = "回答がありません"
NOTE_COLLAPSED = "点検した回答のない圏域があるため、圏域に分けずに補正しています"


@dataclass(frozen=True)
class RateEstimate:
    """A corrected need rate with its interval.

    ``rate``: the estimate, clipped to [0, 1] (NaN when there is none); ``ci_low``/``ci_high``:
    its confidence interval, clipped to [0, 1]; ``se``: the standard error before clipping;
    ``model_rate``: the share of answers the model labelled; ``lam``: the weight given to the
    model's labels (0 = the checked answers alone, 1 = plain prediction-powered inference);
    ``method``: ``"own"`` (the answers' own checks), ``"borrowed"`` (the town's correction
    applied to the area's unchecked answers) or ``"none"``; ``note``: a Japanese sentence
    for the coordinator, empty when there is nothing to say.
    """

    rate: float
    ci_low: float
    ci_high: float
    se: float
    model_rate: float
    n_answers: int
    n_checked: int
    lam: float
    method: str
    note: str = ""


@dataclass(frozen=True)
class Checks:
    """One category's labels on full-length arrays (internal).

    ``yhat``: the model's 0/1 label of every answer; ``y``: the coordinator's 0/1 label, NaN
    where the answer was not checked; ``weight``: 1 / inclusion probability for checked
    answers, 0 elsewhere; ``stratum``: an integer area code per answer.
    """

    yhat: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    stratum: np.ndarray

    @property
    def checked(self) -> np.ndarray:
        return self.weight > 0

    def subset(self, mask: np.ndarray) -> Checks:
        return Checks(self.yhat[mask], self.y[mask], self.weight[mask], self.stratum[mask])


def z_value(alpha: float) -> float:
    """The two-sided normal quantile for a ``1 - alpha`` interval."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return float(stats.norm.ppf(1 - alpha / 2))


def binary(values: ArrayLike, name: str) -> np.ndarray:
    """A 0/1 float array; anything else is an error the coordinator can fix."""
    array = np.asarray(values, dtype=float)
    if array.size and not np.isin(array, (0.0, 1.0)).all():
        raise NeedsAnalysisError(f"{name}は 0 か 1 で指定してください。")
    return array


def build_checks(
    predicted: ArrayLike,
    truth: ArrayLike,
    checked: ArrayLike,
    inclusion_prob: ArrayLike | None = None,
    areas: ArrayLike | None = None,
) -> Checks:
    """Validate the public inputs of one category and lay them out per answer."""
    yhat = binary(predicted, "機械の分類").ravel()
    size = yhat.size
    positions = np.asarray(checked, dtype=np.int64).ravel()
    y_checked = binary(truth, "点検した分類").ravel()
    if positions.size != y_checked.size:
        raise ValueError("checked and truth must have the same length")
    if positions.size and (positions.min() < 0 or positions.max() >= size):
        raise NeedsAnalysisError("点検した回答の番号が、回答の数の範囲を超えています。")
    if np.unique(positions).size != positions.size:
        raise NeedsAnalysisError("同じ回答が2回以上点検の対象になっています。")
    codes = area_codes(areas, size)
    y = np.full(size, np.nan)
    y[positions] = y_checked
    weight = np.zeros(size)
    if inclusion_prob is None:
        totals = np.bincount(codes, minlength=codes.max(initial=0) + 1)
        drawn = np.bincount(codes[positions], minlength=totals.size)
        weight[positions] = totals[codes[positions]] / drawn[codes[positions]]
    else:
        pi = np.asarray(inclusion_prob, dtype=float).ravel()
        if pi.size != positions.size:
            raise ValueError("inclusion_prob and checked must have the same length")
        if pi.size and not ((pi > 0) & (pi <= 1)).all():
            raise NeedsAnalysisError("抽出確率は 0 より大きく 1 以下で指定してください。")
        weight[positions] = 1.0 / pi
    return Checks(yhat, y, weight, codes)


def area_codes(areas: ArrayLike | None, size: int) -> np.ndarray:
    """Integer codes 0..k-1 for the area of every answer (all 0 when ``areas`` is None)."""
    if areas is None:
        return np.zeros(size, dtype=np.int64)
    values = np.asarray(areas, dtype=object).ravel()
    if values.size != size:
        raise ValueError("areas must give one area per answer")
    _, codes = np.unique(values.astype(str), return_inverse=True)
    return codes.astype(np.int64)


def stratum_counts(checks: Checks) -> tuple[np.ndarray, np.ndarray]:
    """Answers and checked answers per stratum code."""
    length = checks.stratum.max(initial=0) + 1
    answers = np.bincount(checks.stratum, minlength=length)
    drawn = np.bincount(checks.stratum[checks.checked], minlength=length)
    return answers, drawn


def total_variance(checks: Checks, values: np.ndarray, z: float, fpc: bool = True) -> float:
    """Estimated variance of the weighted total ``sum(weight * values)`` over checked answers.

    Stratified, with the with-replacement form inside each stratum times the finite
    population correction ``1 - n_h / N_h`` (when ``fpc``). A stratum with a single check
    (and more answers) has no estimate of its own: it gets (1 - f_h) N_h² times
    :func:`guard_variance` of one check (``values`` are errors in [-1, 1]).
    """
    mask = checks.checked
    code = checks.stratum[mask]
    weight = checks.weight[mask]
    e = weight * values[mask]
    answers, drawn = stratum_counts(checks)
    length = drawn.size

    def per_stratum(terms: np.ndarray) -> np.ndarray:
        return np.bincount(code, weights=terms, minlength=length)

    means = np.divide(per_stratum(e), drawn, out=np.zeros(length), where=drawn > 0)
    squares = per_stratum((e - means[code]) ** 2)
    keep = 1.0 - drawn / np.maximum(answers, 1) if fpc else np.ones(length)
    factor = np.divide(drawn, drawn - 1, out=np.zeros(length), where=drawn > 1)
    variance = keep * factor * squares
    single = (drawn == 1) & (answers > 1)
    variance[single] = keep[single] * per_stratum(weight)[single] ** 2 * guard_variance(1, z)
    return float(variance.sum())


def kish_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of design weights: (sum w)^2 / sum w^2."""
    weights = weights[weights > 0]
    if weights.size == 0:
        return 0.0
    return float(weights.sum() ** 2 / np.sum(weights**2))


def guard_variance(n_effective: float, z: float) -> float:
    """The variance added for disagreements the checks may have missed, c / (n (n + c)).

    c = z²/2 (≈ 1.92) pseudo-disagreements, as the Wilson and Agresti–Caffo intervals add
    pseudo-counts: with n checks it is the variance of a mean whose n + c values hold c
    full disagreements. It is added to the estimated variance, so checks that all agree
    still get an interval (about ± 2.7 / n), and few observed disagreements (whose spread
    is underestimated as often as not) get a wider one.
    """
    if n_effective <= 0:
        return np.inf
    pseudo = z * z / 2
    return pseudo / (n_effective * (n_effective + pseudo))


def survey_variance(rate: float, n_answers: int, z: float) -> float:
    """Variance of the rate over the answers as a sample of the population, p (1 - p) / N.

    p is kept at least the Wilson upper bound z^2 / (N + z^2) away from 0 and 1.
    """
    if n_answers <= 0:
        return np.inf
    floor = z * z / (n_answers + z * z)
    p = min(max(rate, floor), 1 - floor)
    return p * (1 - p) / n_answers


def interval(estimate: float, variance: float, z: float) -> tuple[float, float, float, float]:
    """(rate, low, high, se), all clipped to [0, 1] except the standard error."""
    se = float(np.sqrt(variance))
    low, high = estimate - z * se, estimate + z * se
    clip = lambda value: float(min(max(value, 0.0), 1.0))  # noqa: E731
    return clip(estimate), clip(low), clip(high), se


def no_estimate(checks: Checks, note: str) -> RateEstimate:
    """The estimate that is not made: NaN rate and interval, with the reason."""
    size = int(checks.yhat.size)
    model = float(checks.yhat.mean()) if size else np.nan
    checked = int(checks.checked.sum())
    return RateEstimate(np.nan, np.nan, np.nan, np.nan, model, size, checked, np.nan, "none", note)


def check_target(target: str) -> None:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
