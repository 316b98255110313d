"""A town's own model: the bundled answers plus the town's labelled answers and corrections.

A town keeps its own labelled answers in a ``labeled/`` folder next to its config:

- ``corrections_<年度>.tsv``: answers a coordinator corrected on the review sheet; they
  weigh more than other answers (``[classifier] corrections_weight``), and the very texts
  they correct keep the coordinator's categories whatever the model says;
- ``added_<name>.tsv``: labelled answers added to the bundled ones;
- ``replace_<name>.tsv``: labelled answers that replace the bundled ones.

Every file there uses the columns of the bundled labelled answers (``text``,
``categories``); corrections also carry the opaque ``key`` of the text they correct. The
model fitted on them is cached under a key that includes the hashes of these files and the
weight, so ``classify`` and ``run`` refit by themselves after ``train`` adds to them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from needs_analysis.classify.features import ENCODER_WEIGHT
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import DEFAULT_THRESHOLD, NeedClassifier, Prediction
from needs_analysis.classify.sources import ADDED_PREFIX, REPLACE_PREFIX, ModelSources
from needs_analysis.coding.taxonomy import Taxonomy
from needs_analysis.errors import InputError
from needs_analysis.ingest.raw_table import read_table
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token

CORRECTION_EVIDENCE = "町の修正"
KEY_COLUMN = "key"
_KEY_LENGTH = 12


def text_key(text: str) -> str:
    """A stable, opaque key for an answer's text (the same text gives the same key).

    It is a hash of the normalised text, so it names the text, never a respondent.

    >>> text_key("バスが少ない") == text_key("バスが少ない ")
    True
    """
    digest = hashlib.sha256(("needs-analysis\n" + normalize_text(text)).encode()).hexdigest()
    return digest[:_KEY_LENGTH]


def correction_count(paths: Sequence[Path]) -> int:
    """How many corrected texts the files hold."""
    return sum(len(read_table(path).rows) for path in paths)


# --------------------------------------------------------------------------- fitting


def training_frame(
    base: Sequence[Path],
    added: Sequence[Path],
    corrections: Sequence[Path],
    taxonomy: Taxonomy,
    corrections_weight: float,
) -> pd.DataFrame:
    """The answers a town's model learns from, with a ``weight`` per answer.

    A text that a correction covers is taken from the correction alone (the coordinator's
    word replaces a bundled label for the same text).
    """
    frames = [read_labeled(path, taxonomy).assign(weight=1.0) for path in (*base, *added)]
    corrected = [
        read_labeled(path, taxonomy).assign(weight=float(corrections_weight))
        for path in corrections
    ]
    if corrected:
        fixed = pd.concat(corrected, ignore_index=True)
        fixed = fixed.drop_duplicates("text", keep="last")
        keys = {normalize_text(t) for t in fixed["text"]}
        frames = [f[~f["text"].map(normalize_text).isin(keys)] for f in frames]
        frames.append(fixed)
    return pd.concat(frames, ignore_index=True)


def read_overrides(corrections: Sequence[Path], taxonomy: Taxonomy) -> dict[str, tuple[str, ...]]:
    """Key of each corrected text → the coordinator's categories (the later file wins)."""
    overrides: dict[str, tuple[str, ...]] = {}
    for path in corrections:
        labeled = read_labeled(path, taxonomy)
        raw = read_table(path)
        if KEY_COLUMN not in raw.header:
            raise InputError(path, "この列が見つかりません。", row=1, column=KEY_COLUMN)
        at = raw.header.index(KEY_COLUMN)
        keys = [row.cells[at] for row in raw.rows]
        overrides.update(zip(keys, labeled["labels"], strict=True))
    return overrides


def fit_town_model(sources: ModelSources, taxonomy: Taxonomy, fast: bool = False) -> TownClassifier:
    """Fit on the base answers (unless replaced), the town's added answers and its
    corrections (weighted), and keep the corrected texts' categories. ``fast``: without
    the sentence encoder, as for the bundled model."""
    base = [sources.labeled] if sources.use_base else []
    frame = training_frame(
        base, sources.added, sources.corrections, taxonomy, sources.corrections_weight
    )
    metadata = {
        **sources.fingerprint(),
        "examples": len(frame),
        "fast": fast,
        "town_added": int(frame["source"].str.startswith((ADDED_PREFIX, REPLACE_PREFIX)).sum()),
        "town_replaced_bundled": not sources.use_base,
        "town_corrections": correction_count(sources.corrections),
    }
    model = TownClassifier.for_taxonomy(
        taxonomy,
        rules_path=sources.rules,
        user_dictionary=sources.user_dictionary,
        fast=fast,
        metadata=metadata,
        overrides=read_overrides(sources.corrections, taxonomy),
    )
    return model.fit(frame["text"], frame["labels"], sample_weight=frame["weight"].to_numpy())


class TownClassifier(NeedClassifier):
    """A classifier fitted with a town's corrections, which also keeps their exact answers.

    The refit model generalises the corrections to similar answers; the very texts the
    coordinator corrected (and their duplicates) keep the coordinator's categories
    (``overrides``: key of the text → categories).
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
        super().__init__(
            labels, other, rules_path, user_dictionary, fast, encoder_weight, thresholds, metadata
        )
        self.overrides = overrides

    def predict(
        self,
        texts: Sequence[str],
        workers: int | None = None,
        explain: bool = False,
        tokens: Mapping[str, Sequence[Token]] | None = None,
    ) -> list[Prediction]:
        predictions = super().predict(texts, workers, explain, tokens)
        if not self.overrides:
            return predictions
        result = []
        for text, prediction in zip(texts, predictions, strict=True):
            labels = self.overrides.get(text_key(text)) if normalize_text(text) else None
            if labels is None:
                result.append(prediction)
            else:
                result.append(
                    Prediction(labels, 1.0, CORRECTION_EVIDENCE, prediction.probabilities)
                )
        return result


def is_corrected(model: NeedClassifier, text: str) -> bool:
    """Whether the model answers this text from a coordinator's correction."""
    overrides = getattr(model, "overrides", None) or {}
    return text_key(text) in overrides


def margins(model: NeedClassifier, predictions: Sequence[Prediction]) -> tuple[np.ndarray, list]:
    """How far each answer is from a decision (smallest gap between a label's probability
    and its threshold) and the label that gap belongs to."""
    gaps, nearest = [], []
    for prediction in predictions:
        if not prediction.probabilities:
            gaps.append(np.inf)
            nearest.append(None)
            continue
        distance = {
            label: abs(p - (model.thresholds or {}).get(label, DEFAULT_THRESHOLD))
            for label, p in prediction.probabilities.items()
        }
        label = min(distance, key=distance.get)
        gaps.append(distance[label])
        nearest.append(label)
    return np.asarray(gaps, dtype=float), nearest


_SAFE_NAME = re.compile(r"[^\w.-]+")


def safe_stem(path: Path) -> str:
    """A file-name stem that is safe to use in the town's folder."""
    return _SAFE_NAME.sub("_", path.stem).strip("_") or "answers"
