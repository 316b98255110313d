"""Need classification: the coding rules and a scikit-learn model, combined.

Each answer is normalised, tokenised once, and analysed by the rules (synonyms, negation
scopes, which rule lines match). A Pipeline of standard parts then learns from our labeled
answers: TF-IDF over lemmas (marked when negated), TF-IDF over character n-grams, the rule
hits, and the mean word vector of the content words, into one logistic regression per label.
A label is given when its probability reaches the threshold; その他 when none does. The
evidence of a label is the words its rules matched, or else the words that weighed most for
it in the model.

The fitted model is cached on disk, keyed by the package version, the dictionary and word
vector versions and hashes of the labeled data, rules and taxonomy, so ``classify`` works right after
installation and refits by itself (in well under 30 seconds) when any of them changes.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from needs_analysis import __version__
from needs_analysis.config import Config
from needs_analysis.errors import InputError
from needs_analysis.io import read_table
from needs_analysis.normalize import normalize_text
from needs_analysis.paths import labeled_data_dir, package_file
from needs_analysis.rules import AnalyzedAnswer, RuleSet, load_rules
from needs_analysis.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.tokenize import CONTENT_POS_PREFIXES, dictionary_version
from needs_analysis.wordvectors import load_word_vectors, vectors_version

LABEL_SEPARATOR = "|"
DEFAULT_THRESHOLD = 0.5
RULE_WEIGHT = 0.1
VECTOR_WEIGHT = 2.0
# Parts of speech whose word vectors enter an answer's mean vector.
VECTOR_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞")
CHUNK_SIZE = 1000
PARALLEL_FROM = 5000
# Parts of speech that carry no meaning of their own as features or evidence.
_SKIP_POS = ("補助記号", "空白", "記号")


# --------------------------------------------------------------------------- features


@dataclass(frozen=True)
class Analysis:
    """An analysed answer plus its rule hits (label → evidence words)."""

    answer: AnalyzedAnswer
    rule_hits: dict[str, list[str]] = field(default_factory=dict)


class AnswerAnalyzer(BaseEstimator, TransformerMixin):
    """Texts → :class:`Analysis` objects: normalise, tokenise, negation, rule matches.

    The rule set (with its tokenizer, whose tagger is rebuilt lazily) is loaded in ``fit``.
    """

    def __init__(self, rules_path: str | None = None):
        self.rules_path = rules_path

    def fit(self, texts: Sequence[str], y: object = None) -> AnswerAnalyzer:
        self.rules_ = load_rules(self.rules_path or package_file("rules.txt"))
        return self

    def transform(self, texts: Iterable[str]) -> list[Analysis]:
        analyses = []
        for text in texts:
            answer = self.rules_.analyze(normalize_text(text))
            analyses.append(Analysis(answer, self.rules_.match(answer)))
        return analyses

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(["analysis"], dtype=object)


def lemma_features(analysis: Analysis) -> list[str]:
    """Canonical lemmas (``NEG:`` inside a negation) and adjacent lemma pairs."""
    answer = analysis.answer
    words = [
        ("NEG:" if negated else "") + lemma
        for token, lemma, negated in zip(answer.tokens, answer.lemmas, answer.negated, strict=True)
        if not token.pos.startswith(_SKIP_POS)
    ]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def answer_text(analysis: Analysis) -> str:
    """The normalised text, for character n-grams."""
    return analysis.answer.text


class RuleFeatures(BaseEstimator, TransformerMixin):
    """One 0/1 column per label: did any of the label's rule lines match."""

    def __init__(self, labels: Sequence[str] = ()):
        self.labels = labels

    def fit(self, analyses: Sequence[Analysis], y: object = None) -> RuleFeatures:
        self.labels_ = list(self.labels)
        return self

    def transform(self, analyses: Sequence[Analysis]) -> sparse.csr_matrix:
        index = {label: i for i, label in enumerate(self.labels_)}
        rows, cols = [], []
        for row, analysis in enumerate(analyses):
            for label in analysis.rule_hits:
                if label in index:
                    rows.append(row)
                    cols.append(index[label])
        data = np.ones(len(rows), dtype=np.float64)
        return sparse.csr_matrix((data, (rows, cols)), shape=(len(analyses), len(self.labels_)))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"rule:{label}" for label in self.labels_], dtype=object)


def build_pipeline(labels: Sequence[str], rules_path: Path | None = None) -> Pipeline:
    """The unfitted model: analysis, three feature groups, one logistic regression per label."""
    return Pipeline(
        [
            ("analyze", AnswerAnalyzer(str(rules_path) if rules_path else None)),
            (
                "features",
                FeatureUnion(
                    [
                        ("lemmas", TfidfVectorizer(analyzer=lemma_features, sublinear_tf=True)),
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer="char_wb",
                                preprocessor=answer_text,
                                ngram_range=(2, 3),
                                min_df=2,
                                sublinear_tf=True,
                            ),
                        ),
                        ("rules", RuleFeatures(tuple(labels))),
                        ("vectors", VectorFeatures()),
                    ],
                    # The rules were written with the labeled answers in view, so on them a
                    # rule hit looks almost decisive; at full weight the model then trusts a
                    # mere keyword. Down-weighted, it only tips answers the words leave
                    # open (chosen on answers written after the rules; see README).
                    # The word vectors carry the meaning of words the labeled answers
                    # never used; their weight was chosen on the same later answers.
                    transformer_weights={
                        "lemmas": 1.0,
                        "chars": 1.0,
                        "rules": RULE_WEIGHT,
                        "vectors": VECTOR_WEIGHT,
                    },
                ),
            ),
            (
                "classify",
                OneVsRestClassifier(
                    LogisticRegression(C=8.0, class_weight="balanced", max_iter=2000)
                ),
            ),
        ]
    )


class VectorFeatures(BaseEstimator, TransformerMixin):
    """The unit-length mean word vector of an answer's words outside a negation.

    Unlike counting, this keeps verbs such as 行く and 来る and pronouns such as 誰: alone
    they say little, but their vectors shift the mean towards going out or being alone.
    """

    def __init__(self, pos_prefixes: tuple[str, ...] = VECTOR_POS):
        self.pos_prefixes = pos_prefixes

    def fit(self, analyses: Sequence[Analysis], y: object = None) -> VectorFeatures:
        self.dimensions_ = load_word_vectors().dimensions
        return self

    def transform(self, analyses: Sequence[Analysis]) -> np.ndarray:
        vectors = load_word_vectors()
        rows_per_answer = []
        for analysis in analyses:
            rows = (vectors.row(*forms) for forms in _vector_forms(analysis, self.pos_prefixes))
            rows_per_answer.append([row for row in rows if row >= 0])
        return vectors.mean_vectors(rows_per_answer)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"vector:{i}" for i in range(self.dimensions_)], dtype=object)


def _vector_forms(analysis: Analysis, pos_prefixes: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Surface, dictionary form and canonical lemma of each word no negation covers."""
    answer = analysis.answer
    return [
        (token.surface, token.lemma.split("-")[0], lemma)
        for token, lemma, negated in zip(answer.tokens, answer.lemmas, answer.negated, strict=True)
        if token.pos.startswith(pos_prefixes) and not negated
    ]


# --------------------------------------------------------------------------- labeled data


def parse_labels(value: str, taxonomy: Taxonomy, where: str) -> tuple[str, ...]:
    """``移動支援|買い物支援`` → a tuple in taxonomy order; その他 (or empty) → ()."""
    parts = [normalize_text(part) for part in str(value).split(LABEL_SEPARATOR)]
    parts = [part for part in parts if part]
    unknown = [p for p in parts if p not in taxonomy.labels and p != taxonomy.other]
    if unknown:
        raise InputError(where, f"分類「{'、'.join(unknown)}」は分類表にありません。")
    if taxonomy.other in parts and len(parts) > 1:
        raise InputError(where, f"「{taxonomy.other}」はほかの分類と一緒に付けられません。")
    return tuple(label for label in taxonomy.labels if label in parts)


def read_labeled(
    source: Path | str,
    taxonomy: Taxonomy,
    text_column: str = "text",
    label_column: str = "categories",
) -> pd.DataFrame:
    """Labeled answers from a file or every ``.tsv``/``.csv`` in a folder.

    Returns columns ``text`` and ``labels`` (a tuple; empty for その他) and ``source``.
    """
    source = Path(source)
    files = (
        sorted(source.glob("*.tsv")) + sorted(source.glob("*.csv")) if source.is_dir() else [source]
    )
    if not files:
        raise InputError(source, "ラベル付きの回答（.tsv / .csv）がありません。")
    frames = []
    for path in files:
        table = read_table(path)
        header = [normalize_text(h) for h in table.header]
        missing = [c for c in (text_column, label_column) if c not in header]
        if missing:
            raise InputError(
                path,
                f"この列が見つかりません（見出し: {'、'.join(table.header)}）。",
                row=1,
                column=missing[0],
            )
        text_at, label_at = header.index(text_column), header.index(label_column)
        records = []
        for row in table.rows:
            if row.problem is not None:
                raise InputError(path, row.problem, row=row.source_row)
            where = f"{path} の{row.source_row}行目"
            records.append(
                {
                    "text": row.cells[text_at],
                    "labels": parse_labels(row.cells[label_at], taxonomy, where),
                    "source": f"{path.name}:{row.source_row}",
                }
            )
        frames.append(pd.DataFrame(records, columns=["text", "labels", "source"]))
    return pd.concat(frames, ignore_index=True)


def label_matrix(label_sets: Iterable[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    """0/1 indicator matrix, one column per label in order."""
    label_sets = list(label_sets)
    matrix = np.zeros((len(label_sets), len(labels)), dtype=np.int64)
    for row, chosen in enumerate(label_sets):
        for column, label in enumerate(labels):
            matrix[row, column] = label in chosen
    return matrix


# --------------------------------------------------------------------------- classifier


@dataclass(frozen=True)
class Prediction:
    """The labels of one answer, how sure the model is, and the words behind them."""

    labels: tuple[str, ...]
    confidence: float
    evidence: str
    probabilities: dict[str, float]


@dataclass
class NeedClassifier:
    """A fitted pipeline with the labels, thresholds and what it was fitted on."""

    pipeline: Pipeline
    labels: tuple[str, ...]
    other: str
    metadata: dict[str, object]
    thresholds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        label_sets: Sequence[Sequence[str]],
        taxonomy: Taxonomy,
        rules_path: Path | None = None,
        metadata: dict[str, object] | None = None,
        sample_weight: Sequence[float] | None = None,
    ) -> NeedClassifier:
        """Fit on texts and their label sets; ``sample_weight`` weighs answers in the
        logistic regressions (a town's corrections count more than other answers)."""
        pipeline = build_pipeline(taxonomy.labels, rules_path)
        y = label_matrix(label_sets, taxonomy.labels)
        with _fewer_collections():
            if sample_weight is None:
                pipeline.fit(list(texts), y)
            else:
                # Route the weights to the per-label regressions only.
                with sklearn.config_context(enable_metadata_routing=True):
                    pipeline.named_steps["classify"].estimator.set_fit_request(sample_weight=True)
                    pipeline.fit(list(texts), y, sample_weight=np.asarray(sample_weight, float))
        return cls(pipeline, taxonomy.labels, taxonomy.other, dict(metadata or {}))

    @property
    def rules(self) -> RuleSet:
        return self.pipeline.named_steps["analyze"].rules_

    def predict(self, texts: Sequence[str], workers: int | None = None) -> list[Prediction]:
        """Predictions in input order; identical normalised texts are classified once.

        Large inputs are split over ``workers`` processes (default: one per core, at most
        two, from 5,000 distinct answers on); each process tokenises with its own tagger.
        """
        normalized = [normalize_text(text) for text in texts]
        unique = list(dict.fromkeys(text for text in normalized if text))
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if len(unique) >= PARALLEL_FROM else 1
        with _fewer_collections():
            if workers > 1:
                results = _predict_in_processes(self, unique, workers)
            else:
                results = self._predict_distinct(unique)
        by_text = dict(zip(unique, results, strict=True))
        empty = Prediction((), float("nan"), "", {})
        return [by_text.get(text, empty) for text in normalized]

    def _predict_distinct(self, texts: Sequence[str]) -> list[Prediction]:
        """Predictions for normalised, non-empty texts, a chunk at a time.

        Chunks keep the number of live token objects small, which keeps Python's garbage
        collector from rescanning them over and over.
        """
        results: list[Prediction] = []
        for begin in range(0, len(texts), CHUNK_SIZE):
            chunk = texts[begin : begin + CHUNK_SIZE]
            analyses = self.pipeline.named_steps["analyze"].transform(chunk)
            features = sparse.csr_matrix(self.pipeline.named_steps["features"].transform(analyses))
            probabilities = self.pipeline.named_steps["classify"].predict_proba(features)
            for number, (analysis, row) in enumerate(zip(analyses, probabilities, strict=True)):
                start, end = features.indptr[number], features.indptr[number + 1]
                vector = (features.indices[start:end], features.data[start:end])
                results.append(self._decide(analysis, row, vector))
        return results

    def _decide(
        self, analysis: Analysis, row: np.ndarray, vector: tuple[np.ndarray, np.ndarray]
    ) -> Prediction:
        probabilities = {label: float(p) for label, p in zip(self.labels, row, strict=True)}
        chosen = tuple(
            label
            for label in self.labels
            if probabilities[label] >= self.thresholds.get(label, DEFAULT_THRESHOLD)
        )
        if chosen:
            confidence = float(np.mean([probabilities[label] for label in chosen]))
            evidence = "／".join(
                f"{label}: {'・'.join(self._evidence(analysis, label, vector))}" for label in chosen
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
        names, weights = self._lemma_weights(label)
        indices, values = vector
        in_lemmas = indices < len(names)
        indices, values = indices[in_lemmas], values[in_lemmas]
        scores = values * weights[indices]
        order = np.argsort(-scores)
        words = [
            names[indices[i]]
            for i in order
            if scores[i] > 0 and names[indices[i]] in content_lemmas
        ][:4]
        return words or self._vector_evidence(analysis, label)

    def _vector_evidence(self, analysis: Analysis, label: str) -> list[str]:
        """Content words whose vectors point most towards the label (when no word weighs)."""
        vectors = load_word_vectors()
        direction = self._vector_weights(label)
        scored: dict[str, float] = {}
        for forms in _vector_forms(analysis, CONTENT_POS_PREFIXES):
            row = vectors.row(*forms)
            if row >= 0:
                scored[forms[0]] = float(vectors.table[row] @ direction)
        ranked = sorted(scored.items(), key=lambda item: -item[1])
        return [word for word, score in ranked if score > 0][:3]

    def _vector_weights(self, label: str) -> np.ndarray:
        """The label's coefficients for the word vector columns (the last block)."""
        estimator = self.pipeline.named_steps["classify"].estimators_[self.labels.index(label)]
        dimensions = self.pipeline.named_steps["features"].named_transformers["vectors"].dimensions_
        coefficients = np.ravel(getattr(estimator, "coef_", np.zeros((1, dimensions))))
        return coefficients[-dimensions:]

    def _lemma_weights(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """Lemma feature names and the label's coefficients for them (cached)."""
        cache = self.__dict__.setdefault("_weights_cache", {})
        if label not in cache:
            vectorizer = self.pipeline.named_steps["features"].transformer_list[0][1]
            names = vectorizer.get_feature_names_out()
            estimator = self.pipeline.named_steps["classify"].estimators_[self.labels.index(label)]
            coefficients = np.ravel(getattr(estimator, "coef_", np.zeros((1, len(names)))))
            cache[label] = (names, coefficients[: len(names)])
        return cache[label]

    # -- persistence -------------------------------------------------------------

    def __getstate__(self) -> dict[str, object]:
        return {key: value for key, value in self.__dict__.items() if key != "_weights_cache"}

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
        if not isinstance(model, NeedClassifier):
            raise InputError(path, "needs-analysis のモデルではありません。")
        return model


@contextmanager
def _fewer_collections(threshold: int = 20_000) -> Iterator[None]:
    """Run Python's cyclic garbage collector less often while fitting or predicting.

    Analysing answers allocates millions of short-lived token objects that free themselves
    without the collector; at the default threshold it runs thousands of times and keeps
    rescanning the fitted model, which costs about a quarter of the time. Forked workers
    inherit the setting.
    """
    previous = gc.get_threshold()
    gc.set_threshold(max(threshold, previous[0]), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


_worker_model: NeedClassifier | None = None


def _predict_chunk_in_worker(texts: list[str]) -> list[Prediction]:
    assert _worker_model is not None
    return _worker_model._predict_distinct(texts)


def _predict_in_processes(
    model: NeedClassifier, texts: list[str], workers: int
) -> list[Prediction]:
    """Split the texts over forked worker processes that inherit the fitted model."""
    global _worker_model
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return model._predict_distinct(texts)
    _worker_model = model
    load_word_vectors()  # loaded once here, so the forked workers share it
    size = -(-len(texts) // (workers * 4))  # a few chunks per worker to balance the load
    parts = [texts[i : i + size] for i in range(0, len(texts), size)]
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(workers) as pool:
            return [p for part in pool.map(_predict_chunk_in_worker, parts) for p in part]
    finally:
        _worker_model = None


# --------------------------------------------------------------------------- the default model


@dataclass(frozen=True)
class ModelSources:
    """Everything a fitted model depends on.

    ``labeled`` is the base set (the bundled answers, or what the config names instead);
    ``added`` are a town's answers learned beside it, ``corrections`` a town's corrected
    answers, weighed ``corrections_weight`` times (see :mod:`needs_analysis.town_model`).
    """

    labeled: Path
    rules: Path
    taxonomy: Path
    added: tuple[Path, ...] = ()
    corrections: tuple[Path, ...] = ()
    corrections_weight: float = 1.0
    use_base: bool = True

    @classmethod
    def from_config(cls, config: Config | None = None) -> ModelSources:
        from needs_analysis.town_model import town_files

        if config is None:
            return cls(labeled_data_dir(), package_file("rules.txt"), package_file("taxonomy.toml"))
        town = town_files(config)
        return cls(
            config.labeled_dir or labeled_data_dir(),
            config.rules_path,
            config.taxonomy_path,
            added=town.replace + town.added,
            corrections=town.corrections,
            corrections_weight=config.corrections_weight,
            use_base=not town.replace,
        )

    @property
    def is_town_model(self) -> bool:
        return bool(self.added or self.corrections or not self.use_base)

    def fingerprint(self) -> dict[str, str]:
        def digest(paths: Iterable[Path]) -> str:
            hasher = hashlib.sha256()
            for path in sorted(paths):
                hasher.update(path.name.encode())
                hasher.update(path.read_bytes())
            return hasher.hexdigest()[:16]

        labeled = self.labeled
        labeled_files = (
            [*labeled.glob("*.tsv"), *labeled.glob("*.csv")] if labeled.is_dir() else [labeled]
        )
        fingerprint = {
            "package_version": __version__,
            "dictionary_version": dictionary_version(),
            "vectors_version": vectors_version(),
            "training_data_sha256": digest(labeled_files) if self.use_base else "",
            "rules_sha256": digest([self.rules]),
            "taxonomy_sha256": digest([self.taxonomy]),
        }
        if self.is_town_model:  # the town's own files; absent, the key is the bundled one's
            fingerprint["town_added_sha256"] = digest(self.added)
            fingerprint["town_corrections_sha256"] = digest(self.corrections)
            fingerprint["corrections_weight"] = repr(float(self.corrections_weight))
        return fingerprint


def model_cache_path(fingerprint: dict[str, str]) -> Path:
    key = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(root) / "needs-analysis" / f"model-{key}.joblib"


def train(sources: ModelSources) -> NeedClassifier:
    """Fit the classifier on the labeled answers (and a town's own, when it has them)."""
    taxonomy = load_taxonomy(sources.taxonomy)
    if sources.is_town_model:
        from needs_analysis.town_model import fit_town_model

        return fit_town_model(sources, taxonomy)
    labeled = read_labeled(sources.labeled, taxonomy)
    metadata = {**sources.fingerprint(), "examples": len(labeled)}
    return NeedClassifier.fit(labeled["text"], labeled["labels"], taxonomy, sources.rules, metadata)


def get_classifier(config: Config | None = None, refit: bool = False) -> NeedClassifier:
    """The classifier for a config: from the cache when its sources are unchanged.

    A config whose folder holds the town's labelled answers or corrections gets the
    town's model, keyed by those files too.
    """
    sources = ModelSources.from_config(config)
    cache = model_cache_path(sources.fingerprint())
    if cache.is_file() and not refit:
        try:
            return NeedClassifier.load(cache)
        except InputError:
            pass  # a stale or damaged cache file is simply refitted
    model = train(sources)
    model.save(cache)
    return model


def classify_responses(
    responses: pd.DataFrame,
    config: Config | None = None,
    text_column: str = "text",
    model: NeedClassifier | None = None,
) -> pd.DataFrame:
    """A copy of ``responses`` with ``has_text``, ``categories`` (tuple), ``confidence``
    and ``evidence``. Respondents who wrote nothing get the empty tuple and no confidence;
    answers with no need get ``(その他,)``."""
    model = model or get_classifier(config)
    texts = responses[text_column].fillna("").astype(str).tolist()
    predictions = model.predict(texts)
    result = responses.copy()
    result["has_text"] = [bool(normalize_text(text)) for text in texts]
    result["categories"] = [
        (p.labels or (model.other,)) if has else ()
        for p, has in zip(predictions, result["has_text"], strict=True)
    ]
    result["confidence"] = [p.confidence for p in predictions]
    result["evidence"] = [p.evidence for p in predictions]
    return result
