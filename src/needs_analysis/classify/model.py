"""The need classifier as a scikit-learn estimator: texts in, numbers out.

Each answer is normalised, tokenised once, and analysed by the rules (synonyms, negation
scopes, which rule lines match). A Pipeline of standard parts then learns from our labeled
answers: TF-IDF over lemmas (marked when negated), TF-IDF over character n-grams, the rule
hits and the answer's e5-small sentence embedding, into one logistic regression per label.
:meth:`NeedClassifier.predict_proba` gives each label's probability and
:meth:`NeedClassifier.predict` the 0/1 matrix at the labels' thresholds.

What a reader sees — the labels of an answer, its confidence and the words behind them — is
made from these numbers in :mod:`needs_analysis.classify.predictions`. The fast path leaves
the sentence embedding out, for very large files. The features are built in
:mod:`needs_analysis.classify.features`, the fitted model cached by
:mod:`needs_analysis.classify.store`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from needs_analysis.classify.encoder import embeddings
from needs_analysis.classify.features import ENCODER_WEIGHT, Analysis, build_pipeline
from needs_analysis.classify.parallel import fewer_collections
from needs_analysis.coding.rules import RuleSet
from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.errors import InputError
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token

DEFAULT_THRESHOLD = 0.5
CHUNK_SIZE = 1000


class NeedClassifier(BaseEstimator):
    """Rules, word features and (unless ``fast``) the sentence encoder, in one model.

    Follows scikit-learn's conventions: the constructor only stores its parameters,
    :meth:`fit` builds and fits the pipeline (``pipeline_``) and returns the model. A
    town's model is the same estimator fitted on more answers; ``overrides`` holds the
    coordinator's categories of the very texts the town corrected (key of the text →
    categories), which :mod:`~needs_analysis.classify.predictions` gives those texts.
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
        overrides: dict[str, tuple[str, ...]] | None = None,
    ):
        self.labels = labels
        self.other = other
        self.rules_path = rules_path
        self.user_dictionary = user_dictionary
        self.fast = fast
        self.encoder_weight = encoder_weight
        self.thresholds = thresholds
        self.metadata = metadata
        self.overrides = overrides

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
        targets = MultiLabelBinarizer(classes=list(self.labels)).fit_transform(label_sets)
        with fewer_collections():
            if not self.fast:
                embeddings([normalize_text(text) for text in texts])  # one progress bar
            features = pipeline[:-1].fit_transform(texts)
            pipeline[-1].fit(features, targets, weights)
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

    def threshold_row(self) -> np.ndarray:
        """Each label's threshold, in label order."""
        return np.asarray([self.threshold(label) for label in self.labels], dtype=float)

    # -- numbers ------------------------------------------------------------------

    def analyze(
        self, texts: Sequence[str], tokens: Mapping[str, Sequence[Token]] | None = None
    ) -> list[Analysis]:
        """Each text analysed by the rules; ``tokens`` (normalised text → tokens from
        :attr:`tokenizer`) spares tokenising again."""
        return self.pipeline_.named_steps["analyze"].transform(texts, tokens)

    def features(self, analyses: Sequence[Analysis]) -> sparse.csr_matrix:
        """The feature blocks of analysed answers, side by side."""
        return sparse.csr_matrix(self.pipeline_.named_steps["features"].transform(analyses))

    def head_proba(self, features: sparse.csr_matrix) -> np.ndarray:
        """Each label's probability from the feature matrix."""
        return self.pipeline_.named_steps["classify"].predict_proba(features)

    def coefficients(self, label: str, block: str) -> np.ndarray:
        """The head's weights of one label over one feature block."""
        start, stop = self.blocks_[block]
        column = list(self.labels).index(label)
        return self.pipeline_.named_steps["classify"].coefficients(column)[start:stop]

    def predict_proba(
        self, texts: Sequence[str], tokens: Mapping[str, Sequence[Token]] | None = None
    ) -> np.ndarray:
        """Each label's probability for each text (rows in input order, columns in label
        order), a chunk at a time so that few token objects live at once."""
        rows = []
        with fewer_collections():
            for begin in range(0, len(texts), CHUNK_SIZE):
                chunk = list(texts[begin : begin + CHUNK_SIZE])
                rows.append(self.head_proba(self.features(self.analyze(chunk, tokens))))
        return np.vstack(rows) if rows else np.zeros((0, len(self.labels)))

    def predict(
        self, texts: Sequence[str], tokens: Mapping[str, Sequence[Token]] | None = None
    ) -> np.ndarray:
        """The 0/1 label matrix: a label where its probability reaches its threshold."""
        return (self.predict_proba(texts, tokens) >= self.threshold_row()).astype(np.int64)

    def encoder_led(self, features: sparse.csr_matrix, probabilities: np.ndarray) -> np.ndarray:
        """True where a label is given only because of the sentence embedding's share."""
        led = np.zeros(probabilities.shape, dtype=bool)
        if "encoder" not in self.blocks_:
            return led
        start, stop = self.blocks_["encoder"]
        block = features[:, start:stop].toarray()
        for column, label in enumerate(self.labels):
            share = block @ self.coefficients(label, "encoder")
            p = np.clip(probabilities[:, column], 1e-12, 1 - 1e-12)
            without = 1.0 / (1.0 + np.exp(-(np.log(p / (1 - p)) - share)))
            threshold = self.threshold(label)
            led[:, column] = (p >= threshold) & (without < threshold)
        return led

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
