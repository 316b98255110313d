"""The corrected need rate of one category: prediction-powered inference (PPI++).

With the model's 0/1 label Ŷ on all N answers and the coordinator's label Y on a checked
sample drawn with inclusion probabilities π (stratified by area), the estimate is

    rate = ( λ Σ_all Ŷ  +  Σ_checked (Y − λ Ŷ) / π ) / N

the model's count plus a Horvitz–Thompson estimate of the count of its errors, per answer
(Angelopoulos et al. 2023; Zrnic & Candès 2024 for unequal π). Any λ gives an unbiased
estimate; λ is tuned to make the variance smallest (PPI++), clipped to [0, 1]: 0 uses
the checked answers alone, 1 is plain PPI.

Variance (two parts):

* checking: the stratified design variance of the error count, each area with the
  with-replacement form times ``1 - n_h / N_h``, divided by N², plus ``1 - n / N`` times
  the variance of z²/2 pseudo-disagreements among n checks (Kish's effective size;
  :func:`~needs_analysis.estimates.core.guard_variance`): checks that all agree do not
  make a zero-width interval, and few disagreements do not make a too-narrow one.
* survey (``target="survey"``, the default): the answers are themselves a sample of the
  population they stand for, as in the Wilson intervals of ``docs/method.md``; adds
  p (1 − p) / N. ``target="answers"`` leaves it out: the interval is for the rate among
  this survey's answers, what reading every one of them would give.

The interval is the estimate ± z·se; the estimate and interval are clipped to [0, 1].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from needs_analysis.estimates.core import (
    NOTE_COLLAPSED,
    NOTE_NO_ANSWERS,
    NOTE_NO_CHECKS,
    Checks,
    RateEstimate,
    build_checks,
    check_target,
    guard_variance,
    interval,
    kish_size,
    no_estimate,
    stratum_counts,
    survey_variance,
    total_variance,
    z_value,
)


def ppi_rate(
    predicted: ArrayLike,
    truth: ArrayLike,
    checked: ArrayLike,
    *,
    inclusion_prob: ArrayLike | None = None,
    areas: ArrayLike | None = None,
    lam: float | None = None,
    target: str = "survey",
    alpha: float = 0.05,
) -> RateEstimate:
    """The corrected rate of one category over all the answers given.

    ``predicted``: the model's 0/1 label of every answer (length N); ``checked``: the
    positions (0..N-1) of the checked answers; ``truth``: the coordinator's 0/1 label of
    each checked answer; ``inclusion_prob``: each checked answer's probability of having
    been drawn (None: equal within each area, n_h / N_h); ``areas``: the area of every
    answer, the strata of the draw (None: one stratum); ``lam``: a fixed λ (None: tuned).
    Returns a :class:`RateEstimate` with method ``"own"``, or ``"none"`` and a note when
    nothing was checked.
    """
    check_target(target)
    checks = build_checks(predicted, truth, checked, inclusion_prob, areas)
    return rate_from_checks(checks, lam, target, z_value(alpha))


def tune_lambda(checks: Checks) -> float:
    """The λ that minimises the estimated checking variance, clipped to [0, 1].

    The variance is quadratic in λ; its minimum is Σ_h g_h S_h(a, b) / Σ_h g_h S_h(b, b)
    with a = Y / π, b = Ŷ / π, S_h the within-area sum of centred products and g_h the
    area's factor (1 - n_h/N_h) n_h/(n_h - 1). 1 (plain PPI) when the checks cannot tell:
    the model's label does not vary among the checked answers.
    """
    mask = checks.checked
    code = checks.stratum[mask]
    a = checks.weight[mask] * checks.y[mask]
    b = checks.weight[mask] * checks.yhat[mask]
    answers, drawn = stratum_counts(checks)

    def centred(values: np.ndarray) -> np.ndarray:
        sums = np.bincount(code, weights=values, minlength=drawn.size)
        means = np.divide(sums, drawn, out=np.zeros(drawn.size), where=drawn > 0)
        return values - means[code]

    keep = 1.0 - drawn / np.maximum(answers, 1)
    factor = keep * np.divide(drawn, drawn - 1, out=np.zeros(drawn.size), where=drawn > 1)
    ca, cb = centred(a), centred(b)
    numerator = float(np.sum(factor[code] * ca * cb))
    denominator = float(np.sum(factor[code] * cb * cb))
    if denominator <= 1e-12 * max(1.0, float(np.sum(b * b))):
        return 1.0
    return float(np.clip(numerator / denominator, 0.0, 1.0))


def collapse(checks: Checks) -> Checks:
    """One stratum, with the design weights scaled to add up to the number of answers."""
    weight = checks.weight * (checks.yhat.size / checks.weight.sum())
    return Checks(checks.yhat, checks.y, weight, np.zeros_like(checks.stratum))


def rate_from_checks(checks: Checks, lam: float | None, target: str, z: float) -> RateEstimate:
    """:func:`ppi_rate` on laid-out checks (also used for an area or the rest of the town)."""
    size = int(checks.yhat.size)
    if size == 0:
        return no_estimate(checks, NOTE_NO_ANSWERS)
    checked = checks.checked
    n_checked = int(checked.sum())
    if n_checked == 0:
        return no_estimate(checks, NOTE_NO_CHECKS)
    notes = []
    answers, drawn = stratum_counts(checks)
    if ((answers > 0) & (drawn == 0)).any():
        checks = collapse(checks)
        notes.append(NOTE_COLLAPSED)
    lam = tune_lambda(checks) if lam is None else float(lam)
    residual = np.where(checked, np.nan_to_num(checks.y) - lam * checks.yhat, 0.0)
    estimate = (lam * checks.yhat.sum() + np.sum(checks.weight * residual)) / size
    variance = total_variance(checks, residual, z) / size**2
    variance += (1 - n_checked / size) * guard_variance(kish_size(checks.weight), z)
    if target == "survey":
        variance += survey_variance(estimate, size, z)
    rate, low, high, se = interval(estimate, variance, z)
    model_rate = float(checks.yhat.mean())
    return RateEstimate(
        rate, low, high, se, model_rate, size, n_checked, lam, "own", "。".join(notes)
    )
