"""Small helpers shared by the modules that take and return DataFrames.

They check a table's columns, read the label sets of classified answers, mark the answers
that hold text, order areas and join notes; none of them changes its input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.text.normalize import normalize_text


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise an error naming the first column of ``columns`` that ``frame`` lacks."""
    for column in columns:
        if column not in frame.columns:
            present = "、".join(str(c) for c in frame.columns) or "なし"
            raise NeedsAnalysisError(f"{what}に列「{column}」がありません（ある列: {present}）。")


def with_has_text(responses: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``has_text`` = the normalised answer is not empty (kept if present)."""
    result = responses.copy()
    if "has_text" not in result.columns:
        require_columns(result, ["text"], "回答の表")
        result["has_text"] = [normalize_text(text) != "" for text in result["text"]]
    result["has_text"] = result["has_text"].fillna(False).astype(bool)
    return result


def label_set(value: object) -> frozenset[str]:
    """The labels of one answer: a tuple, list or set of labels; "a|b" text; or nothing.

    >>> sorted(label_set("移動支援|ゴミ出し")), label_set(None), label_set(("配食",))
    (['ゴミ出し', '移動支援'], frozenset(), frozenset({'配食'}))
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return frozenset()
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split("|") if part.strip())
    return frozenset(str(label) for label in value)


def area_order(areas: Sequence[str] | None, *columns: Iterable[object]) -> list[str]:
    """The given areas in their order, then any other area found in ``columns``, sorted.

    >>> area_order(["南部", "北部"], ["東部", "北部", "中央"])
    ['南部', '北部', '中央', '東部']
    """
    ordered = list(dict.fromkeys(areas or []))
    known = set(ordered)
    extra = {
        str(value)
        for column in columns
        for value in column
        if isinstance(value, str) and value and value not in known
    }
    return ordered + sorted(extra)


def join_notes(*notes: object) -> str:
    """Sentences of several notes joined once each, in order; non-text notes are skipped.

    >>> join_notes("回答が少ない。", None, "回答が少ない。資源なし。")
    '回答が少ない。資源なし。'
    """
    parts: list[str] = []
    for note in notes:
        if isinstance(note, str):
            parts.extend(part for part in note.split("。") if part and part not in parts)
    return "".join(f"{part}。" for part in parts)


def sort_like(merged: pd.DataFrame, *sources: pd.DataFrame) -> pd.DataFrame:
    """Rows in the area order, then the category order, of the source tables."""
    areas = list(dict.fromkeys(a for source in sources for a in source["area"]))
    categories = list(dict.fromkeys(c for source in sources for c in source["category"]))
    keys = pd.DataFrame(
        {
            "area": merged["area"].map({a: i for i, a in enumerate(areas)}),
            "category": merged["category"].map({c: i for i, c in enumerate(categories)}),
        }
    )
    return merged.loc[keys.sort_values(["area", "category"], kind="stable").index]
