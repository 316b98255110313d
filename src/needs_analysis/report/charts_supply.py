"""The resources chart of the overview: one unit for every cell.

Categories measure provision in their own units (places, sessions, or resources; see
:mod:`needs_analysis.gaps.provision`), so bars of all categories on one axis compare 回 with
人分 and か所. Here every 圏域 × category shows its provision per 65+ resident *relative to
the town's level* (the town = 1.0): 「0.3倍」, 「なし」. Each cell is a rectangle with its
value written in it (vector graphics on paper); orange marks provision below the gap
rule's margin, blue provision at or above the town's level.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go

from needs_analysis.report.charts import cell_grid
from needs_analysis.report.plain import provision_level, what_is_there

_NONE = "#d95f02"  # no resource at all
_BELOW = "#fdd0a2"  # below the margin of the town's level
_NEAR = "#f7f7f7"  # between the margin and the town's level
_ABOVE = "#c6dbef"  # at or above the town's level
_UNKNOWN = "#f0f0f0"


def supply_heatmap(
    gaps: pd.DataFrame,
    areas: Sequence[str],
    labels: Sequence[str],
    margin: float = 0.75,
    title: str = "資源の量（65歳以上の人数あたり、町全体＝1.0）",
) -> go.Figure:
    """Provision per 65+ resident of each 圏域 × category against the town's level."""
    table = gaps.set_index(["area", "category"])
    return cell_grid(
        areas, labels, lambda area, label: _cell(table, area, label, margin), title, {_NONE}
    )


def _cell(table: pd.DataFrame, area: str, label: str, margin: float) -> tuple[str, str, str]:
    """(text in the cell, its fill, its hover text) for one 圏域 × category."""
    if (area, label) not in table.index:
        return "—", _UNKNOWN, f"{area}／{label}"
    row = SimpleNamespace(**table.loc[(area, label)].to_dict())
    level = provision_level(row)
    there = f"{area}／{label}: {what_is_there(row)}"
    if pd.isna(level):
        return "—", _UNKNOWN, there
    if level == 0:
        return "なし", _NONE, there
    fill = _BELOW if level < margin else _NEAR if level < 1 else _ABOVE
    return f"{level:.1f}倍", fill, there
