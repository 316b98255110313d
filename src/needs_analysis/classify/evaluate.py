"""Scoring the classifier: precision, recall and F1 per label, micro/macro F1, exact match."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold
from sklearn.preprocessing import MultiLabelBinarizer

from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import NeedClassifier
from needs_analysis.classify.predictions import predict_answers
from needs_analysis.classify.sources import ModelSources
from needs_analysis.classify.store import get_classifier
from needs_analysis.config.load import load_config
from needs_analysis.config.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.progress import Progress, quiet


@dataclass(frozen=True)
class EvaluationReport:
    """Scores over a set of answers with known labels."""

    per_label: pd.DataFrame  # label, precision, recall, f1, support
    micro_f1: float
    macro_f1: float
    exact_match: float
    answers: int


def score(
    truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str]
) -> EvaluationReport:
    """Compare label sets (その他 = the empty set) answer by answer."""
    y_true = MultiLabelBinarizer(classes=list(labels)).fit_transform(truth)
    y_pred = MultiLabelBinarizer(classes=list(labels)).fit_transform(predicted)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0
    )
    per_label = pd.DataFrame(
        {
            "label": list(labels),
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support,
        }
    )
    exact = float(np.mean([set(t) == set(p) for t, p in zip(truth, predicted, strict=True)]))
    return EvaluationReport(
        per_label=per_label,
        micro_f1=float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        macro_f1=float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        exact_match=exact,
        answers=len(truth),
    )


def evaluate_model(model: NeedClassifier, labeled: pd.DataFrame) -> EvaluationReport:
    """Score a fitted model on labeled answers (columns ``text`` and ``labels``)."""
    predictions = predict_answers(model, labeled["text"].tolist(), explain=False)
    return score(labeled["labels"].tolist(), [p.labels for p in predictions], model.labels)


def cross_validate(
    labeled: pd.DataFrame,
    taxonomy: Taxonomy,
    rules_path: Path | None,
    folds: int,
    **parameters: object,
) -> EvaluationReport:
    """K-fold cross-validation: every answer is predicted by a model that did not see it.

    ``parameters`` go to :class:`NeedClassifier` (``fast``, ``user_dictionary``).
    """
    predicted: list[tuple[str, ...]] = [()] * len(labeled)
    splitter = KFold(n_splits=folds, shuffle=True, random_state=0)
    for train_index, test_index in splitter.split(labeled):
        train = labeled.iloc[train_index]
        model = NeedClassifier.for_taxonomy(taxonomy, rules_path=rules_path, **parameters)
        model.fit(train["text"], train["labels"])
        test_texts = labeled["text"].iloc[test_index].tolist()
        for position, prediction in zip(
            test_index, predict_answers(model, test_texts, explain=False), strict=True
        ):
            predicted[position] = prediction.labels
    return score(labeled["labels"].tolist(), predicted, taxonomy.labels)


def format_report(report: EvaluationReport) -> str:
    """The scores as a small Japanese table for the terminal."""
    lines = [f"{'分類':<8}{'適合率':>8}{'再現率':>8}{'F1':>8}{'件数':>8}"]
    for row in report.per_label.itertuples():
        label = f"{row.label}{'　' * max(0, 6 - len(row.label))}"
        lines.append(
            f"{label}{row.precision:>10.3f}{row.recall:>9.3f}{row.f1:>9.3f}{row.support:>9d}"
        )
    lines.append("")
    lines.append(f"マクロ平均F1（{len(report.per_label)}分類）: {report.macro_f1:.3f}")
    lines.append(f"マイクロ平均F1: {report.micro_f1:.3f}")
    lines.append(f"完全一致率: {report.exact_match:.3f}（{report.answers:,}件）")
    return "\n".join(lines)


def evaluate_labeled(
    config_path: Path | None,
    labeled: Path | None,
    *,
    text_column: str = "text",
    label_column: str = "categories",
    folds: int | None = None,
    progress: Progress = quiet,
) -> EvaluationReport:
    """Score the config's model on a labelled file, or cross-validate over ``folds`` folds
    of that file (default: the model's own training answers)."""
    config = load_config(config_path) if config_path is not None else None
    sources = ModelSources.from_config(config)
    taxonomy = load_taxonomy(sources.taxonomy)
    if folds is not None:
        if folds < 2:
            raise NeedsAnalysisError("--cv には2以上の数を指定してください。")
        answers = read_labeled(labeled or sources.labeled, taxonomy, text_column, label_column)
        progress(f"{folds}分割交差検証（{len(answers):,}件）")
        return cross_validate(answers, taxonomy, sources.rules, folds)
    if labeled is None:
        raise NeedsAnalysisError(
            "評価するラベル付きの回答のファイルを指定してください（または --cv K）。"
        )
    answers = read_labeled(labeled, taxonomy, text_column, label_column)
    return evaluate_model(get_classifier(config), answers)
