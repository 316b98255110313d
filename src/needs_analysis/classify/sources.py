"""What a fitted classifier depends on: the labeled answers, rules, taxonomy, dictionary,
and a town's own labelled files.

A town keeps its own labelled answers in a ``labeled/`` folder next to its config
(corrections, added and replacing answers; see :mod:`needs_analysis.classify.town_model`).
:class:`ModelSources` gathers every file a model is fitted from, and its fingerprint is
the model's cache key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from needs_analysis import __version__
from needs_analysis.classify.encoder import encoder_version
from needs_analysis.classify.features import ENCODER_WEIGHT, RULE_WEIGHT
from needs_analysis.classify.model import NEIGHBOURS_K, NEIGHBOURS_SHARE, STATUS_GATE
from needs_analysis.coding.rules import NEGATION_SCOPE
from needs_analysis.config.settings import Config
from needs_analysis.paths import labeled_data_dir, package_file
from needs_analysis.text.mecab import Tokenizer

TOWN_LABELED_DIR = "labeled"
CORRECTIONS_PREFIX = "corrections_"
ADDED_PREFIX = "added_"
REPLACE_PREFIX = "replace_"


def town_labeled_dir(config: Config) -> Path:
    """The folder next to the config where the town's labelled answers are kept."""
    return config.path.parent / TOWN_LABELED_DIR


def corrections_path(config: Config, fiscal_year: int) -> Path:
    return town_labeled_dir(config) / f"{CORRECTIONS_PREFIX}{fiscal_year}.tsv"


@dataclass(frozen=True)
class TownFiles:
    """The town's labelled files, by role."""

    corrections: tuple[Path, ...] = ()
    added: tuple[Path, ...] = ()
    replace: tuple[Path, ...] = ()


def town_files(config: Config | None) -> TownFiles:
    """The town's corrections, added and replacing answers (none without a config)."""
    if config is None:
        return TownFiles()
    folder = town_labeled_dir(config)
    if not folder.is_dir() or (config.labeled_dir and config.labeled_dir == folder.resolve()):
        return TownFiles()

    def files(prefix: str) -> tuple[Path, ...]:
        return tuple(sorted(p for p in folder.glob(f"{prefix}*.tsv") if p.is_file()))

    return TownFiles(files(CORRECTIONS_PREFIX), files(ADDED_PREFIX), files(REPLACE_PREFIX))


@dataclass(frozen=True)
class ModelSources:
    """Everything a fitted model depends on.

    ``labeled`` is the base set (the bundled answers, or what the config names instead);
    ``added`` are a town's answers learned beside it, ``corrections`` a town's corrected
    answers, weighed ``corrections_weight`` times (see :mod:`needs_analysis.classify.town_model`).
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
            "neighbours": f"k {NEIGHBOURS_K}, share {NEIGHBOURS_SHARE}, gate {STATUS_GATE}",
            "training_data_sha256": digest(labeled_files) if self.use_base else "",
            "rules_sha256": digest([self.rules]),
            "negation_scope": NEGATION_SCOPE,
            "taxonomy_sha256": digest([self.taxonomy]),
        }
        if self.is_town_model:  # the town's own files; absent, the key is the bundled one's
            fingerprint["town_added_sha256"] = digest(self.added)
            fingerprint["town_corrections_sha256"] = digest(self.corrections)
            fingerprint["corrections_weight"] = repr(float(self.corrections_weight))
        return fingerprint
