"""The need classifier as a scikit-learn estimator: texts in, numbers out.

Each answer is normalised, tokenised once, and analysed by the rules (synonyms, negation
scopes, which rule lines match). A Pipeline of standard parts then learns from our labeled
answers: TF-IDF over lemmas (marked when negated), TF-IDF over character n-grams, the rule
hits and the answer's e5-small sentence embedding, into one logistic regression per label.
With the encoder, the vote of the labelled answers nearest in meaning
(:mod:`~needs_analysis.classify.neighbours`) is blended into each label's probability, and
a need-status head (does the answer state a need at all?) may remove every label of an
answer whose need it finds unlikely; it never adds one.
:meth:`NeedClassifier.predict_proba` gives each label's probability and
:meth:`NeedClassifier.predict` the 0/1 matrix at the labels' thresholds, after the gate.

What a reader sees — the labels of an answer, its confidence and the words behind them — is
made from these numbers in :mod:`needs_analysis.classify.predictions`. The fast path leaves
the sentence embedding out, for very large files. The features are built in
:mod:`needs_analysis.classify.features`, the fitted model cached by
:mod:`needs_analysis.classify.store`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from needs_analysis.classify.encoder import embeddings
from needs_analysis.classify.features import ENCODER_WEIGHT, Analysis, build_pipeline
from needs_analysis.classify.labeled import NEED
from needs_analysis.classify.neighbours import Neighbours, Vote, blend, gist
from needs_analysis.classify.parallel import fewer_collections
from needs_analysis.coding.rules import RuleSet
from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.errors import InputError
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token

DEFAULT_THRESHOLD = 0.5
CHUNK_SIZE = 1000
# The neighbours' vote: how many labelled answers vote, and how much of each label's
# probability their vote makes up; the need-status gate: below this probability of a
# need, an answer keeps no label (None: no gate). Chosen by the cross-validation that
# holds out whole files (scripts/cv_heldout.py; README).
NEIGHBOURS_K = 5
NEIGHBOURS_SHARE = 0.4
STATUS_GATE: float | None = None


@dataclass(frozen=True)
class Scores:
    """An answer's numbers: the head's probabilities, the same blended with the
    neighbours' vote (``labels``), the probability that the answer states a need at all
    (``need``, NaN without a status head) and the vote itself (None on the fast path)."""

    head: np.ndarray
    labels: np.ndarray
    need: np.ndarray
    vote: Vote | None


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
        neighbours_k: int = NEIGHBOURS_K,
        neighbours_share: float = NEIGHBOURS_SHARE,
        status_gate: float | None = STATUS_GATE,
    ):
        self.labels = labels
        self.other = other
        self.rules_path = rules_path
        self.user_dictionary = user_dictionary
        self.fast = fast
        self.encoder_weight = encoder_weight
        self.neighbours_k = neighbours_k
        self.neighbours_share = neighbours_share
        self.status_gate = status_gate
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
        statuses: Sequence[str] | None = None,
    ) -> NeedClassifier:
        """Fit on texts and their label sets; ``sample_weight`` weighs answers in the head
        and the neighbours' vote (a town's corrections count more than other answers);
        ``statuses`` (``need``, ``met`` … or ``""`` where unknown) train the status head."""
        pipeline = build_pipeline(
            self.labels, self.rules_path, self.user_dictionary, self.fast, self.encoder_weight
        )
        texts = list(texts)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        targets = MultiLabelBinarizer(classes=list(self.labels)).fit_transform(label_sets)
        need = _need_column(statuses, len(texts))
        with fewer_collections():
            if not self.fast:  # one progress bar for all the answers
                vectors = embeddings([normalize_text(text) for text in texts])
            features = pipeline[:-1].fit_transform(texts)
            pipeline[-1].fit(features, targets, weights)
            self.status_head_ = self._fit_status(features, need, weights)
        self.pipeline_ = pipeline
        self.neighbours_ = (
            None
            if self.fast or self.neighbours_share <= 0
            else Neighbours(vectors, targets, weights, need, self._gists(texts))
        )
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

    def _fit_status(
        self, features: sparse.csr_matrix, need: np.ndarray, weights: np.ndarray | None
    ) -> LogisticRegression | None:
        """A need / no-need head on the answers whose status is known (only with a gate)."""
        known = ~np.isnan(need)
        if self.status_gate is None or len(set(need[known])) < 2:
            return None
        head = LogisticRegression(C=8.0, class_weight="balanced", max_iter=2000)
        weight = None if weights is None else weights[known]
        return head.fit(features[known], need[known].astype(int), sample_weight=weight)

    def _gists(self, texts: Sequence[str]) -> list[str]:
        """Each training answer's gist, masked once here, for the evidence of a label the
        neighbours' vote gives (so that classifying never tokenises a labelled answer)."""
        return [gist(mask_personal_data(normalize_text(t), self.tokenizer)) for t in texts]

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
        """Each label's probability from the feature matrix, before the neighbours' vote."""
        return self.pipeline_.named_steps["classify"].predict_proba(features)

    def scores(self, features: sparse.csr_matrix) -> Scores:
        """The head's probabilities blended with the neighbours' vote, and the need
        probability of the status head (blended the same way)."""
        head = self.head_proba(features)
        neighbours = getattr(self, "neighbours_", None)
        vote = None
        labels = head
        if neighbours is not None and len(neighbours) and "encoder" in self.blocks_:
            start, stop = self.blocks_["encoder"]
            vectors = features[:, start:stop].toarray() / max(self.encoder_weight, 1e-12)
            vote = neighbours.vote(vectors, self.neighbours_k)
            labels = blend(head, vote.labels, self.neighbours_share)
        need = np.full(len(head), np.nan)
        status_head = getattr(self, "status_head_", None)
        if status_head is not None:
            need = status_head.predict_proba(features)[:, 1]
            if vote is not None:
                voted = np.where(np.isnan(vote.need), need, vote.need)
                need = blend(need, voted, self.neighbours_share)
        return Scores(head=head, labels=labels, need=need, vote=vote)

    def chosen(self, scores: Scores) -> np.ndarray:
        """True where a label is given: its probability reaches its threshold, unless the
        status gate finds a need unlikely (the gate only ever removes labels)."""
        chosen = scores.labels >= self.threshold_row()
        if self.status_gate is not None:
            chosen &= ~(scores.need < self.status_gate)[:, None]
        return chosen

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
        return self._scores(texts, tokens).labels

    def _scores(
        self, texts: Sequence[str], tokens: Mapping[str, Sequence[Token]] | None = None
    ) -> Scores:
        parts = []
        with fewer_collections():
            for begin in range(0, len(texts), CHUNK_SIZE):
                chunk = list(texts[begin : begin + CHUNK_SIZE])
                parts.append(self.scores(self.features(self.analyze(chunk, tokens))))
        if not parts:
            empty = np.zeros((0, len(self.labels)))
            return Scores(head=empty, labels=empty, need=np.zeros(0), vote=None)
        return Scores(
            head=np.vstack([part.head for part in parts]),
            labels=np.vstack([part.labels for part in parts]),
            need=np.concatenate([part.need for part in parts]),
            vote=None,
        )

    def predict(
        self, texts: Sequence[str], tokens: Mapping[str, Sequence[Token]] | None = None
    ) -> np.ndarray:
        """The 0/1 label matrix: a label where its probability reaches its threshold,
        and none where the status gate finds a need unlikely."""
        return self.chosen(self._scores(texts, tokens)).astype(np.int64)

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

    def neighbour_led(self, scores: Scores) -> np.ndarray:
        """True where a label is given only because of the neighbours' vote."""
        if scores.vote is None:
            return np.zeros(scores.labels.shape, dtype=bool)
        thresholds = self.threshold_row()
        return self.chosen(scores) & (scores.head < thresholds)

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


def _need_column(statuses: Sequence[str] | None, count: int) -> np.ndarray:
    """1 for ``need``, 0 for another status, NaN where the status is unknown."""
    if statuses is None:
        return np.full(count, np.nan)
    return np.asarray(
        [np.nan if not status else float(status == NEED) for status in statuses], dtype=float
    )
