"""Refitting a town's model, and what the refit changed in the year's survey.

``train --corrections`` and ``train --labeled`` both end here: the town's files are
checked before anything is written, the model is refitted and saved where ``classify`` and
``run`` look for it, and the year's answers are classified before and after so the
coordinator sees what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import NeedClassifier
from needs_analysis.classify.sources import (
    ADDED_PREFIX,
    REPLACE_PREFIX,
    ModelSources,
    corrections_path,
    town_labeled_dir,
)
from needs_analysis.classify.store import get_classifier, model_cache_path, train
from needs_analysis.classify.town_model import safe_stem
from needs_analysis.config.load import load_config
from needs_analysis.config.settings import Config
from needs_analysis.config.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.errors import InputError, NeedsAnalysisError
from needs_analysis.ingest.places import town_tokenizer
from needs_analysis.ingest.survey import load_survey
from needs_analysis.outputs import escape_formula
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.progress import Stopwatch
from needs_analysis.review.check_match import check_corrections, remember_learned
from needs_analysis.review.check_read import is_check_sheet, read_check_sheet
from needs_analysis.review.corrections import check_keys, read_review_sheet, save_corrections


@dataclass(frozen=True)
class Change:
    """The year's answers classified by the old and by the new model."""

    fiscal_year: int
    areas: tuple[str, ...]
    labels: tuple[str, ...]
    before: pd.DataFrame  # area, categories (tuple) per respondent with an answer
    after: pd.DataFrame

    @property
    def changed(self) -> pd.Series:
        return self.before["categories"] != self.after["categories"]

    def rates(self) -> pd.DataFrame:
        """Per category and 圏域 (and 町全体): changed answers and rates before/after."""
        rows = []
        for area in (*self.areas, "町全体"):
            mask = self.before["area"] == area if area != "町全体" else self.before["area"].notna()
            n = int(mask.sum())
            for label in self.labels:
                had = self.before.loc[mask, "categories"].map(lambda c, lb=label: lb in c)
                has = self.after.loc[mask, "categories"].map(lambda c, lb=label: lb in c)
                rows.append(
                    {
                        "area": area,
                        "category": label,
                        "n": n,
                        "changed": int((had != has).sum()),
                        "before": had.mean() if n else float("nan"),
                        "after": has.mean() if n else float("nan"),
                    }
                )
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Retrained:
    model: NeedClassifier
    path: Path
    stored: Path | None
    stored_rows: int
    change: Change | None
    skipped: int = 0
    learned_check: bool = False  # a check sheet: its rates can no longer be corrected with it


def apply_corrections(
    config: Config, sheet_path: Path, fiscal_year: int | None = None
) -> Retrained:
    """Check a filled review sheet (or check sheet), keep its corrections, refit, and compare.

    A check sheet's answers are learned like any correction, and the sheet is noted as
    learned (:func:`~needs_analysis.review.check_match.remember_learned`): a run no longer
    corrects rates with it, since the refitted model has seen its answers.
    """
    taxonomy = load_taxonomy(config.taxonomy_path)
    check = read_check_sheet(sheet_path, taxonomy) if is_check_sheet(sheet_path) else None
    if check is not None:
        year = fiscal_year or check.fiscal_year
        survey = load_survey(config, year)
        sheet = check_corrections(check, survey.responses, year)
    else:
        sheet = read_review_sheet(sheet_path, taxonomy)
        year = fiscal_year or sheet.fiscal_year or config.fiscal_year
        survey = load_survey(config, year)
    texts = survey.responses["text"].fillna("").tolist()
    originals = check_keys(sheet_path, sheet, texts, year)
    if not sheet.corrections:
        raise NeedsAnalysisError(
            f"{sheet_path}: ○ のついた行がありません（何も反映していません）。"
        )
    tokenizer = town_tokenizer(config)
    masked = {c.key: mask_personal_data(originals[c.key], tokenizer) for c in sheet.corrections}
    before = _classified(get_classifier(config), survey.responses, taxonomy)
    target = corrections_path(config, year)
    rows = save_corrections(target, sheet.corrections, masked, taxonomy.other)
    if check is not None:
        remember_learned(town_labeled_dir(config), check)
    model, path = refit(config)
    after = _classified(model, survey.responses, taxonomy)
    change = Change(year, _areas(config), (*taxonomy.labels, taxonomy.other), before, after)
    return Retrained(model, path, target, rows, change, sheet.skipped, check is not None)


def add_labeled(config: Config, source: Path, replace_bundled: bool = False) -> Retrained:
    """Keep a town's labelled answers beside (or instead of) the bundled ones, refit, compare."""
    taxonomy = load_taxonomy(config.taxonomy_path)
    labeled = read_labeled(source, taxonomy)  # raises on a bad file before anything is written
    try:
        responses = load_survey(config, config.fiscal_year).responses
    except InputError:  # no survey to compare on yet: learn the answers all the same
        responses = None
    before = (
        _classified(get_classifier(config), responses, taxonomy) if responses is not None else None
    )
    prefix = REPLACE_PREFIX if replace_bundled else ADDED_PREFIX
    target = town_labeled_dir(config) / f"{prefix}{safe_stem(source)}.tsv"
    tokenizer = town_tokenizer(config)
    frame = pd.DataFrame(
        {
            "text": [
                escape_formula(" ".join(mask_personal_data(t, tokenizer).split()))
                for t in labeled["text"]
            ],
            "categories": ["|".join(labels) or taxonomy.other for labels in labeled["labels"]],
        }
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target, sep="\t", index=False, encoding="utf-8", lineterminator="\n")
    model, path = refit(config)
    change = None
    if responses is not None:
        after = _classified(model, responses, taxonomy)
        labels = (*taxonomy.labels, taxonomy.other)
        change = Change(config.fiscal_year, _areas(config), labels, before, after)
    return Retrained(model, path, target, len(frame), change)


def refit(config: Config | None) -> tuple[NeedClassifier, Path]:
    """Fit the config's model from its current sources and save it where runs look
    (without the sentence encoder when the config asks for the fast path)."""
    sources = ModelSources.from_config(config)
    fast = bool(config is not None and config.classifier_fast)
    model = train(sources, fast)
    return model, model.save(model_cache_path(sources.fingerprint(), fast))


def training_answers(sources: ModelSources, taxonomy: Taxonomy) -> pd.DataFrame:
    """The answers (``text``, ``labels``, ``weight``) a model from these sources learns."""
    from needs_analysis.classify.town_model import training_frame

    base = [sources.labeled] if sources.use_base else []
    return training_frame(
        base, sources.added, sources.corrections, taxonomy, sources.corrections_weight
    )


def training_counts(sources: ModelSources, taxonomy: Taxonomy) -> dict[str, int]:
    """Answers per category the model is fitted on (その他 for answers with none)."""
    counts = {label: 0 for label in (*taxonomy.labels, taxonomy.other)}
    for labels in training_answers(sources, taxonomy)["labels"]:
        for label in labels or (taxonomy.other,):
            counts[label] += 1
    return counts


def _classified(model: NeedClassifier, responses: pd.DataFrame, taxonomy: Taxonomy):
    from needs_analysis.classify.predictions import classify_responses

    result = classify_responses(responses, model=model)
    result = result[result["has_text"]]
    return result[["area", "categories"]].reset_index(drop=True)


def _areas(config: Config) -> tuple[str, ...]:
    return tuple(area.name for area in config.areas)


def format_change(change: Change, limit: int = 12) -> list[str]:
    """The lines ``train`` prints: how many answers changed, and the rates that moved."""
    changed = int(change.changed.sum())
    lines = [
        f"{change.fiscal_year}年度の回答で分類が変わった回答: {changed:,}件（{len(change.before):,}件中）"
    ]
    if not changed:
        return lines
    table = change.rates()
    town = table[table["area"] == "町全体"]
    lines.append("分類ごと（町全体）: 変わった件数　割合 前→後")
    for row in town.itertuples():
        lines.append(f"  {row.category}: {row.changed:,}件　{row.before:.1%} → {row.after:.1%}")
    moved = table[(table["area"] != "町全体") & (table["changed"] > 0)]
    lines.append("圏域ごと（変わったところだけ）:")
    for row in moved.sort_values("changed", ascending=False).head(limit).itertuples():
        lines.append(
            f"  {row.area}・{row.category}: {row.changed:,}件　"
            f"{row.before:.1%} → {row.after:.1%}（n={row.n:,}）"
        )
    if len(moved) > limit:
        lines.append(f"  ほか{len(moved) - limit}か所")
    return lines


@dataclass(frozen=True)
class TrainReport:
    """What ``needs-analysis train`` did, for the command to print."""

    config_path: Path
    model: NeedClassifier
    path: Path
    seconds: float
    # The answers added or corrections kept (None for a plain refit) and how they count.
    retrained: Retrained | None
    replace_bundled: bool
    training_counts: dict[str, int]
    corrections_weight: float
    change_lines: list[str]
    rule_notes: list[str] | None  # None unless asked for


def retrain(
    config_path: Path | None,
    *,
    labeled: Path | None = None,
    replace_bundled: bool = False,
    corrections: Path | None = None,
    fiscal_year: int | None = None,
    check_rules: bool = False,
) -> TrainReport:
    """Refit the config's model, first keeping a town's labelled answers (``labeled``) or a
    filled review sheet's corrections (``corrections``), and report what changed."""
    if replace_bundled and labeled is None:
        raise NeedsAnalysisError("--replace-bundled は --labeled と一緒に指定してください。")
    if labeled is not None and corrections is not None:
        raise NeedsAnalysisError("--labeled と --corrections は別々に実行してください。")
    config = load_config(config_path)
    watch = Stopwatch()
    result = None
    if corrections is not None:
        result = apply_corrections(config, corrections, fiscal_year)
        model, path = result.model, result.path
    elif labeled is not None:
        result = add_labeled(config, labeled, replace_bundled)
        model, path = result.model, result.path
    else:
        model, path = refit(config)
    seconds = watch.elapsed()
    sources = ModelSources.from_config(config)
    taxonomy = load_taxonomy(sources.taxonomy)
    change = result.change if result is not None else None
    return TrainReport(
        config_path=config.path,
        model=model,
        path=path,
        seconds=seconds,
        retrained=result,
        replace_bundled=replace_bundled,
        training_counts=training_counts(sources, taxonomy),
        corrections_weight=sources.corrections_weight,
        change_lines=format_change(change) if change is not None else [],
        rule_notes=rule_notes(model, sources, taxonomy) if check_rules else None,
    )


def rule_notes(model: NeedClassifier, sources: ModelSources, taxonomy: Taxonomy) -> list[str]:
    """Rules that match none of the training answers, and words the dictionary never yields."""
    labeled = training_answers(sources, taxonomy)
    analyses = model.pipeline.named_steps["analyze"].transform(labeled["text"])
    return model.rules.diagnose([analysis.answer for analysis in analyses])
