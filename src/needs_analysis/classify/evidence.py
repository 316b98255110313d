"""Which words stand behind a label: the rules' words, the model's weightiest words, the
words whose removal lowers a label the sentence embedding decided, or the gist of the
nearest labelled answer for a label the neighbours' vote decided.

These functions return words; how they are written for a reader is
:mod:`needs_analysis.classify.predictions`' job.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from needs_analysis.classify.features import Analysis
from needs_analysis.classify.model import NeedClassifier

# Words tried for removal when explaining a label the sentence embedding decided.
EXPLAIN_WORDS = 12
RULE_WORDS = 6
MODEL_WORDS = 4
REMOVAL_WORDS = 3

# A feature row of the sparse matrix: its column indices and values.
FeatureRow = tuple[np.ndarray, np.ndarray]


def rule_or_model_words(
    model: NeedClassifier, analysis: Analysis, label: str, row: FeatureRow
) -> list[str]:
    """The words the label's rules matched, else the content words present that weigh
    most for the label in the model."""
    tokens = analysis.answer.tokens
    content = {t.surface for t in tokens if t.is_content()}
    words = [word for word in analysis.rule_hits.get(label, []) if word in content]
    if words:
        return list(dict.fromkeys(words))[:RULE_WORDS]
    content_lemmas = {
        lemma
        for token, lemma in zip(tokens, analysis.answer.lemmas, strict=True)
        if token.is_content()
    }
    start, stop = model.blocks_["lemmas"]
    weights = model.coefficients(label, "lemmas")
    indices, values = row
    inside = (indices >= start) & (indices < stop)
    indices, values = indices[inside] - start, values[inside]
    scores = values * weights[indices]
    names = model.lemma_names_
    return [
        names[indices[i]]
        for i in np.argsort(-scores)
        if scores[i] > 0 and names[indices[i]] in content_lemmas
    ][:MODEL_WORDS]


def removal_words(
    model: NeedClassifier,
    analyses: Sequence[Analysis],
    probabilities: np.ndarray,
    led: np.ndarray,
) -> dict[int, dict[str, list[str]]]:
    """For labels the sentence embedding decided (``led``): the words whose removal lowers
    the label's probability most, by answer number and label."""
    trials: list[tuple[int, int, str, str]] = []  # answer, label column, word, variant
    for number, column in zip(*np.nonzero(led), strict=True):
        answer = analyses[number].answer
        words = list(dict.fromkeys(t.surface for t in answer.tokens if t.is_content()))
        for word in words[:EXPLAIN_WORDS]:
            trials.append((number, column, word, answer.text.replace(word, "", 1)))
    if not trials:
        return {}
    variants = list(dict.fromkeys(trial[3] for trial in trials))
    changed = dict(zip(variants, model.predict_proba(variants), strict=True))
    drops: dict[tuple[int, int], list[tuple[float, str]]] = {}
    for number, column, word, variant in trials:
        drop = probabilities[number, column] - changed[variant][column]
        drops.setdefault((number, column), []).append((drop, word))
    explained: dict[int, dict[str, list[str]]] = {}
    for (number, column), scored in drops.items():
        ranked = sorted(scored, key=lambda item: -item[0])
        words = [word for drop, word in ranked if drop > 0][:REMOVAL_WORDS]
        explained.setdefault(number, {})[model.labels[column]] = words
    return explained


def negated_words(analysis: Analysis) -> list[str]:
    """The content words an answer negates (「必要ない」 … ), in order, once each."""
    answer = analysis.answer
    return list(
        dict.fromkeys(
            token.surface
            for token, negated in zip(answer.tokens, answer.negated, strict=True)
            if negated and token.is_content()
        )
    )


def neighbour_gist(model: NeedClassifier, nearest: np.ndarray, column: int) -> str:
    """The gist (masked when the model was fitted) of the nearest labelled answer (of
    ``nearest``, row numbers nearest first) that carries the label in ``column``; "" when
    none of them does."""
    neighbours = model.neighbours_
    row = neighbours.nearest_with(nearest, column)
    if row is None or row >= len(neighbours.texts):
        return ""
    return neighbours.texts[row]
