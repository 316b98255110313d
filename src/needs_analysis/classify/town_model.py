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
weight, so ``classify`` and ``run`` refit by themselves after ``train`` adds to them. This
module reads those files into what the model learns from
(:func:`~needs_analysis.classify.store.train` fits it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import DEFAULT_THRESHOLD, NeedClassifier
from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.errors import InputError
from needs_analysis.ingest.raw_table import read_table
from needs_analysis.text.normalize import normalize_text

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


def margins(model: NeedClassifier, predictions: Sequence) -> tuple[np.ndarray, list]:
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
