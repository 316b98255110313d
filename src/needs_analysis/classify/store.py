"""The fitted classifier on disk: what it depends on, where it is cached, when it is refitted.

The cache key holds the package version, the dictionary (with the town's user dictionary)
and encoder versions and hashes of the labeled data, rules and taxonomy, so ``classify``
works right after installation and refits by itself when any of them changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from needs_analysis.classify.model import NeedClassifier
from needs_analysis.classify.sources import ADDED_PREFIX, REPLACE_PREFIX, ModelSources
from needs_analysis.classify.town_model import correction_count, read_overrides, training_frame
from needs_analysis.config.settings import Config
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.errors import InputError
from needs_analysis.paths import cache_dir


def model_cache_path(fingerprint: dict[str, str], fast: bool = False) -> Path:
    key = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]
    name = f"model-fast-{key}.joblib" if fast else f"model-{key}.joblib"
    return cache_dir() / name


def train(sources: ModelSources, fast: bool = False) -> NeedClassifier:
    """Fit the classifier on what ``sources`` name: the bundled (or configured) labeled
    answers unless the town replaces them, the town's added answers, and its corrections,
    weighed ``corrections_weight`` times, whose very texts keep the coordinator's
    categories. A town without files of its own gets the bundled model. ``fast``: without
    the sentence encoder."""
    taxonomy = load_taxonomy(sources.taxonomy)
    base = [sources.labeled] if sources.use_base else []
    frame = training_frame(
        base, sources.added, sources.corrections, taxonomy, sources.corrections_weight
    )
    metadata = {**sources.fingerprint(), "examples": len(frame), "fast": fast}
    if sources.is_town_model:
        town_added = frame["source"].str.startswith((ADDED_PREFIX, REPLACE_PREFIX))
        metadata.update(
            town_added=int(town_added.sum()),
            town_replaced_bundled=not sources.use_base,
            town_corrections=correction_count(sources.corrections),
        )
    model = NeedClassifier.for_taxonomy(
        taxonomy,
        rules_path=sources.rules,
        user_dictionary=sources.user_dictionary,
        fast=fast,
        metadata=metadata,
        overrides=read_overrides(sources.corrections, taxonomy) or None,
    )
    weights = frame["weight"].to_numpy()
    sample_weight = None if (weights == 1.0).all() else weights
    return model.fit(
        frame["text"], frame["labels"], sample_weight=sample_weight, statuses=frame["status"]
    )


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
