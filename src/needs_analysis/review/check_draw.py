"""``needs-analysis review --sample N``: how many answers to check, and the check sheet.

First the plan: from the model's probabilities on the year's answers (its estimated
agreement with a person), :func:`needs_analysis.estimates.checks_needed` gives the number
of checks for a town-level 95% interval of the chosen half-width, and the half-width that
N checks are expected to give. Then the draw: N answers with text, stratified by 圏域
(:func:`needs_analysis.estimates.draw_checks`), each with its inclusion probability,
written to ``reports/<年度>/check_<年度>.xlsx`` (:mod:`~needs_analysis.review.check_sheet`).
A sheet already there is never overwritten: it may hold a coordinator's work.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from needs_analysis.config.settings import Config
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.estimates.power import ALL, checks_needed
from needs_analysis.estimates.sample import MIN_PER_AREA, draw_checks
from needs_analysis.review.check_sheet import CheckRow, answer_keys, write_check_sheet
from needs_analysis.text.normalize import normalize_text


@dataclass(frozen=True)
class CheckPlan:
    """How many checks a half-width needs, and what ``planned`` checks are expected to give.

    ``table`` is :func:`~needs_analysis.estimates.checks_needed`'s, one row per category
    and the ``全体`` row last.
    """

    answers: int
    half_width: float
    planned: int
    table: pd.DataFrame

    @property
    def needed(self) -> int | None:
        value = self.table.loc[self.table["category"] == ALL, "n_needed"].iloc[0]
        return None if pd.isna(value) else int(value)

    @property
    def expected(self) -> float:
        """The town-level half-width ``planned`` checks are expected to give (widest category)."""
        return float(self.table.loc[self.table["category"] == ALL, "planned_half_width"].iloc[0])


@dataclass(frozen=True)
class CheckDraw:
    """What ``review --sample`` wrote."""

    path: Path
    rows: int
    seed: str
    plan: CheckPlan
    per_area: dict[str, int]


def check_sheet_path(out_dir: Path | str, fiscal_year: int) -> Path:
    """``<out>/<年度>/check_<年度>.xlsx``, beside the review sheet."""
    return Path(out_dir) / str(fiscal_year) / f"check_{fiscal_year}.xlsx"


def plan_checks(
    probabilities: np.ndarray,
    predicted: np.ndarray,
    labels: Sequence[str],
    half_width: float,
    planned: int,
) -> CheckPlan:
    """The plan from the model's probabilities and labels (answers × categories)."""
    answers = int(predicted.shape[0])
    if answers < 2:
        raise NeedsAnalysisError("自由記述のある回答が2件未満のため、点検する回答を選べません。")
    table = checks_needed(
        probabilities,
        predicted,
        answers,
        list(labels),
        half_width=half_width,
        planned=min(planned, answers),
    )
    return CheckPlan(answers, half_width, planned, table)


def prediction_matrices(
    predictions: Sequence, labels: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, 0/1 labels) per answer and category; an answer the model takes from
    a coordinator's correction has no probabilities and counts with its label."""
    chosen = np.array([[label in p.labels for label in labels] for p in predictions], dtype=float)
    probabilities = np.array(
        [
            [p.probabilities.get(label, float(label in p.labels)) for label in labels]
            if p.probabilities
            else [float(label in p.labels) for label in labels]
            for p in predictions
        ],
        dtype=float,
    )
    shape = (len(predictions), len(labels))
    return np.clip(probabilities.reshape(shape), 0.0, 1.0), chosen.reshape(shape)


def draw_check_rows(
    answers: pd.DataFrame,
    fiscal_year: int,
    size: int,
    seed: int,
    mask: Callable[[str], str],
) -> tuple[list[CheckRow], list[str]]:
    """The drawn answers as sheet rows, and the 圏域 of each: ``answers`` are the survey's
    answers with text (``area``, ``text``, in survey order); ``mask`` masks one text."""
    keys = answer_keys(answers["area"], answers["text"], fiscal_year)
    draw = draw_checks(answers["area"].astype(str).to_numpy(), size, seed=seed)
    rows = [
        CheckRow(keys[position], mask(str(answers["text"].iloc[position])), float(probability))
        for position, probability in zip(draw["position"], draw["inclusion_prob"], strict=True)
    ]
    return rows, draw["area"].tolist()


def write_check_sample(
    config: Config,
    fiscal_year: int | None,
    out_dir: Path | str,
    size: int,
    half_width: float = 0.03,
    seed: int | None = None,
    on_plan: Callable[[CheckPlan], None] | None = None,
) -> CheckDraw:
    """Plan the checks for ``half_width``, tell ``on_plan``, then draw ``size`` answers and
    write the check sheet (``seed``: the draw's; a new random one when None)."""
    from needs_analysis.classify.predictions import predict_answers
    from needs_analysis.classify.store import get_classifier
    from needs_analysis.config.taxonomy import load_taxonomy
    from needs_analysis.ingest.places import town_tokenizer
    from needs_analysis.ingest.survey import load_survey
    from needs_analysis.privacy.masking import mask_personal_data

    year = config.fiscal_year if fiscal_year is None else fiscal_year
    path = check_sheet_path(out_dir, year)
    if path.exists():
        raise NeedsAnalysisError(
            f"{path} はすでにあります。記入した点検シートを上書きしないよう、別の場所に移すか"
            "名前を変えてから、もう一度実行してください。"
        )
    if size < 1 or not 0 < half_width < 0.5:
        raise NeedsAnalysisError(
            "--sample には1以上の数を、--half-width には0より大きく50未満（ポイント）を指定してください。"
        )
    responses = load_survey(config, year).responses
    answers = responses[responses["text"].fillna("").map(normalize_text) != ""]
    if size > len(answers):
        raise NeedsAnalysisError(
            f"自由記述のある回答は{len(answers):,}件です。--sample はそれ以下にしてください。"
        )
    least = int(np.minimum(answers.groupby("area").size(), MIN_PER_AREA).sum())
    if size < least:
        raise NeedsAnalysisError(
            f"--sample は{least:,}以上にしてください（どの圏域からも{MIN_PER_AREA}件"
            "（回答がそれより少ない圏域は全部）を選ぶため）。"
        )
    taxonomy = load_taxonomy(config.taxonomy_path)
    predictions = predict_answers(get_classifier(config), answers["text"].tolist())
    plan = plan_checks(
        *prediction_matrices(predictions, taxonomy.labels), taxonomy.labels, half_width, size
    )
    if on_plan is not None:
        on_plan(plan)
    seed = secrets.randbits(32) if seed is None else int(seed)
    tokenizer = town_tokenizer(config)
    rows, areas = draw_check_rows(
        answers, year, size, seed, lambda text: mask_personal_data(text, tokenizer)
    )
    write_check_sheet(path, rows, taxonomy, config.municipality, year, str(seed))
    counts = pd.Series(areas, dtype=object).value_counts()
    order = [area.name for area in config.areas] + sorted(
        set(areas) - {a.name for a in config.areas}
    )
    per_area = {area: int(counts.get(area, 0)) for area in order}
    return CheckDraw(path, len(rows), str(seed), plan, per_area)
