"""The workbench's parameters, checked as the command line checks them.

An area may be written as its name or any of its other spellings (the config's
``aliases``, 「駅前圏域」); an unknown area, category or grouping stops with one Japanese
sentence that names the valid choices and the closest one.
"""

from __future__ import annotations

from collections.abc import Sequence

from needs_analysis.config.settings import Area
from needs_analysis.errors import NeedsAnalysisError, did_you_mean
from needs_analysis.ingest.intake import AreaResolver
from needs_analysis.textstats.common import GROUPINGS

ALL = ""  # an empty choice: the whole town, every category


def resolve_area(areas: Sequence[Area], value: str) -> str:
    """The area's name for its name or another spelling; "" for the whole town.

    >>> resolve_area([Area("駅前", aliases=("中央",))], "中央")
    '駅前'
    """
    text = (value or "").strip()
    if not text:
        return ALL
    found = AreaResolver(tuple(areas)).area_for(text)
    if found is not None:
        return found
    names = [area.name for area in areas]
    spellings = [*names, *(alias for area in areas for alias in area.aliases)]
    hint = did_you_mean(text, spellings)
    raise NeedsAnalysisError(
        f"圏域「{text}」はこの町の設定にありません（圏域: {'、'.join(names)}）。{hint}".rstrip()
    )


def resolve_category(labels: Sequence[str], other: str, value: str) -> str:
    """A category of the taxonomy (or its catch-all); "" for every category."""
    text = (value or "").strip()
    if not text or text in (*labels, other):
        return text
    choices = [*labels, other]
    hint = did_you_mean(text, choices)
    raise NeedsAnalysisError(
        f"分類「{text}」はありません（分類: {'、'.join(choices)}）。{hint}".rstrip()
    )


def resolve_grouping(value: str) -> str:
    """A grouping key (area, category, household …) from the key or its Japanese name."""
    text = (value or "").strip()
    if text in GROUPINGS:
        return text
    by_name = {name: key for key, name in GROUPINGS.items()}
    if text in by_name:
        return by_name[text]
    hint = did_you_mean(text, list(by_name))
    raise NeedsAnalysisError(
        f"集計の軸「{text}」は使えません（{'、'.join(GROUPINGS.values())} のどれか）。{hint}".rstrip()
    )
