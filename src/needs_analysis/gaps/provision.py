"""What the community resources provide each month, per need category.

A resource's monthly provision is measured in one unit per category, chosen from what the
inventory says about the category's resources (all of them, whatever their start year, so
that both fiscal years of a comparison use the same unit):

- places per month (定員 × 月あたり回数) where every resource of the category has both a
  capacity and a frequency;
- otherwise sessions per month (月あたり回数) where at least one of them has a frequency; a
  resource without one counts as ``default_per_month`` sessions, and the table says so;
- otherwise (no frequency anywhere in the category) the number of resources.

Functions take DataFrames and return new ones; nothing is changed in place.
"""

from __future__ import annotations

import math

import pandas as pd

UNIT_PLACES = "places"
UNIT_SESSIONS = "sessions"
UNIT_COUNT = "count"

# How a unit reads after a number in a table: 12.5回/月.
UNIT_SUFFIX = {UNIT_PLACES: "人分/月", UNIT_SESSIONS: "回/月", UNIT_COUNT: "か所"}
# What the measure is called in a header or a sentence.
UNIT_NAME = {
    UNIT_PLACES: "月あたりの延べ定員",
    UNIT_SESSIONS: "月あたりの回数",
    UNIT_COUNT: "資源の数",
}

DEFAULT_PER_MONTH = 4.0  # 週1回: the most common frequency of a サロン or 通いの場


def note_default(default_per_month: float) -> str:
    return f"回数の書かれていない資源は月{default_per_month:g}回として数えています"


NOTE_COUNT_FALLBACK = "資源一覧に回数も定員もないため、資源の数で比べています"


def numbers_in(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column read as numbers (NaN where unreadable); all NaN when the column is absent."""
    if column not in frame.columns:
        return pd.Series(math.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce")


def category_units(rows: pd.DataFrame) -> dict[str, str]:
    """The unit of each category in ``rows`` (one row per resource and category).

    >>> rows = pd.DataFrame({"category": ["居場所", "居場所", "見守り", "配食"],
    ...                      "per_month": [4, 2, None, 20], "capacity": [20, None, None, 15]})
    >>> category_units(rows)
    {'居場所': 'sessions', '見守り': 'count', '配食': 'places'}
    """
    per_month = numbers_in(rows, "per_month")
    capacity = numbers_in(rows, "capacity")
    units: dict[str, str] = {}
    for category, index in rows.groupby("category", sort=False).groups.items():
        frequency, places = per_month.loc[index], capacity.loc[index]
        if frequency.notna().all() and places.notna().all():
            units[str(category)] = UNIT_PLACES
        elif frequency.notna().any():
            units[str(category)] = UNIT_SESSIONS
        else:
            units[str(category)] = UNIT_COUNT
    return units


def with_provision(
    rows: pd.DataFrame, units: dict[str, str], default_per_month: float = DEFAULT_PER_MONTH
) -> pd.DataFrame:
    """``rows`` with ``sessions`` (frequency, or the default), ``defaulted`` and ``provision``.

    ``provision`` is in the unit of the row's category: places, sessions, or 1 per resource.
    """
    per_month = numbers_in(rows, "per_month")
    capacity = numbers_in(rows, "capacity")
    unit = rows["category"].map(lambda category: units.get(category, UNIT_COUNT))
    defaulted = per_month.isna() & (unit == UNIT_SESSIONS)
    sessions = per_month.where(~defaulted, default_per_month)
    provision = pd.Series(1.0, index=rows.index)
    provision = provision.where(unit != UNIT_SESSIONS, sessions)
    provision = provision.where(unit != UNIT_PLACES, sessions * capacity)
    return rows.assign(
        unit=unit, sessions=sessions, defaulted=defaulted, provision=provision.astype(float)
    )


def format_provision(unit: str, resources: int, sessions: float, places: float) -> str:
    """What an area's resources provide, in words: 「1か所・月2回」, 「2か所・月8回・延べ定員 月120人分」.

    >>> format_provision("sessions", 1, 2.0, math.nan)
    '1か所・月2回'
    """
    if resources == 0:
        return "資源なし"
    text = f"{resources}か所"
    if unit in (UNIT_SESSIONS, UNIT_PLACES) and not pd.isna(sessions):
        text += f"・月{sessions:g}回"
    if unit == UNIT_PLACES and not pd.isna(places):
        text += f"・延べ定員 月{places:g}人分"
    return text


def format_density(unit: str, value: float) -> str:
    """A provision per 1,000 aged 65+ with its unit: 「月1.7回」, 「月95.0人分」, 「0.84か所」."""
    if pd.isna(value):
        return "—"
    if unit == UNIT_SESSIONS:
        return f"月{value:.1f}回"
    if unit == UNIT_PLACES:
        return f"月{value:.1f}人分"
    return f"{value:.2f}か所"
