"""What a reader sees of a classification: each answer's categories, how sure the model is,
and the words behind it, in Japanese.

:func:`predict_answers` turns the estimator's numbers
(:class:`~needs_analysis.classify.model.NeedClassifier`) into a :class:`Prediction` per
answer: a label where its probability reaches its threshold, その他 when none does, the
coordinator's own categories for a text the town corrected, and the evidence — the words
its rules matched, or else the words that weighed most for it in the model; for a label
the sentence embedding decided, the words whose removal lowers its probability most
(:mod:`~needs_analysis.classify.evidence`); for a label the neighbours' vote decided, the
gist of the nearest labelled answer with that label (masked), 「似た回答「…」」; for an
answer whose labels the need-status gate removed, 「困りごとではない見込み」. Every sentence written about a classification
is written here. :func:`classify_responses` adds the results to a table of answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from needs_analysis.classify.encoder import embeddings
from needs_analysis.classify.evidence import (
    negated_words,
    neighbour_gist,
    removal_words,
    rule_or_model_words,
)
from needs_analysis.classify.features import Analysis
from needs_analysis.classify.model import CHUNK_SIZE, NeedClassifier, Scores
from needs_analysis.classify.parallel import fewer_collections, predict_in_processes
from needs_analysis.classify.town_model import text_key
from needs_analysis.paths import free_cpus
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token

PARALLEL_FROM = 5000
CORRECTION_EVIDENCE = "町の修正"
NEGATED = "打ち消し"
SIMILAR = "似た回答"
GATED = "困りごとではない見込み"
RESULT_COLUMNS = ("categories", "confidence", "evidence", "has_text")


@dataclass(frozen=True)
class Prediction:
    """The labels of one answer, how sure the model is, and the words behind them."""

    labels: tuple[str, ...]
    confidence: float
    evidence: str
    probabilities: dict[str, float]


def predict_answers(
    model: NeedClassifier,
    texts: Sequence[str],
    workers: int | None = None,
    explain: bool = False,
    tokens: Mapping[str, Sequence[Token]] | None = None,
) -> list[Prediction]:
    """Predictions in input order; identical normalised texts are classified once.

    On the fast path large inputs are split over ``workers`` processes (default: one per
    idle CPU, ``free_cpus``, at most two, from 5,000 distinct answers on); each has its own
    tagger. With the encoder, every text is embedded first (once, through the cache);
    ``explain`` names the words behind labels the encoder decided (it embeds each such
    answer again once per word left out, so it is meant for answers to be shown).
    ``tokens`` maps normalised texts to their tokens (from the model's tokenizer) when the
    caller has tokenised them already.
    """
    normalized = [normalize_text(text) for text in texts]
    unique = list(dict.fromkeys(text for text in normalized if text))
    if workers is None:
        parallel = model.fast and len(unique) >= PARALLEL_FROM
        workers = free_cpus(limit=2) if parallel else 1  # the CPUs idle now, not all of them
    with fewer_collections():
        if not model.fast:
            embeddings(unique)
        if workers > 1 and model.fast:
            chunk = partial(_predict_distinct, model)
            results = predict_in_processes(chunk, unique, workers, tokens)
        else:
            results = _predict_distinct(model, unique, explain, tokens)
    by_text = dict(zip(unique, results, strict=True))
    empty = Prediction((), float("nan"), "", {})
    return [by_text.get(text, empty) for text in normalized]


def _predict_distinct(
    model: NeedClassifier,
    texts: Sequence[str],
    explain: bool = False,
    tokens: Mapping[str, Sequence[Token]] | None = None,
) -> list[Prediction]:
    """Predictions for normalised, non-empty texts, a chunk at a time."""
    results: list[Prediction] = []
    for begin in range(0, len(texts), CHUNK_SIZE):
        chunk = texts[begin : begin + CHUNK_SIZE]
        analyses = model.analyze(chunk, tokens)
        features = model.features(analyses)
        scores = model.scores(features)
        chosen = model.chosen(scores)
        led = model.encoder_led(features, scores.head) & ~model.neighbour_led(scores)
        explained = removal_words(model, analyses, scores.labels, led) if explain else {}
        explained = _with_neighbours(model, scores, explained)
        for number, analysis in enumerate(analyses):
            start, end = features.indptr[number], features.indptr[number + 1]
            vector = (features.indices[start:end], features.data[start:end])
            words = explained.get(number, {})
            row = (scores.labels[number], chosen[number], scores.need[number])
            results.append(_decide(model, analysis, row, vector, words))
    return results


def _with_neighbours(
    model: NeedClassifier, scores: Scores, explained: dict[int, dict[str, list[str]]]
) -> dict[int, dict[str, list[str]]]:
    """For labels the neighbours' vote decided: the gist of the nearest labelled answer
    that carries the label, masked, as the evidence."""
    led = model.neighbour_led(scores)
    if scores.vote is None or not led.any():
        return explained
    result = {number: dict(words) for number, words in explained.items()}
    for number, column in zip(*np.nonzero(led), strict=True):
        gist = neighbour_gist(model, scores.vote.nearest[number], int(column))
        if gist:
            result.setdefault(int(number), {})[model.labels[column]] = [f"{SIMILAR}「{gist}」"]
    return result


def _decide(
    model: NeedClassifier,
    analysis: Analysis,
    row: tuple[np.ndarray, np.ndarray, float],
    vector: tuple[np.ndarray, np.ndarray],
    explained: dict[str, list[str]],
) -> Prediction:
    values, given, need = row
    probabilities = {label: float(p) for label, p in zip(model.labels, values, strict=True)}
    corrected = (model.overrides or {}).get(text_key(analysis.answer.text))
    if corrected is not None:
        return Prediction(corrected, 1.0, CORRECTION_EVIDENCE, probabilities)
    chosen = tuple(label for label, on in zip(model.labels, given, strict=True) if on)
    if chosen:
        confidence = float(np.mean([probabilities[label] for label in chosen]))
        words = {
            label: explained.get(label) or rule_or_model_words(model, analysis, label, vector)
            for label in chosen
        }
        return Prediction(chosen, confidence, evidence_text(words), probabilities)
    passed = [label for label in model.labels if probabilities[label] >= model.threshold(label)]
    if passed:  # the status gate took the labels away
        return Prediction((), float(1.0 - need), GATED, probabilities)
    negated = negated_words(analysis)
    evidence = f"{NEGATED}: {'・'.join(negated)}" if negated else ""
    return Prediction((), 1.0 - max(probabilities.values()), evidence, probabilities)


def evidence_text(words: Mapping[str, Sequence[str]]) -> str:
    """「移動支援: バス・通院／配食: 弁当」: each label and its words."""
    return "／".join(f"{label}: {'・'.join(found)}" for label, found in words.items())


def is_corrected(model: NeedClassifier, text: str) -> bool:
    """Whether the model answers this text from a coordinator's correction."""
    return text_key(text) in (model.overrides or {})


def names_beside_results(
    names: Sequence[str], added: Sequence[str] = ()
) -> tuple[list[str], list[tuple[str, str]]]:
    """Rename input columns that share a name with a result column (or with ``added``,
    other names the output gives its results), so that an input holding (say) hand-coded
    ``categories`` or 分類 keeps them next to the classifier's."""
    reserved = set(RESULT_COLUMNS) | set(added)
    taken = set(names) | reserved
    result, renamed = [], []
    for name in names:
        if name in reserved:
            new = f"{name}（入力）"
            number = 2
            while new in taken:
                new = f"{name}（入力{number}）"
                number += 1
            taken.add(new)
            renamed.append((name, new))
            name = new
        result.append(name)
    return result, renamed


def classify_responses(
    responses: pd.DataFrame,
    model: NeedClassifier,
    text_column: str = "text",
    explain: bool = False,
    tokens: Mapping[str, Sequence[Token]] | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """A copy of ``responses`` with ``has_text``, ``categories`` (tuple), ``confidence``
    and ``evidence``. Respondents who wrote nothing get the empty tuple and no confidence;
    answers with no need get ``(その他,)``. An input column named like one of these is
    kept under a new name (``categories（入力）``), never overwritten. ``explain``,
    ``tokens`` and ``workers``: see :func:`predict_answers`. The model is always the
    caller's (``classify.store.get_classifier`` builds a config's), so nothing is fitted
    here."""
    texts = responses[text_column].fillna("").astype(str).tolist()
    predictions = predict_answers(model, texts, workers, explain, tokens)
    result = responses.copy()
    names, _ = names_beside_results([str(name) for name in result.columns])
    result.columns = names
    has_text = [bool(normalize_text(text)) for text in texts]
    result["has_text"] = has_text
    result["categories"] = [
        (p.labels or (model.other,)) if has else ()
        for p, has in zip(predictions, has_text, strict=True)
    ]
    result["confidence"] = [p.confidence for p in predictions]
    result["evidence"] = [p.evidence for p in predictions]
    return result
