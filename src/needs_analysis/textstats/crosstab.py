"""Categories by age group, sex and household, and the display helpers of the word views."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from needs_analysis.config.settings import DEFAULT_MIN_COUNT
from needs_analysis.frames import label_set, require_columns
from needs_analysis.gaps.significance import adjusted_residual
from needs_analysis.privacy.disclosure import (
    COMPLEMENT,
    COMPLEMENT_LABEL,
    SHOWN,
    SMALL,
    WITHHELD,
    WITHHELD_LABEL,
    Disclosure,
)

if TYPE_CHECKING:
    pass
from needs_analysis.textstats.common import (
    ASSOCIATION_THRESHOLD,
    COLUMN_LABELS,
    CROSSTAB_DIMENSIONS,
    GROUPINGS,
    OTHER_LABEL,
)
from needs_analysis.textstats.documents import (
    _group_order,
    _level,
)

# --------------------------------------------------------------------------- cross-tabulation


def category_crosstab(
    documents: pd.DataFrame,
    by: str | Sequence[str] = CROSSTAB_DIMENSIONS,
    *,
    min_count: int = DEFAULT_MIN_COUNT,
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Categories by age group, sex and household type, with small cells suppressed.

    For each dimension in ``by`` and each of its levels: n = respondents of the level who
    wrote an answer, count = those whose answer carries the category, rate = count / n,
    and the adjusted standardised residual of the cell in the table levels × (has / has
    not). A count from 1 to ``min_count`` − 1 is suppressed: count, rate and residual are
    empty, ``count_label`` reads 「5未満」 and ``suppressed`` is True. ``labels`` fixes the
    categories and their order (default: as they first appear). Works on the documents
    frame or on classified responses (``has_text`` and ``categories``).

    Columns: dimension, level, category, n, n_label, count, count_label, rate, residual,
    suppressed.
    """
    dimensions = [by] if isinstance(by, str) else list(by)
    require_columns(documents, ["categories", *dimensions], "回答の表")
    if "has_text" in documents.columns:
        answered = documents[documents["has_text"].astype(bool)]
    else:
        answered = documents[documents["categories"].map(lambda v: bool(label_set(v)))]
    sets = [label_set(value) for value in answered["categories"]]
    if labels is None:
        labels = _labels_by_frequency(sets)
    records = [
        record
        for dimension in dimensions
        for record in _dimension_cells(answered[dimension], sets, labels, min_count)
    ]
    result = pd.DataFrame(records, columns=[*_CROSSTAB_COLUMNS, "_raw"])
    return _complements(result, Disclosure(min_count)).drop(columns="_raw")


_CROSSTAB_COLUMNS = (
    "dimension",
    "level",
    "category",
    "n",
    "n_label",
    "count",
    "count_label",
    "rate",
    "residual",
    "suppressed",
)


def _dimension_cells(
    values: pd.Series, sets: list[frozenset[str]], labels: Sequence[str], min_count: int
) -> list[dict[str, object]]:
    """One record per category × level of one dimension (``_raw``: the unsuppressed count)."""
    dimension = str(values.name)
    levels = [_level(value) for value in values]
    total = len(levels)
    small_rule = Disclosure(min_count)
    records: list[dict[str, object]] = []
    for label in labels:
        has = np.array([label in s for s in sets], dtype=bool)
        has_total = int(has.sum())
        for level in _group_order(dimension, levels):
            in_level = np.array([lv == level for lv in levels], dtype=bool)
            n = int(in_level.sum())
            count = int((has & in_level).sum())
            residual = adjusted_residual(count, n, has_total - count, total - n)
            small = small_rule.is_small(count)
            records.append(
                {
                    "dimension": dimension,
                    "level": level,
                    "category": label,
                    "n": n,
                    "n_label": small_rule.label(n),
                    "count": pd.NA if small else count,
                    "count_label": small_rule.label(count),
                    "rate": math.nan if small or n == 0 else count / n,
                    "residual": math.nan if small else residual,
                    "suppressed": small,
                    "_raw": count,
                }
            )
    return records


def level_counts(
    documents: pd.DataFrame,
    dimension: str,
    min_count: int,
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The respondents with an answer per level of an attribute and the status of each n
    under the disclosure rule, exactly as :func:`category_crosstab` publishes them (with the
    same ``labels``). Columns: level, n, status."""
    table = category_crosstab(documents, by=dimension, min_count=min_count, labels=labels)
    levels = table.drop_duplicates("level")
    small = Disclosure(min_count).small_label
    named = {small: SMALL, COMPLEMENT_LABEL: COMPLEMENT, WITHHELD_LABEL: WITHHELD}
    status = [named.get(label, SHOWN) for label in levels["n_label"]]
    return pd.DataFrame({"level": levels["level"], "n": levels["n"], "status": status})


def _complements(result: pd.DataFrame, rule: Disclosure) -> pd.DataFrame:
    """Hide further cells where a small one could be found by subtraction from a total.

    The levels of a dimension add up to all answers (n) and, per category, to the town's
    count of the category, which the plan table publishes.
    """
    result = result.copy()
    # A count is at most its level's n (an upper bound the reader may know); a published
    # count bounds its level's n from below.
    status = rule.protect(result, "_raw", ["dimension", "category"], upper="n")
    published = result["_raw"].where(status == SHOWN, 0)
    result["_lower"] = published.groupby([result["dimension"], result["level"]]).transform("max")
    levels = result.drop_duplicates(["dimension", "level"])
    n_status = rule.protect(levels, "n", ["dimension"], lower="_lower")
    result = result.drop(columns="_lower")
    level_status = dict(
        zip(zip(levels["dimension"], levels["level"], strict=True), n_status, strict=True)
    )
    keys = list(zip(result["dimension"], result["level"], strict=True))
    level_hidden = np.array([level_status[key] != SHOWN for key in keys], dtype=bool)
    complement = (status == COMPLEMENT).to_numpy()
    result.loc[complement, "count_label"] = COMPLEMENT_LABEL
    withheld = (status == WITHHELD).to_numpy()
    result.loc[withheld, "count_label"] = WITHHELD_LABEL
    complement = complement | withheld
    result.loc[complement, "count"] = pd.NA
    result["n_label"] = [
        rule.label(n, level_status[key]) for n, key in zip(result["n"], keys, strict=True)
    ]
    hidden = complement | level_hidden
    result.loc[hidden, ["rate", "residual"]] = math.nan
    result["suppressed"] = result["suppressed"] | complement
    result["count"] = result["count"].astype("Int64")
    return result


def _labels_by_frequency(sets: Sequence[frozenset[str]]) -> list[str]:
    """Categories from the most frequent down; the no-need category (その他) last."""
    counts = pd.Series([label for labels in sets for label in labels], dtype=object)
    ordered = (
        counts.value_counts(sort=False).sort_index().sort_values(ascending=False, kind="stable")
    )
    labels = list(ordered.index)
    return [label for label in labels if label != OTHER_LABEL] + (
        [OTHER_LABEL] if OTHER_LABEL in labels else []
    )


def crosstab_table(
    crosstab: pd.DataFrame, threshold: float = ASSOCIATION_THRESHOLD
) -> pd.DataFrame:
    """The cross-tabulation as a Japanese display table: a row per level, a column per category.

    A cell reads 「12人（34.5%）▲」: ▲ where the adjusted residual is above ``threshold``
    (more than the other levels), ▽ where it is below −``threshold``; suppressed cells
    read 「5未満」 alone.
    """

    def cell(row: pd.Series) -> str:
        if row["suppressed"]:
            return str(row["count_label"])
        text = f"{row['count_label']}人"
        if not pd.isna(row["rate"]):
            text += f"（{row['rate'] * 100:.1f}%）"
        if not pd.isna(row["residual"]):
            text += (
                "▲" if row["residual"] > threshold else "▽" if row["residual"] < -threshold else ""
            )
        return text

    if crosstab.empty:
        return pd.DataFrame()
    categories = list(dict.fromkeys(crosstab["category"]))
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for _, record in crosstab.iterrows():
        key = (record["dimension"], record["level"])
        row = rows.setdefault(
            key,
            {
                "集計の軸": GROUPINGS.get(record["dimension"], record["dimension"]),
                "区分": record["level"],
                "自由記述の回答者数": record["n_label"],
            },
        )
        row[record["category"]] = cell(record)
    table = pd.DataFrame(list(rows.values()))
    return table[["集計の軸", "区分", "自由記述の回答者数", *categories]]


# --------------------------------------------------------------------------- display


def japanese_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with Japanese column headers; list-like cells (categories) joined with ・.

    Token columns (tokens, starts, lemmas, surfaces) are dropped: they are for computing.
    """
    shown = frame.drop(
        columns=[c for c in ("tokens", "starts", "lemmas", "surfaces") if c in frame.columns]
    )
    for column in shown.columns:
        if (
            shown[column].dtype == object
            and shown[column].map(lambda v: isinstance(v, (tuple, list, set, frozenset))).any()
        ):
            shown[column] = shown[column].map(
                lambda v: (
                    "・".join(map(str, v)) if isinstance(v, (tuple, list, set, frozenset)) else v
                )
            )
    return shown.rename(columns=COLUMN_LABELS)


def style_kwic(lines: pd.DataFrame, show_text: bool = False):
    """A KWIC table (``kwic`` / ``why_labeled``) styled for a notebook: Japanese headers,
    left context aligned to the keyword, keyword in bold. Returns a pandas Styler.

    The whole answer (``text``) is left out unless ``show_text``.
    """
    shown = lines if show_text else lines.drop(columns=["text"], errors="ignore")
    shown = japanese_headers(shown)
    left, keyword = COLUMN_LABELS["left"], COLUMN_LABELS["keyword"]
    return (
        shown.style.hide(axis="index")
        .set_properties(subset=[left], **{"text-align": "right", "white-space": "nowrap"})
        .set_properties(
            subset=[keyword], **{"font-weight": "bold", "color": "#b03a2e", "text-align": "center"}
        )
    )
