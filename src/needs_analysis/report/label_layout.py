"""Labels that do not overlap on paper: a co-occurrence network's words pushed apart.

A spring layout places words by their links, not by the room their labels need: on a
printed page, words of a tight group lie on top of each other. :func:`spread_labels` moves
the nodes in the chart's own pixels — each node a box as large as its label (or its
marker, whichever is larger) — until no two boxes overlap, and gives the axis ranges that
draw the chart at exactly that scale, so that what was measured is what is printed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PAD = 2.0  # pixels kept free around each label
ROUNDS = 400  # pushes before a layout is given up at this scale


@dataclass(frozen=True)
class Spread:
    """Node positions in data units and the axis ranges that draw them at the measured scale."""

    x: np.ndarray
    y: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def text_width(text: str, font_px: float) -> float:
    """The printed width of a label: full width for CJK, about 0.6 em for the rest."""
    wide = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)
    return wide * font_px


def spread_labels(
    x: Sequence[float],
    y: Sequence[float],
    labels: Sequence[str],
    marker_px: Sequence[float],
    width_px: float,
    height_px: float,
    font_px: float = 12.0,
) -> Spread:
    """Positions where no two label boxes overlap, inside a plot of ``width_px`` ×
    ``height_px`` pixels; the layout keeps the shape of the original one as far as the
    room allows (each axis stretched to its room, both lowered together until the pushed
    layout fits)."""
    points = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    half_w = np.array(
        [
            max(text_width(t, font_px) / 2, r / 2) + PAD
            for t, r in zip(labels, marker_px, strict=True)
        ]
    )
    half_h = np.array([max(font_px * 0.7, r / 2) + PAD for r in marker_px])
    span = np.ptp(points, axis=0) if len(points) else np.ones(2)
    span[span == 0] = 1.0
    # Each axis is stretched to the room it has (a spring layout's aspect means nothing),
    # then both shrink together until the pushed layout fits.
    room = np.array([width_px - 2 * half_w.max(), height_px - 2 * half_h.max()])
    scale = np.maximum(room, 1.0) / span
    for _ in range(12):
        placed = _push_apart((points - points.min(axis=0)) * scale, half_w, half_h)
        low = (placed - np.column_stack([half_w, half_h])).min(axis=0)
        high = (placed + np.column_stack([half_w, half_h])).max(axis=0)
        need = high - low
        if need[0] <= width_px + 0.5 and need[1] <= height_px + 0.5:
            break
        scale *= 0.97 * min(width_px / need[0], height_px / need[1], 1.0)
    centre = (low + high) / 2
    x_range = (centre[0] - width_px / 2, centre[0] + width_px / 2)
    y_range = (centre[1] - height_px / 2, centre[1] + height_px / 2)
    return Spread(placed[:, 0], placed[:, 1], x_range, y_range)


def _push_apart(points: np.ndarray, half_w: np.ndarray, half_h: np.ndarray) -> np.ndarray:
    """Overlapping boxes pushed apart along the axis where they overlap least, half each
    way, until none overlaps (or :data:`ROUNDS` pushes)."""
    placed = points.copy()
    count = len(placed)
    for _ in range(ROUNDS):
        moved = False
        for i in range(count):
            dx = placed[i + 1 :, 0] - placed[i, 0]
            dy = placed[i + 1 :, 1] - placed[i, 1]
            over_x = half_w[i] + half_w[i + 1 :] - np.abs(dx)
            over_y = half_h[i] + half_h[i + 1 :] - np.abs(dy)
            for k in np.nonzero((over_x > 0) & (over_y > 0))[0]:
                j = i + 1 + int(k)
                if over_x[k] < over_y[k]:
                    step = (over_x[k] / 2 + 0.01) * (1.0 if dx[k] >= 0 else -1.0)
                    placed[i, 0] -= step
                    placed[j, 0] += step
                else:
                    step = (over_y[k] / 2 + 0.01) * (1.0 if dy[k] >= 0 else -1.0)
                    placed[i, 1] -= step
                    placed[j, 1] += step
                moved = True
        if not moved:
            break
    return placed
