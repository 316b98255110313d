"""The workbench's parameters, checked as the command line checks them.

An area is checked by :func:`needs_analysis.ingest.intake.resolve_area` (its name or any
other spelling); an unknown category or grouping stops, as an unknown area does, with one
Japanese sentence that names the valid choices and the closest one.
"""

from __future__ import annotations

from collections.abc import Sequence

from needs_analysis.errors import NeedsAnalysisError, did_you_mean
from needs_analysis.textstats.common import GROUPINGS

ALL = ""  # an empty choice: the whole town, every category


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
