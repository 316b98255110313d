"""An area's rate with the town's correction: for areas with too few checked answers.

Assumption (stated to the user, tested in ``tests/test_estimates.py`` and
``benchmarks/bench_estimates.py``): **given the model's label, the chance that the answer
truly carries the category is the same in every area.** That is, p1 = P(Y = 1 | Ŷ = 1)
(the share of the model's labels that are right) and p0 = P(Y = 1 | Ŷ = 0) (the share of
answers the model missed) do not depend on the area. Then the area's checked answers
count with the coordinator's label and each unchecked one with p1 or p0:

    rate_a = ( Σ_checked Y  +  U1 · p1  +  U0 · p0 ) / N_a

with U1 (U0) the area's unchecked answers the model labelled (did not label); with no
checks in the area this is p0 + (p1 − p0) m_a, m_a the area's model rate. p1 and p0 are
estimated from all checked answers of the town, weighted by 1 / π (ratio estimates);
their variances come from the stratified design (linearised, without finite population
correction, plus the pseudo-disagreements of
:func:`needs_analysis.estimates.core.guard_variance`); with no checked answer that the
model labelled, p1 is unknown: 0.5 with variance 0.25. The area's own checks are assumed
drawn with equal probabilities (as :func:`~needs_analysis.estimates.sample.draw_checks`
does), so that its unchecked answers are like its checked ones.

Variance (delta method; p̂1 and p̂0 come from disjoint answers): (U1/N_a)² V(p̂1) +
(U0/N_a)² V(p̂0), plus for ``target="answers"`` the unseen labels of the unchecked
answers, (U1 p1(1 − p1) + U0 p0(1 − p0)) / N_a² and the pseudo-disagreements of
``core.guard_variance`` among the U unchecked answers (a few wrong guesses are rare
events, not normal), times (U/N_a)², or for ``target="survey"`` the area's
answers as a sample, (n_a p(1 − p) + U (p1 − p0)² m_u(1 − m_u)) / N_a² (p the estimate,
m_u the model rate among the U unchecked answers).

When the assumption fails (the model misses more in one area, say because people there
write differently, or the area's need is much more common so more of its unlabelled
answers carry it), the estimate is pulled towards what the model's errors are elsewhere,
and the interval can miss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from needs_analysis.estimates.core import (
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
    survey_variance,
    total_variance,
    z_value,
)

NOTE_BORROWED = "この圏域の点検が少ないため、町全体の点検から求めた補正を使っています"


@dataclass(frozen=True)
class Correction:
    """P(Y = 1 | Ŷ = 1) and P(Y = 1 | Ŷ = 0) from the town's checks, with their variances."""

    p1: float
    var1: float
    p0: float
    var0: float

    def rate(self, model_rate: float) -> float:
        return self.p0 + (self.p1 - self.p0) * model_rate

    def variance(self, model_rate: float) -> float:
        """The part of the rate's variance that comes from estimating the correction."""
        return model_rate**2 * self.var1 + (1 - model_rate) ** 2 * self.var0


def borrowed_rate(
    predicted: ArrayLike,
    truth: ArrayLike,
    checked: ArrayLike,
    areas: ArrayLike,
    area: str,
    *,
    inclusion_prob: ArrayLike | None = None,
    target: str = "survey",
    alpha: float = 0.05,
) -> RateEstimate:
    """The rate of ``area`` from its model rate and the correction of all checked answers.

    Arguments as in :func:`needs_analysis.estimates.rate.ppi_rate` (``areas`` required: the
    area of every answer). Returns a :class:`RateEstimate` with method ``"borrowed"`` (or
    ``"none"`` when the area has no answers or nothing was checked).
    """
    check_target(target)
    checks = build_checks(predicted, truth, checked, inclusion_prob, areas)
    mask = np.asarray(areas, dtype=object).astype(str) == str(area)
    return borrowed_from_checks(checks, mask, target, z_value(alpha))


def estimate_correction(checks: Checks, z: float) -> Correction:
    """p1 and p0 as design-weighted ratios over all checked answers, with variances."""
    checked = checks.checked
    y = np.nan_to_num(checks.y)
    parts = []
    for label in (1.0, 0.0):
        chosen = checked & (checks.yhat == label)
        total = float(checks.weight[chosen].sum())
        if total <= 0:
            parts.extend([0.5, 0.25])
            continue
        p = float(np.sum(checks.weight[chosen] * y[chosen]) / total)
        values = np.where(chosen, y - p, 0.0)
        variance = total_variance(checks, values, z, fpc=False) / total**2
        variance += guard_variance(kish_size(checks.weight[chosen]), z)
        parts.extend([p, variance])
    return Correction(*parts)


def borrowing_p_value(checks: Checks, mask: np.ndarray, z: float) -> float:
    """Do the area's own checks contradict the town's correction? Two-sided p-value.

    Under the assumption, the area's checked answers have Y − (p0 + (p1 − p0) Ŷ) of mean
    zero. The z-test uses the weighted mean of these residuals, its with-replacement
    variance (with the pseudo-disagreements of ``core.guard_variance``) plus the variance
    of the correction. NaN with fewer than two checks in the area.
    """
    area = checks.subset(mask)
    chosen = area.checked
    if chosen.sum() < 2:
        return math.nan
    correction = estimate_correction(checks, z)
    weight, yhat = area.weight[chosen], area.yhat[chosen]
    residual = area.y[chosen] - correction.rate(yhat)
    total = weight.sum()
    mean = float(np.sum(weight * residual) / total)
    spread = np.sum((weight * (residual - mean)) ** 2) / total**2
    variance = spread * chosen.sum() / (chosen.sum() - 1) + guard_variance(kish_size(weight), z)
    share = float(np.sum(weight * yhat) / total)
    variance += correction.variance(share)
    return math.erfc(abs(mean) / math.sqrt(2 * variance))


@dataclass(frozen=True)
class Borrowed:
    """An area's borrowed rate before the correction is filled in (see the module).

    ``known``: the checked answers' labels summed, per answer of the area; ``share1`` and
    ``share0``: the unchecked answers the model labelled and did not, per answer;
    ``noise``: the variance that does not come from estimating the correction.
    """

    known: float
    share1: float
    share0: float
    noise: float

    def rate(self, correction: Correction) -> float:
        return self.known + self.share1 * correction.p1 + self.share0 * correction.p0


def spread(rate: float, size: int, z: float) -> float:
    """p (1 - p), with p kept the Wilson bound z² / (N + z²) away from 0 and 1."""
    return survey_variance(rate, size, z) * size


def borrow(
    checks: Checks, mask: np.ndarray, correction: Correction, target: str, z: float
) -> Borrowed:
    """The :class:`Borrowed` parts of the area ``mask`` selects (which has answers)."""
    area = checks.subset(mask)
    size = area.yhat.size
    checked = area.checked
    known = float(np.nan_to_num(area.y[checked]).sum()) / size
    unchecked1 = int(np.sum(~checked & (area.yhat == 1)))
    unchecked0 = int(np.sum(~checked & (area.yhat == 0)))
    p1, p0 = correction.p1, correction.p0
    if target == "answers":
        noise = (unchecked1 * p1 * (1 - p1) + unchecked0 * p0 * (1 - p0)) / size**2
        unchecked = unchecked1 + unchecked0
        if unchecked:  # their wrong guesses are rare events: the pseudo-disagreements
            noise += (unchecked / size) ** 2 * guard_variance(unchecked, z)
    else:
        parts = Borrowed(known, unchecked1 / size, unchecked0 / size, 0.0)
        unchecked = unchecked1 + unchecked0
        labelled = unchecked1 / unchecked if unchecked else 0.0
        noise = checked.sum() * spread(parts.rate(correction), size, z)
        noise += unchecked * (p1 - p0) ** 2 * spread(labelled, size, z)
        noise /= size**2
    return Borrowed(known, unchecked1 / size, unchecked0 / size, float(noise))


def borrowed_from_checks(checks: Checks, mask: np.ndarray, target: str, z: float) -> RateEstimate:
    """:func:`borrowed_rate` on laid-out checks; ``mask`` selects the area's answers."""
    area = checks.subset(mask)
    size = int(area.yhat.size)
    if size == 0:
        return no_estimate(area, NOTE_NO_ANSWERS)
    if not checks.checked.any():
        return no_estimate(area, NOTE_NO_CHECKS)
    correction = estimate_correction(checks, z)
    parts = borrow(checks, mask, correction, target, z)
    variance = parts.share1**2 * correction.var1 + parts.share0**2 * correction.var0
    rate, low, high, se = interval(parts.rate(correction), variance + parts.noise, z)
    model_rate = float(area.yhat.mean())
    n_checked = int(area.checked.sum())
    return RateEstimate(
        rate, low, high, se, model_rate, size, n_checked, np.nan, "borrowed", NOTE_BORROWED
    )
