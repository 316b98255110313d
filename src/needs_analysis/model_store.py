"""The fitted classifier on disk: what it depends on, where it is cached, when it is refitted.

The cache key holds the package version, the dictionary (with the town's user dictionary)
and encoder versions and hashes of the labeled data, rules and taxonomy, so ``classify``
works right after installation and refits by itself when any of them changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from needs_analysis import __version__
from needs_analysis.answer_features import ENCODER_WEIGHT, RULE_WEIGHT
from needs_analysis.classify import NeedClassifier
from needs_analysis.config import Config
from needs_analysis.encoder import encoder_version
from needs_analysis.errors import InputError
from needs_analysis.labeled import read_labeled
from needs_analysis.paths import labeled_data_dir, package_file
from needs_analysis.taxonomy import load_taxonomy
from needs_analysis.tokenize import Tokenizer


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
