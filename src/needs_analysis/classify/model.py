"""Need classification: the coding rules, word features and a sentence encoder, combined.

Each answer is normalised, tokenised once, and analysed by the rules (synonyms, negation
scopes, which rule lines match). A Pipeline of standard parts then learns from our labeled
answers: TF-IDF over lemmas (marked when negated), TF-IDF over character n-grams, the rule
hits and the answer's e5-small sentence embedding, into one logistic regression per label.
A label is given when its probability reaches the threshold; その他 when none does. The
evidence of a label is the words its rules matched, or else the words that weighed most for
it in the model; for a label the sentence embedding decided, the words whose removal lowers
its probability most.

The fast path leaves the sentence embedding out, for very large files.

The features are built in :mod:`needs_analysis.classify.features`, the labeled answers read
in :mod:`needs_analysis.classify.labeled`, and the fitted model cached by
:mod:`needs_analysis.classify.store`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from needs_analysis.classify.encoder import embeddings
from needs_analysis.classify.features import ENCODER_WEIGHT, Analysis, build_pipeline
from needs_analysis.classify.labeled import label_matrix
from needs_analysis.classify.parallel import fewer_collections, predict_in_processes
from needs_analysis.coding.rules import RuleSet
from needs_analysis.coding.taxonomy import Taxonomy
from needs_analysis.errors import InputError
from needs_analysis.paths import usable_cpus
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token

DEFAULT_THRESHOLD = 0.5
# Words tried for removal when explaining a label the sentence embedding decided.
EXPLAIN_WORDS = 12
CHUNK_SIZE = 1000
PARALLEL_FROM = 5000


@dataclass(frozen=True)
class Prediction:
    """The labels of one answer, how sure the model is, and the words behind them."""

    labels: tuple[str, ...]
    confidence: float
    evidence: str
    probabilities: dict[str, float]


class NeedClassifier(BaseEstimator):
    """Rules, word features and (unless ``fast``) the sentence encoder, in one model.

    Follows scikit-learn's conventions: the constructor only stores its parameters,
    :meth:`fit` builds and fits the pipeline (``pipeline_``) and returns the model.
    """

    def __init__(
        self,
        labels: Sequence[str] = (),
        other: str = "その他",
        rules_path: Path | str | None = None,
        user_dictionary: Path | str | None = None,
        fast: bool = False,
        encoder_weight: float = ENCODER_WEIGHT,
        thresholds: dict[str, float] | None = None,
        metadata: dict[str, object] | None = None,
    ):
        self.labels = labels
        self.other = other
        self.rules_path = rules_path
        self.user_dictionary = user_dictionary
        self.fast = fast
        self.encoder_weight = encoder_weight
        self.thresholds = thresholds
        self.metadata = metadata

    @classmethod
    def for_taxonomy(cls, taxonomy: Taxonomy, **parameters: object) -> NeedClassifier:
        """An unfitted model for the labels of a taxonomy."""
        return cls(labels=tuple(taxonomy.labels), other=taxonomy.other, **parameters)

    def fit(
        self,
        texts: Sequence[str],
        label_sets: Sequence[Sequence[str]],
        sample_weight: Sequence[float] | None = None,
    ) -> NeedClassifier:
        """Fit on texts and their label sets; ``sample_weight`` weighs answers in the head
        (a town's corrections count more than other answers)."""
        pipeline = build_pipeline(
            self.labels, self.rules_path, self.user_dictionary, self.fast, self.encoder_weight
        )
        texts = list(texts)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        with fewer_collections():
            if not self.fast:
                embeddings([normalize_text(text) for text in texts])  # one progress bar
            features = pipeline[:-1].fit_transform(texts)
            pipeline[-1].fit(features, label_matrix(label_sets, self.labels), weights)
        union = pipeline.named_steps["features"]
        self.pipeline_ = pipeline
        self.blocks_ = {}
        start = 0
        for name, transformer in union.transformer_list:
            size = len(transformer.get_feature_names_out())
            self.blocks_[name] = (start, start + size)
            start += size
        self.lemma_names_ = union.named_transformers["lemmas"].get_feature_names_out()
        return self

    @property
    def pipeline(self) -> Pipeline:
        return self.pipeline_

    @property
    def rules(self) -> RuleSet:
        return self.pipeline_.named_steps["analyze"].rules_

    @property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer the model reads answers with (the town's user dictionary, if any)."""
        return self.rules.tokenizer

    def threshold(self, label: str) -> float:
        return (self.thresholds or {}).get(label, DEFAULT_THRESHOLD)

    def predict(
        self,
        texts: Sequence[str],
        workers: int | None = None,
        explain: bool = False,
        tokens: Mapping[str, Sequence[Token]] | None = None,
    ) -> list[Prediction]:
        """Predictions in input order; identical normalised texts are classified once.

        On the fast path large inputs are split over ``workers`` processes (default: one
        per core, at most two, from 5,000 distinct answers on); each process tokenises with
        its own tagger. With the encoder, every text is embedded first (once, through the
        cache); ``explain`` names the words behind labels the encoder decided (it embeds each
        such answer again once per word left out, so it is meant for answers to be shown).
        ``tokens`` maps normalised texts to their tokens (from this model's tokenizer,
        :attr:`tokenizer`) when the caller has tokenised them already.
        """
        normalized = [normalize_text(text) for text in texts]
        unique = list(dict.fromkeys(text for text in normalized if text))
        if workers is None:
            parallel = self.fast and len(unique) >= PARALLEL_FROM
            workers = min(2, usable_cpus()) if parallel else 1
        with fewer_collections():
            if not self.fast:
                embeddings(unique)
            if workers > 1 and self.fast:
                results = predict_in_processes(self._predict_distinct, unique, workers, tokens)
            else:
                results = self._predict_distinct(unique, explain, tokens)
        by_text = dict(zip(unique, results, strict=True))
        empty = Prediction((), float("nan"), "", {})
        return [by_text.get(text, empty) for text in normalized]

    def _predict_distinct(
        self,
        texts: Sequence[str],
        explain: bool = False,
        tokens: Mapping[str, Sequence[Token]] | None = None,
    ) -> list[Prediction]:
        """Predictions for normalised, non-empty texts, a chunk at a time.

        Chunks keep the number of live token objects small, which keeps Python's garbage
        collector from rescanning them over and over.
        """
        results: list[Prediction] = []
        for begin in range(0, len(texts), CHUNK_SIZE):
            chunk = texts[begin : begin + CHUNK_SIZE]
            analyses = self.pipeline_.named_steps["analyze"].transform(chunk, tokens)
            features = sparse.csr_matrix(self.pipeline_.named_steps["features"].transform(analyses))
            probabilities = self.pipeline_.named_steps["classify"].predict_proba(features)
            led = self._encoder_led(features, probabilities)
            explained = self._explain(analyses, probabilities, led) if explain else {}
            for number, (analysis, row) in enumerate(zip(analyses, probabilities, strict=True)):
                start, end = features.indptr[number], features.indptr[number + 1]
                vector = (features.indices[start:end], features.data[start:end])
                results.append(self._decide(analysis, row, vector, explained.get(number, {})))
        return results

    def _encoder_led(self, features: sparse.csr_matrix, probabilities: np.ndarray) -> np.ndarray:
        """True where a label is given only because of the sentence embedding's share."""
        led = np.zeros(probabilities.shape, dtype=bool)
        if "encoder" not in self.blocks_:
            return led
        start, stop = self.blocks_["encoder"]
        block = features[:, start:stop].toarray()
        head = self.pipeline_.named_steps["classify"]
        for column, label in enumerate(self.labels):
            share = block @ head.coefficients(column)[start:stop]
            p = np.clip(probabilities[:, column], 1e-12, 1 - 1e-12)
            without = 1.0 / (1.0 + np.exp(-(np.log(p / (1 - p)) - share)))
            threshold = self.threshold(label)
            led[:, column] = (p >= threshold) & (without < threshold)
        return led

    def _explain(
        self, analyses: Sequence[Analysis], probabilities: np.ndarray, led: np.ndarray
    ) -> dict[int, dict[str, list[str]]]:
        """For encoder-led labels: the words whose removal lowers the probability most."""
        trials: list[tuple[int, int, str, str]] = []  # answer, label column, word, variant
        for number, column in zip(*np.nonzero(led), strict=True):
            answer = analyses[number].answer
            words = list(dict.fromkeys(t.surface for t in answer.tokens if t.is_content()))
            for word in words[:EXPLAIN_WORDS]:
                trials.append((number, column, word, answer.text.replace(word, "", 1)))
        if not trials:
            return {}
        variants = list(dict.fromkeys(trial[3] for trial in trials))
        changed = dict(zip(variants, self._probabilities(variants), strict=True))
        drops: dict[tuple[int, int], list[tuple[float, str]]] = {}
        for number, column, word, variant in trials:
            drop = probabilities[number, column] - changed[variant][column]
            drops.setdefault((number, column), []).append((drop, word))
        explained: dict[int, dict[str, list[str]]] = {}
        for (number, column), scored in drops.items():
            ranked = sorted(scored, key=lambda item: -item[0])
            words = [word for drop, word in ranked if drop > 0][:3]
            explained.setdefault(number, {})[self.labels[column]] = words
        return explained

    def _probabilities(self, texts: Sequence[str]) -> np.ndarray:
        steps = self.pipeline_.named_steps
        features = steps["features"].transform(steps["analyze"].transform(texts))
        return steps["classify"].predict_proba(sparse.csr_matrix(features))

    def _decide(
        self,
        analysis: Analysis,
        row: np.ndarray,
        vector: tuple[np.ndarray, np.ndarray],
        explained: dict[str, list[str]],
    ) -> Prediction:
        probabilities = {label: float(p) for label, p in zip(self.labels, row, strict=True)}
        chosen = tuple(
            label for label in self.labels if probabilities[label] >= self.threshold(label)
        )
        if chosen:
            confidence = float(np.mean([probabilities[label] for label in chosen]))
            evidence = "／".join(
                f"{label}: {'・'.join(explained.get(label) or self._evidence(analysis, label, vector))}"
                for label in chosen
            )
            return Prediction(chosen, confidence, evidence, probabilities)
        confidence = 1.0 - max(probabilities.values())
        negated = [
            token.surface
            for token, neg in zip(analysis.answer.tokens, analysis.answer.negated, strict=True)
            if neg and token.is_content()
        ]
        evidence = f"打ち消し: {'・'.join(dict.fromkeys(negated))}" if negated else ""
        return Prediction((), confidence, evidence, probabilities)

    def _evidence(
        self, analysis: Analysis, label: str, vector: tuple[np.ndarray, np.ndarray]
    ) -> list[str]:
        tokens = analysis.answer.tokens
        content = {t.surface for t in tokens if t.is_content()}
        words = [word for word in analysis.rule_hits.get(label, []) if word in content]
        if words:
            return list(dict.fromkeys(words))[:6]
        # No rule fired: name the content words present that weigh most for the label.
        content_lemmas = {
            lemma
            for token, lemma in zip(tokens, analysis.answer.lemmas, strict=True)
            if token.is_content()
        }
        names = self.lemma_names_
        start, stop = self.blocks_["lemmas"]
        column = list(self.labels).index(label)
        weights = self.pipeline_.named_steps["classify"].coefficients(column)
        weights = weights[start:stop]
        indices, values = vector
        inside = (indices >= start) & (indices < stop)
        indices, values = indices[inside] - start, values[inside]
        scores = values * weights[indices]
        order = np.argsort(-scores)
        return [
            names[indices[i]]
            for i in order
            if scores[i] > 0 and names[indices[i]] in content_lemmas
        ][:4]

    # -- persistence -------------------------------------------------------------

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        joblib.dump(self, partial)
        os.replace(partial, path)
        return path

    @staticmethod
    def load(path: Path | str) -> NeedClassifier:
        path = Path(path)
        try:
            model = joblib.load(path)
        except FileNotFoundError:
            raise InputError(path, "モデルのファイルが見つかりません。") from None
        except Exception as error:  # an unreadable or foreign pickle
            raise InputError(
                path, f"モデルのファイルとして読めません（{type(error).__name__}）。"
            ) from None
        if not isinstance(model, NeedClassifier) or not hasattr(model, "pipeline_"):
            raise InputError(path, "needs-analysis のモデルではありません。")
        return model


RESULT_COLUMNS = ("categories", "confidence", "evidence", "has_text")


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
) -> pd.DataFrame:
    """A copy of ``responses`` with ``has_text``, ``categories`` (tuple), ``confidence``
    and ``evidence``. Respondents who wrote nothing get the empty tuple and no confidence;
    answers with no need get ``(その他,)``. An input column named like one of these is
    kept under a new name (``categories（入力）``), never overwritten. ``explain``: see
    :meth:`NeedClassifier.predict`; ``tokens``: the answers' tokens, as there. The model
    is always the caller's (``model_store.get_classifier`` builds a config's), so nothing
    is fitted here."""
    texts = responses[text_column].fillna("").astype(str).tolist()
    given = {} if tokens is None else {"tokens": tokens}  # a model of another kind takes none
    predictions = model.predict(texts, explain=explain, **given)
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
