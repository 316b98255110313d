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

The fitted model is cached on disk, keyed by the package version, the dictionary (with the
town's user dictionary) and encoder versions and hashes of the labeled data, rules and
taxonomy, so ``classify`` works right after installation and refits by itself when any of
them changes.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from needs_analysis import __version__
from needs_analysis.config import Config
from needs_analysis.encoder import embeddings, encoder_version
from needs_analysis.errors import InputError
from needs_analysis.head import EncoderFeatures, LabelHead
from needs_analysis.io import read_table
from needs_analysis.normalize import normalize_text
from needs_analysis.paths import labeled_data_dir, package_file
from needs_analysis.rules import AnalyzedAnswer, RuleSet, load_rules
from needs_analysis.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.tokenize import Token, Tokenizer

LABEL_SEPARATOR = "|"
DEFAULT_THRESHOLD = 0.5
RULE_WEIGHT = 0.1
ENCODER_WEIGHT = 2.0
# Words tried for removal when explaining a label the sentence embedding decided.
EXPLAIN_WORDS = 12
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

    The rule set (with its tokenizer, whose tagger is rebuilt lazily) is loaded in ``fit``;
    the town's user dictionary, if given, keeps its words whole.
    """

    def __init__(self, rules_path: str | None = None, user_dictionary: str | None = None):
        self.rules_path = rules_path
        self.user_dictionary = user_dictionary

    def fit(self, texts: Sequence[str], y: object = None) -> AnswerAnalyzer:
        tokenizer = Tokenizer(self.user_dictionary) if self.user_dictionary else None
        self.rules_ = load_rules(self.rules_path or package_file("rules.txt"), tokenizer)
        return self

    def transform(
        self, texts: Iterable[str], tokens: Mapping[str, Sequence[Token]] | None = None
    ) -> list[Analysis]:
        """The analyses of ``texts``; ``tokens`` (normalised text → its tokens) spares
        tokenising the texts it holds again."""
        known = tokens or {}
        analyses = []
        for text in texts:
            normalized = normalize_text(text)
            answer = self.rules_.analyze(normalized, known.get(normalized))
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


def build_pipeline(
    labels: Sequence[str],
    rules_path: Path | str | None = None,
    user_dictionary: Path | str | None = None,
    fast: bool = False,
    encoder_weight: float = ENCODER_WEIGHT,
) -> Pipeline:
    """The unfitted model: analysis, the feature blocks, one logistic regression per label."""
    blocks = [
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
    ]
    if not fast:
        blocks.append(("encoder", EncoderFeatures()))
    # The rules were written with the labeled answers in view, so on them a rule hit looks
    # almost decisive; at full weight the model then trusts a mere keyword. Down-weighted,
    # it only tips answers the words leave open. The sentence embedding carries what an
    # answer means when its words are not the usual ones; its weight was chosen by
    # cross-validation on the labeled answers (see README).
    weights = {"lemmas": 1.0, "chars": 1.0, "rules": RULE_WEIGHT, "encoder": encoder_weight}
    analyzer = AnswerAnalyzer(
        str(rules_path) if rules_path else None, str(user_dictionary) if user_dictionary else None
    )
    return Pipeline(
        [
            ("analyze", analyzer),
            (
                "features",
                FeatureUnion(
                    blocks, transformer_weights={name: weights[name] for name, _ in blocks}
                ),
            ),
            ("classify", LabelHead(C=8.0, class_weight="balanced", max_iter=2000)),
        ]
    )


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
        with _fewer_collections():
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
            workers = min(2, os.cpu_count() or 1) if parallel else 1
        with _fewer_collections():
            if not self.fast:
                embeddings(unique)
            if workers > 1 and self.fast:
                results = _predict_in_processes(self, unique, workers, tokens)
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


def _predict_chunk_in_worker(
    part: tuple[list[str], dict[str, Sequence[Token]] | None],
) -> list[Prediction]:
    assert _worker_model is not None
    texts, tokens = part
    return _worker_model._predict_distinct(texts, tokens=tokens)


def _predict_in_processes(
    model: NeedClassifier,
    texts: list[str],
    workers: int,
    tokens: Mapping[str, Sequence[Token]] | None = None,
) -> list[Prediction]:
    """Split the texts over forked worker processes that inherit the fitted model."""
    global _worker_model
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return model._predict_distinct(texts, tokens=tokens)
    _worker_model = model
    size = -(-len(texts) // (workers * 4))  # a few chunks per worker to balance the load
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    parts = [
        (
            chunk,
            None if tokens is None else {text: tokens[text] for text in chunk if text in tokens},
        )
        for chunk in chunks
    ]
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
    user_dictionary: Path | None = None
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
            user_dictionary=config.user_dictionary,
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
            "dictionary_version": Tokenizer(self.user_dictionary).version,
            "encoder_version": encoder_version(),
            "block_weights": f"rules {RULE_WEIGHT}, encoder {ENCODER_WEIGHT}",
            "training_data_sha256": digest(labeled_files) if self.use_base else "",
            "rules_sha256": digest([self.rules]),
            "taxonomy_sha256": digest([self.taxonomy]),
        }
        if self.is_town_model:  # the town's own files; absent, the key is the bundled one's
            fingerprint["town_added_sha256"] = digest(self.added)
            fingerprint["town_corrections_sha256"] = digest(self.corrections)
            fingerprint["corrections_weight"] = repr(float(self.corrections_weight))
        return fingerprint


def model_cache_path(fingerprint: dict[str, str], fast: bool = False) -> Path:
    key = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    name = f"model-fast-{key}.joblib" if fast else f"model-{key}.joblib"
    return Path(root) / "needs-analysis" / name


def train(sources: ModelSources, fast: bool = False) -> NeedClassifier:
    """Fit the classifier on the labeled answers (and a town's own, when it has them);
    ``fast``: without the sentence encoder."""
    taxonomy = load_taxonomy(sources.taxonomy)
    if sources.is_town_model:
        from needs_analysis.town_model import fit_town_model

        return fit_town_model(sources, taxonomy, fast)
    labeled = read_labeled(sources.labeled, taxonomy)
    metadata = {**sources.fingerprint(), "examples": len(labeled), "fast": fast}
    model = NeedClassifier.for_taxonomy(
        taxonomy,
        rules_path=sources.rules,
        user_dictionary=sources.user_dictionary,
        fast=fast,
        metadata=metadata,
    )
    return model.fit(labeled["text"], labeled["labels"])


def get_classifier(
    config: Config | None = None, refit: bool = False, fast: bool | None = None
) -> NeedClassifier:
    """The classifier for a config: from the cache when its sources are unchanged.

    A config whose folder holds the town's labelled answers or corrections gets the
    town's model, keyed by those files too. ``fast`` (default: the config's
    ``classifier.fast``, else off) leaves the sentence encoder out: rules and word
    features only, for very large files.
    """
    if fast is None:
        fast = bool(getattr(config, "classifier_fast", False))
    sources = ModelSources.from_config(config)
    cache = model_cache_path(sources.fingerprint(), fast)
    if cache.is_file() and not refit:
        try:
            return NeedClassifier.load(cache)
        except InputError:
            pass  # a stale or damaged cache file is simply refitted
    model = train(sources, fast)
    model.save(cache)
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
    config: Config | None = None,
    text_column: str = "text",
    model: NeedClassifier | None = None,
    fast: bool | None = None,
    explain: bool = False,
    tokens: Mapping[str, Sequence[Token]] | None = None,
) -> pd.DataFrame:
    """A copy of ``responses`` with ``has_text``, ``categories`` (tuple), ``confidence``
    and ``evidence``. Respondents who wrote nothing get the empty tuple and no confidence;
    answers with no need get ``(その他,)``. An input column named like one of these is
    kept under a new name (``categories（入力）``), never overwritten. ``explain``: see
    :meth:`NeedClassifier.predict`; ``tokens``: the answers' tokens, as there."""
    model = model or get_classifier(config, fast=fast)
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
