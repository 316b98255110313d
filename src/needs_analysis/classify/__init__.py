"""Need classification: rules, word features and the sentence encoder, in one model.

- :mod:`~needs_analysis.classify.model` — :class:`NeedClassifier` and :func:`classify_responses`;
- :mod:`~needs_analysis.classify.features`, :mod:`~needs_analysis.classify.head` — the
  feature blocks and the per-label head;
- :mod:`~needs_analysis.classify.encoder`, :mod:`~needs_analysis.classify.e5_onnx`,
  :mod:`~needs_analysis.classify.vocabulary` — e5-small on onnxruntime;
- :mod:`~needs_analysis.classify.sources`, :mod:`~needs_analysis.classify.store`,
  :mod:`~needs_analysis.classify.town_model` — what a model is fitted from, the cached
  model, a town's own model;
- :mod:`~needs_analysis.classify.labeled`, :mod:`~needs_analysis.classify.evaluate`,
  :mod:`~needs_analysis.classify.file`, :mod:`~needs_analysis.classify.parallel` —
  labelled answers, scores, ``classify`` on a file, forked prediction.
"""

from needs_analysis.classify.evaluate import evaluate_labeled
from needs_analysis.classify.file import classify_file
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import NeedClassifier
from needs_analysis.classify.predictions import Prediction, classify_responses, predict_answers
from needs_analysis.classify.sources import ModelSources
from needs_analysis.classify.store import get_classifier

__all__ = [
    "ModelSources",
    "NeedClassifier",
    "Prediction",
    "predict_answers",
    "classify_file",
    "classify_responses",
    "evaluate_labeled",
    "get_classifier",
    "read_labeled",
]
