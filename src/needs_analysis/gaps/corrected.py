"""The need side of the gap table when a coordinator has checked a random sample.

The classified answers carry, for each checked answer, the coordinator's categories
(``checked_categories``, a tuple; None elsewhere) and its inclusion probability
(``inclusion_prob``). Then every rate of the gap table is the corrected one
(:func:`needs_analysis.estimates.area_rates`: the area's own prediction-powered estimate,
or the town's correction borrowed by an area with few checks), with its 95% interval; the
municipal rate is the town's corrected rate; and the comparison with the rest of the town
is the z-test of :func:`needs_analysis.estimates.area_vs_rest` on the corrected rates and
their standard errors (``residual`` holds its z, ``test`` says so). The raw p-values go
into the same Benjamini–Hochberg control over all cells as the automatic ones
(:func:`needs_analysis.gaps.table.need_rates`). Counts (``count``, ``rest_count``,
``municipal_count``) stay the model's: they are what the disclosure rule protects, and the
automatic rates are kept beside the corrected ones (``model_rate``,
``model_municipal_rate``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from needs_analysis.frames import join_notes, label_set
from needs_analysis.gaps.significance import NOTE_NO_ANSWERS, NOTE_NO_REST, wilson_interval

TOWN = "町全体"  # the town's row of :func:`needs_analysis.estimates.area_rates`
CHECKED_COLUMN = "checked_categories"
INCLUSION_COLUMN = "inclusion_prob"
TEST_CORRECTED = "補正した割合のz検定"
# Columns every need table has: the automatic rates beside the published ones, and what
# the correction used (automatic tables: the same rates, no checks).
CORRECTION_COLUMNS = [
    "model_rate",
    "model_municipal_rate",
    "municipal_ci_low",
    "municipal_ci_high",
    "se",
    "n_checked",
    "method",
    "corrected",
]


def is_checked(value: object) -> bool:
    """Whether an answer's ``checked_categories`` holds a coordinator's check."""
    return isinstance(value, tuple)


def has_checks(frame: pd.DataFrame) -> bool:
    """Whether the classified answers carry at least one checked answer."""
    return CHECKED_COLUMN in frame.columns and bool(frame[CHECKED_COLUMN].map(is_checked).any())


def without_checks(frame: pd.DataFrame) -> pd.DataFrame:
    """The same answers with the checks left out (for the automatic figures)."""
    return frame.drop(columns=[CHECKED_COLUMN, INCLUSION_COLUMN], errors="ignore")


def label_matrix(values: pd.Series, labels: Sequence[str]) -> np.ndarray:
    """0/1 per answer (rows) and category (columns) from label tuples."""
    found = [label_set(value) for value in values]
    return np.array([[label in f for label in labels] for f in found], dtype=float).reshape(
        len(found), len(labels)
    )


def corrected_estimates(
    written: pd.DataFrame, labels: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The corrected rates (area × category and the town) and the area-vs-rest tests of
    the answers with text, indexed by (area, category)."""
    # Here, not at the top: the estimator loads scipy.stats, which a notebook reading a
    # saved run does not need.
    from needs_analysis.estimates.areas import area_rates
    from needs_analysis.estimates.compare import area_vs_rest

    areas = written["area"].astype(str).to_numpy()
    checked = written[CHECKED_COLUMN].map(is_checked).to_numpy()
    arguments = (
        label_matrix(written["categories"], labels),
        label_matrix(written.loc[checked, CHECKED_COLUMN], labels),
        np.flatnonzero(checked),
        areas,
        list(labels),
    )
    probabilities = written.loc[checked, INCLUSION_COLUMN].astype(float).to_numpy()
    rates = area_rates(*arguments, inclusion_prob=probabilities)
    tests = area_vs_rest(*arguments, inclusion_prob=probabilities)
    return rates.set_index(["area", "category"]), tests.set_index(["area", "category"])


def corrected_cell(
    rates: pd.DataFrame, tests: pd.DataFrame, area: str, label: str, n: int
) -> dict[str, object]:
    """The corrected figures of one cell (NaN and a note for an area without answers)."""
    town = rates.loc[(TOWN, label)]
    cell: dict[str, object] = {
        "municipal_rate": float(town["rate"]),
        "municipal_ci_low": float(town["ci_low"]),
        "municipal_ci_high": float(town["ci_high"]),
        "expected_min": math.nan,
        "test": "",
        "residual": math.nan,
        "p_value": math.nan,
        "higher": False,
        "rate": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "rest_rate": math.nan,
        "se": math.nan,
        "n_checked": 0,
        "method": "none",
        "note": NOTE_NO_ANSWERS,
    }
    if n == 0 or (area, label) not in rates.index:
        return cell
    own, test = rates.loc[(area, label)], tests.loc[(area, label)]
    cell.update(
        rate=float(own["rate"]),
        ci_low=float(own["ci_low"]),
        ci_high=float(own["ci_high"]),
        se=float(own["se"]),
        n_checked=int(own["n_checked"]),
        method=str(own["method"]),
        rest_rate=float(test["rest_rate"]),
        residual=float(test["z"]),
        p_value=float(test["p_value"]),
        higher=bool(test["higher"]) and not math.isnan(float(test["difference"])),
        test=TEST_CORRECTED,
        note=join_notes(own["note"], test["note"]),
    )
    if test["note"] == NOTE_NO_REST:
        cell["test"] = ""
    return cell


def corrected_need_rows(
    frame: pd.DataFrame, labels: Sequence[str], order: Sequence[str]
) -> pd.DataFrame:
    """The need rows of every 圏域 × category from the corrected rates, before the
    Benjamini–Hochberg control (``frame`` has ``has_text`` and the check columns)."""
    written = frame[frame["has_text"]].reset_index(drop=True)
    rates, tests = corrected_estimates(written, labels)
    n_by_area = written.groupby("area").size().reindex(order, fill_value=0)
    respondents = frame.groupby("area").size().reindex(order, fill_value=0)
    municipal_n = int(n_by_area.sum())
    model = label_matrix(written["categories"], labels)
    rows = []
    for column, label in enumerate(labels):
        counts = pd.Series(model[:, column]).groupby(written["area"]).sum()
        counts = counts.reindex(order, fill_value=0).astype(int)
        municipal_count = int(counts.sum())
        for area in order:
            n, count = int(n_by_area[area]), int(counts[area])
            rest_n, rest_count = municipal_n - n, municipal_count - count
            rows.append(
                {
                    "area": area,
                    "category": label,
                    "respondents": int(respondents[area]),
                    "n": n,
                    "count": count,
                    "rest_n": rest_n,
                    "rest_count": rest_count,
                    "municipal_n": municipal_n,
                    "municipal_count": municipal_count,
                    "model_rate": count / n if n else math.nan,
                    "model_municipal_rate": municipal_count / municipal_n
                    if municipal_n
                    else math.nan,
                    "corrected": True,
                    **corrected_cell(rates, tests, area, label, n),
                }
            )
    return pd.DataFrame(rows)


def automatic_columns(result: pd.DataFrame) -> pd.DataFrame:
    """The correction columns of an automatic need table: its own rates, no checks."""
    if result.empty:
        return result
    town = [
        wilson_interval(int(count), int(n))
        for count, n in zip(result["municipal_count"], result["municipal_n"], strict=True)
    ]
    return result.assign(
        model_rate=result["rate"],
        model_municipal_rate=result["municipal_rate"],
        municipal_ci_low=[low for low, _ in town],
        municipal_ci_high=[high for _, high in town],
        se=math.nan,
        n_checked=0,
        method="",
        corrected=False,
    )
