"""The classifier's last two parts: the sentence-embedding block and the per-label head.

The head is one logistic regression per label over every feature block at once (rule
hits, lemmas, character n-grams and, unless the fast path is chosen, the sentence
embedding), so a single probability per label weighs all three views of an answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression

from needs_analysis.classify.encoder import DIMENSIONS, embeddings


class EncoderFeatures(BaseEstimator, TransformerMixin):
    """The e5-small embedding of each answer's normalised text (from the embedding cache)."""

    def fit(self, analyses: Sequence[object], y: object = None) -> EncoderFeatures:
        self.dimensions_ = DIMENSIONS
        return self

    def transform(self, analyses: Sequence[object]) -> np.ndarray:
        return embeddings([analysis.answer.text for analysis in analyses])

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"encoder:{i}" for i in range(DIMENSIONS)], dtype=object)


class LabelHead(BaseEstimator, ClassifierMixin):
    """One logistic regression per label column of a 0/1 matrix, with sample weights.

    A label that is always (or never) given in the training answers gets that constant
    probability instead of a regression.
    """

    def __init__(self, C: float = 8.0, class_weight: str | None = "balanced", max_iter: int = 2000):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def fit(self, X: object, Y: np.ndarray, sample_weight: np.ndarray | None = None) -> LabelHead:
        Y = np.asarray(Y)
        self.estimators_: list[LogisticRegression | float] = []
        for column in Y.T:
            if column.min() == column.max():
                self.estimators_.append(float(column[0]))
                continue
            estimator = LogisticRegression(
                C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
            )
            self.estimators_.append(estimator.fit(X, column, sample_weight=sample_weight))
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: object) -> np.ndarray:
        columns = [
            estimator.predict_proba(X)[:, 1]
            if isinstance(estimator, LogisticRegression)
            else np.full(X.shape[0], estimator)
            for estimator in self.estimators_
        ]
        return np.column_stack(columns) if columns else np.zeros((X.shape[0], 0))

    def predict(self, X: object) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(np.int64)

    def coefficients(self, label_index: int) -> np.ndarray:
        """The label's weights over all feature columns (zeros for a constant label)."""
        estimator = self.estimators_[label_index]
        if isinstance(estimator, LogisticRegression):
            return np.ravel(estimator.coef_)
        return np.zeros(self.n_features_in_)
