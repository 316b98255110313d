"""How many answers to check for a town-level interval of a chosen half-width.

From answers labelled both by a person and by the model (a pilot check, last year's
checks, or the project's evaluation set) the function takes, per category, the gold rate
p, the power-tuned λ = Cov(Y, Ŷ) / Var(Ŷ) (clipped to [0, 1]) and the variance of the
model's errors σ² = Var(Y − λŶ). Before any answer is checked, the person's label can
be replaced by the model's own probability q = P(Y = 1) of each answer of the year's
survey (the model's estimated agreement): then p = mean q, λ = Cov(q, Ŷ) / Var(Ŷ) and
σ² = mean q(1 − q) + Var(q − λŶ), the expected variance of Y − λŶ when each Y is drawn
with probability q (a 0/1 label has q(1 − q) = 0, so the two readings agree).
For n checks out of N answers drawn with equal
probabilities (a proportional stratified draw is about the same), the estimator of
:mod:`needs_analysis.estimates.rate` has half-width

    z · sqrt( (1 − n/N) · (σ² / n + guard(n))  +  p (1 − p) / N )

(the last term only for ``target="survey"``; guard as in ``core.guard_variance``). The
number needed is the smallest n that reaches the half-width; the whole survey needs the
largest of these over the categories. Active sampling, when it helps, needs fewer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from needs_analysis.estimates.areas import matrix
from needs_analysis.estimates.core import check_target, survey_variance, z_value

ALL = "全体"
NOTE_OUT_OF_REACH = "回答の数が足りず、すべて点検してもこの幅には届きません"
COLUMNS = ["category", "rate", "lam", "error_variance", "n_needed", "half_width", "note"]


def error_variance(y: np.ndarray, yhat: np.ndarray) -> tuple[float, float]:
    """(λ, Var(Y − λŶ)) for one category's paired labels, λ = Cov / Var clipped to [0, 1].

    ``y`` may hold probabilities P(Y = 1) instead of 0/1 labels: the variance is then the
    expected one, with each label's own variance y (1 − y) added.
    """
    spread = float(np.var(yhat))
    lam = 1.0 if spread <= 0 else float(np.clip(np.cov(y, yhat, ddof=0)[0, 1] / spread, 0, 1))
    return lam, float(np.mean(y * (1 - y)) + np.var(y - lam * yhat))


def half_widths(sigma2: float, rate: float, n_answers: int, target: str, z: float) -> np.ndarray:
    """The expected half-width for n = 1 .. N checks (index n - 1)."""
    n = np.arange(1, n_answers + 1, dtype=float)
    pseudo = z * z / 2
    checking = (1 - n / n_answers) * (sigma2 / n + pseudo / (n * (n + pseudo)))
    survey = survey_variance(rate, n_answers, z) if target == "survey" else 0.0
    return z * np.sqrt(checking + survey)


def checks_needed(
    truth: ArrayLike,
    predicted: ArrayLike,
    n_answers: int,
    categories: Sequence[str],
    *,
    half_width: float = 0.03,
    planned: int | None = None,
    target: str = "survey",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Checks needed for a town-level ``half_width`` (e.g. 0.03 for ±3 points).

    ``truth`` and ``predicted``: a person's and the model's 0/1 labels of the same answers
    (rows) per category (columns, or a DataFrame with those columns), or in ``truth`` the
    model's probabilities of the categories (see the module); ``n_answers``: the
    number of answers in this year's survey. Returns one row per category and a last row
    ``全体`` (the most any category needs), with ``n_needed`` (NaN and a note when no
    number of checks reaches the half-width) and the ``half_width`` expected there; with
    ``planned`` checks (at most ``n_answers``), also ``planned_half_width``, the half-width
    expected with that many (the widest category's in the ``全体`` row).
    """
    check_target(target)
    z = z_value(alpha)
    gold = matrix(truth, categories, "truth")
    model = matrix(predicted, categories, "predicted")
    if gold.shape != model.shape or gold.shape[0] < 2:
        raise ValueError("truth and predicted must label the same answers (at least 2)")
    if not ((gold >= 0) & (gold <= 1)).all():
        raise ValueError("truth must hold 0/1 labels or probabilities in [0, 1]")
    rows = []
    for column, category in enumerate(categories):
        lam, sigma2 = error_variance(gold[:, column], model[:, column])
        rate = float(gold[:, column].mean())
        widths = half_widths(sigma2, rate, int(n_answers), target, z)
        reached = np.flatnonzero(widths <= half_width)
        n = int(reached[0]) + 1 if reached.size else np.nan
        width = float(widths[n - 1]) if reached.size else float(widths[-1])
        note = "" if reached.size else NOTE_OUT_OF_REACH
        rows.append([category, rate, lam, sigma2, n, width, note])
        if planned is not None:
            rows[-1].append(float(widths[min(max(int(planned), 1), len(widths)) - 1]))
    columns = COLUMNS if planned is None else [*COLUMNS, "planned_half_width"]
    table = pd.DataFrame(rows, columns=columns)
    worst = table["n_needed"].max(skipna=False)
    widest = table.loc[table["n_needed"].isna() | (table["n_needed"] == worst), "half_width"]
    note = NOTE_OUT_OF_REACH if np.isnan(worst) else ""
    last = [ALL, np.nan, np.nan, np.nan, worst, float(widest.max()), note]
    if planned is not None:
        last.append(float(table["planned_half_width"].max()))
    table.loc[len(table)] = last
    return table
