"""The town's own names, which masking keeps: they name places and services, not persons.

:func:`town_tokenizer` is the tokenizer every masking path of a town uses: the town's user
dictionary and these names.

UniDic reads many place names as surnames (川向, 北山), so without them an answer such as
「川向から町の病院まで」 would lose the one word that says where the need is. Every masking
path (run, check, pool, review, train) passes these names on; a name used as a person's
name (「川向さんが」) is still masked.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.text.mecab import Tokenizer

if TYPE_CHECKING:
    from needs_analysis.config.settings import Config
    from needs_analysis.ingest.inventory import ResourceData

# The municipality's name without its kind (和泉ヶ原町 → 和泉ヶ原) is a name of its own.
_MUNICIPALITY_KIND = re.compile(r"(?<=..)[市町村区]$")


def town_place_names(config: Config, resources: ResourceData | None = None) -> tuple[str, ...]:
    """The municipality, each area's name and other spellings, its 行政区 (codes left out)
    and the resource inventory's names (read from the config's inventory when not given;
    an inventory that cannot be read adds none).

    Names shorter than two characters are left out: one character is too often part of
    another word to be held as a place wherever it is written.
    """
    names = [config.municipality, _MUNICIPALITY_KIND.sub("", config.municipality)]
    for area in config.areas:
        names += [area.name, *area.aliases, *area.districts]
    if resources is None and config.resources is not None:
        resources = _read_resources(config)
    if resources is not None:
        names += [str(name) for name in resources.resources["name"].dropna()]
    kept = {unicodedata.normalize("NFKC", name).strip() for name in names if name}
    return tuple(
        sorted(
            (name for name in kept if len(name) >= 2 and not name.isdigit()),
            key=lambda name: (-len(name), name),
        )
    )


def _read_resources(config: Config) -> ResourceData | None:
    from needs_analysis.ingest.inventory import load_resources

    try:
        return load_resources(config)
    except NeedsAnalysisError:
        return None


def town_tokenizer(config: Config, resources: ResourceData | None = None) -> Tokenizer:
    """The tokenizer a town's answers are masked with: its user dictionary, and its own
    names held as places (:func:`town_place_names`)."""
    return Tokenizer(config.user_dictionary, town_place_names(config, resources))
