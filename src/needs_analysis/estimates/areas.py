"""Corrected rates per area × category, and for the whole town.

Rule for an area: its **own** prediction-powered estimate (from its own checked answers)
when it has at least ``min_own`` checked answers, or when its checks contradict the
town's correction (the z-test of :func:`~needs_analysis.estimates.borrow.borrowing_p_value`
at p < 0.05); otherwise the **borrowed** estimate, the town's correction applied to the
area's model rate (:mod:`needs_analysis.estimates.borrow`, which states the assumption).
The town's rate is always its own, stratified by area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from needs_analysis.estimates.borrow import borrowed_from_checks, borrowing_p_value
from needs_analysis.estimates.core import (
    Checks,
    RateEstimate,
    build_checks,
    check_target,
    z_value,
)
from needs_analysis.estimates.rate import rate_from_checks

TOWN = "町全体"
MIN_OWN = 30
MISFIT_P = 0.05
NOTE_MISFIT = "この圏域の点検結果が町全体の補正と合わないため、圏域自身の点検だけから求めています"
COLUMNS = [
    "area",
    "category",
    "n",
    "n_checked",
    "model_rate",
    "rate",
    "ci_low",
    "ci_high",
    "se",
    "lam",
    "method",
    "note",
]


def matrix(values: ArrayLike, categories: Sequence[str], name: str) -> np.ndarray:
    """A 2-D array with one column per category (a DataFrame is read by column name)."""
    if isinstance(values, pd.DataFrame):
        values = values[list(categories)].to_numpy()
    array = np.asarray(values, dtype=float)
    if array.ndim == 1 and len(categories) == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != len(categories):
        raise ValueError(f"{name} must have one column per category")
    return array


def choose_method(checks: Checks, mask: np.ndarray, min_own: int, z: float) -> tuple[str, str]:
    """(method, note) for an area: own with ``min_own`` checks or when the area's checks
    contradict the town's correction (p < ``MISFIT_P``); borrowed otherwise."""
    if int(checks.checked[mask].sum()) >= min_own:
        return "own", ""
    if borrowing_p_value(checks, mask, z) < MISFIT_P:
        return "own", NOTE_MISFIT
    return "borrowed", ""


def area_estimate(
    checks: Checks, mask: np.ndarray, min_own: int, target: str, z: float
) -> RateEstimate:
    """The area's estimate by the rule of :func:`choose_method`."""
    method, note = choose_method(checks, mask, min_own, z)
    if method == "borrowed":
        return borrowed_from_checks(checks, mask, target, z)
    estimate = rate_from_checks(checks.subset(mask), None, target, z)
    notes = "。".join(part for part in (note, estimate.note) if part)
    return replace(estimate, note=notes)


def row(area: str, category: str, estimate: RateEstimate) -> dict[str, object]:
    values = asdict(estimate)
    return {
        "area": area,
        "category": category,
        "n": values["n_answers"],
        **{key: values[key] for key in COLUMNS[3:] if key in values},
    }


def area_rates(
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
    """Corrected rates of every area and the town (area ``町全体``) for every category.

    ``predicted``: the model's 0/1 labels, one row per answer and one column per category
    (or a DataFrame with those columns); ``truth``: the coordinator's, one row per checked
    answer in the order of ``checked`` (the answers' positions); ``areas``: the area of
    every answer. Returns one row per category × (area, then the town) with the columns
    ``COLUMNS``; ``method`` says whether a rate is the area's own or borrowed.
    """
    check_target(target)
    z = z_value(alpha)
    labels = matrix(predicted, categories, "predicted")
    marks = matrix(truth, categories, "truth")
    area_values = np.asarray(areas, dtype=object).astype(str)
    names = list(dict.fromkeys(sorted(area_values)))
    rows = []
    for column, category in enumerate(categories):
        checks = build_checks(
            labels[:, column], marks[:, column], checked, inclusion_prob, area_values
        )
        for name in names:
            estimate = area_estimate(checks, area_values == name, min_own, target, z)
            rows.append(row(name, category, estimate))
        rows.append(row(TOWN, category, rate_from_checks(checks, None, target, z)))
    return pd.DataFrame(rows, columns=COLUMNS)
