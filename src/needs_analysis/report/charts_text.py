"""Plotly charts for the word statistics of :mod:`needs_analysis.textstats`.

Each function returns a Figure and never shows it. Labels are Japanese; every count is
shown with the number of answers it is out of.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from needs_analysis.report.charts import FONT
from needs_analysis.report.label_layout import spread_labels
from needs_analysis.textstats import (
    GROUPINGS,
    NO_LEANING,
    Network,
    cooccurrence_network,
)

_LAYOUT = dict(font=dict(family=FONT, size=13), margin=dict(l=40, r=40, t=70, b=90))
# Distinct colours for the groups with most words; the rest are drawn grey.
_PALETTE = qualitative.D3 + qualitative.Set2
MAX_COLORS = 12
_GREY = "#b0b0b0"
_OTHERS = "その他"
# Edges fall into three widths by their Jaccard coefficient (thirds of the drawn edges).
_EDGE_WIDTHS = (1.0, 2.5, 4.5)


def network_figure(
    network: Network, title: str | None = None, max_colors: int = MAX_COLORS
) -> go.Figure:
    """Draw a co-occurrence network: node size by answers, colour by group, edges by Jaccard.

    Hovering a node shows its answer count and group; hovering the middle of an edge shows
    the Jaccard coefficient and the answers with both words. The network's notes (caps
    applied) are printed under the chart.
    """
    nodes, edges = network.nodes, network.edges
    notes = list(network.notes)
    heading = title or (
        f"共起ネットワーク（{network.subject}、自由記述 {network.n_documents:,}件）"
    )
    figure = go.Figure()
    if nodes.empty:
        _finish(figure, heading, notes)
        return figure

    nodes, ranges = _spread(nodes)
    position = {row.word: (row.x, row.y) for row in nodes.itertuples(index=False)}
    _add_edges(figure, edges, position)

    group_title = "語のまとまり" if network.color_by == "community" else GROUPINGS[network.color_by]
    # Communities keep their numbering (1 = most words) when sizes tie.
    numbered = nodes.drop_duplicates("color_group").set_index("color_group")["community"]
    colours, lumped = _colour_map(nodes["color_group"], max_colors, numbered.to_dict())
    if lumped:
        notes.append(
            f"色分けは語の多い{max_colors}個の{group_title}までで、残り{lumped}個は灰色です。"
        )
    _add_nodes(figure, nodes, colours, group_title, network.n_documents)
    figure.update_layout(
        legend=dict(
            title=group_title,
            itemsizing="constant",
            orientation="h",
            x=0,
            y=1.0,
            xanchor="left",
            yanchor="bottom",
        )
    )
    _finish(figure, heading, notes, ranges)
    return figure


# The network is drawn at a fixed size, so that the label boxes measured when the words
# are spread are the boxes printed: width, height, and margins (room above for the title
# and the legend, below for the notes).
NETWORK_SIZE = (680, 780)
NETWORK_MARGIN = dict(l=20, r=20, t=190, b=80)
LABEL_PX = 12


def marker_px(doc_counts: pd.Series) -> list[float]:
    """Each node's marker diameter in pixels, by the answers its word is in."""
    largest = max(int(doc_counts.max()), 1)
    return [14 + 26 * math.sqrt(c / largest) for c in doc_counts]


def _spread(nodes: pd.DataFrame) -> tuple[pd.DataFrame, tuple]:
    """The nodes moved so that no two labels overlap on the printed chart, and the axis
    ranges that draw them at that scale (:func:`needs_analysis.report.label_layout.spread_labels`)."""
    width = NETWORK_SIZE[0] - NETWORK_MARGIN["l"] - NETWORK_MARGIN["r"]
    height = NETWORK_SIZE[1] - NETWORK_MARGIN["t"] - NETWORK_MARGIN["b"]
    spread = spread_labels(
        nodes["x"],
        nodes["y"],
        list(nodes["word"]),
        marker_px(nodes["doc_count"]),
        width,
        height,
        LABEL_PX,
    )
    return nodes.assign(x=spread.x, y=spread.y), (spread.x_range, spread.y_range)


def _add_nodes(
    figure: go.Figure,
    nodes: pd.DataFrame,
    colours: dict[str, str],
    group_title: str,
    n_documents: int,
) -> None:
    """One trace of nodes per coloured group (the rest as その他), sized by answers."""
    sizes = dict(zip(nodes["word"], marker_px(nodes["doc_count"]), strict=True))
    shown = nodes["color_group"].where(nodes["color_group"].isin(list(colours)), _OTHERS)
    traces = []
    for name, colour in colours.items():
        members = nodes[shown == name]
        if members.empty:
            continue
        traces.append(
            go.Scatter(
                x=members["x"],
                y=members["y"],
                mode="markers+text",
                name=name,
                text=members["word"],
                textposition="middle center",
                textfont=dict(size=LABEL_PX, color="#222"),
                marker=dict(
                    size=[sizes[word] for word in members["word"]],
                    color=colour,
                    opacity=0.8,
                    line=dict(width=1, color="white"),
                ),
                customdata=np.stack(
                    [members["doc_count"], members["color_group"], members["degree"]], axis=1
                ),
                hovertemplate=(
                    "<b>%{text}</b><br>出現回答数 %{customdata[0]}件"
                    f"（自由記述 {n_documents:,}件中）<br>{group_title}: %{{customdata[1]}}"
                    "<br>つながり %{customdata[2]}本<extra></extra>"
                ),
            )
        )
    figure.add_traces(traces)  # in one call, not a trace at a time


def _natural_key(name: str) -> tuple[int, str]:
    """グループ2 before グループ10."""
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits and name.startswith("グループ") else 0, name)


def _colour_map(
    groups: pd.Series, max_colors: int, numbers: dict[str, int] | None = None
) -> tuple[dict[str, str], int]:
    """Group → colour for the groups with most words; 偏りなし and the rest grey.

    ``numbers`` (a community's number) breaks ties between groups of the same size.
    """
    counts = groups[groups != NO_LEANING].value_counts(sort=False)
    numbers = numbers or {}
    order = sorted(
        counts.index,
        key=lambda name: (-counts[name], numbers.get(name, 0), _natural_key(name)),
    )
    colours = {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(order[:max_colors])}
    lumped = len(order) - len(colours)
    if lumped:
        colours[_OTHERS] = _GREY
    if (groups == NO_LEANING).any():
        colours[NO_LEANING] = "#d9d9d9"
    return colours, lumped


def _add_edges(
    figure: go.Figure, edges: pd.DataFrame, position: dict[str, tuple[float, float]]
) -> None:
    # One line trace per width (a trace has a single width): fast with hundreds of edges.
    cuts = np.quantile(edges["jaccard"], [1 / 3, 2 / 3]) if len(edges) > 2 else [0.0, 0.0]
    bands = np.digitize(edges["jaccard"], cuts, right=True) if len(edges) > 2 else [1] * len(edges)
    traces = []
    for band, width in enumerate(_EDGE_WIDTHS):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for (source, target), in_band in zip(
            edges[["source", "target"]].itertuples(index=False),
            np.asarray(bands) == band,
            strict=True,
        ):
            if in_band:
                xs += [position[source][0], position[target][0], None]
                ys += [position[source][1], position[target][1], None]
        if xs:
            traces.append(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line=dict(width=width, color="rgba(120,120,120,0.55)"),
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    middle_x = [
        (position[s][0] + position[t][0]) / 2
        for s, t in zip(edges["source"], edges["target"], strict=True)
    ]
    middle_y = [
        (position[s][1] + position[t][1]) / 2
        for s, t in zip(edges["source"], edges["target"], strict=True)
    ]
    traces.append(
        go.Scatter(
            x=middle_x,
            y=middle_y,
            mode="markers",
            marker=dict(size=6, color="rgba(0,0,0,0)"),
            customdata=np.stack(
                [
                    edges["source"],
                    edges["target"],
                    edges["jaccard"].round(3),
                    edges["cooccurrence"],
                ],
                axis=1,
            ),
            hovertemplate=(
                "%{customdata[0]} — %{customdata[1]}<br>Jaccard係数 %{customdata[2]}"
                "<br>両方を含む回答 %{customdata[3]}件<extra></extra>"
            ),
            showlegend=False,
        )
    )
    figure.add_traces(traces)  # in one call, not a trace at a time


def _finish(figure: go.Figure, heading: str, notes: list[str], ranges: tuple | None = None) -> None:
    if not notes and not figure.data:
        notes = ["描く語がありません。"]
    if notes:
        figure.add_annotation(
            text="<br>".join(notes),
            xref="paper",
            yref="paper",
            x=0,
            y=-0.02,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font=dict(size=12, color="#555"),
        )
    figure.update_layout(
        title=dict(text=heading, x=0, xanchor="left", y=0.99, yref="container", yanchor="top"),
        width=NETWORK_SIZE[0],
        height=NETWORK_SIZE[1],
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        font=_LAYOUT["font"],
        margin=dict(NETWORK_MARGIN, autoexpand=False),
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    if ranges is not None:
        figure.update_xaxes(range=list(ranges[0]))
        figure.update_yaxes(range=list(ranges[1]))


def cooccurrence_figure(
    documents: pd.DataFrame,
    *,
    area: str | None = None,
    category: str | None = None,
    color_by: str = "community",
    max_nodes: int = 60,
    top_edges: int = 60,
    min_doc_count: int = 2,
    min_cooccurrence: int = 2,
    seed: int = 1,
    title: str | None = None,
) -> go.Figure:
    """One call for a notebook: compute the co-occurrence network and draw it."""
    network = cooccurrence_network(
        documents,
        area=area,
        category=category,
        min_doc_count=min_doc_count,
        min_cooccurrence=min_cooccurrence,
        max_nodes=max_nodes,
        top_edges=top_edges,
        color_by=color_by,
        seed=seed,
    )
    return network_figure(network, title=title)


def word_bars(
    frequencies: pd.DataFrame, top_n: int = 20, title: str = "よく出てくる語"
) -> go.Figure:
    """Horizontal bars of the answers containing each word (a ``word_frequencies`` table).

    Hover shows the term count, the written forms and the share of answers.
    """
    top = frequencies.sort_values(["doc_count", "term_count"], ascending=False).head(top_n)
    figure = go.Figure(
        go.Bar(
            x=top["doc_count"],
            y=top["word"],
            orientation="h",
            marker_color=_PALETTE[0],
            customdata=np.stack(
                [top["term_count"], top["forms"], (top["doc_rate"] * 100).round(1), top["n_docs"]],
                axis=1,
            ),
            hovertemplate=(
                "<b>%{y}</b>（表記: %{customdata[1]}）<br>出現回答数 %{x}件 / %{customdata[3]}件"
                "（%{customdata[2]}%）<br>出現回数 %{customdata[0]}回<extra></extra>"
            ),
        )
    )
    figure.update_layout(
        title=title,
        height=max(320, 80 + 24 * len(top)),
        xaxis_title="その語を含む回答の数",
        **_LAYOUT,
    )
    figure.update_yaxes(autorange="reversed")
    return figure


def characteristic_bars(
    characteristic: pd.DataFrame, group: str, by: str = "area", top_n: int = 15
) -> go.Figure:
    """The characteristic words of one group (a ``characteristic_words`` table) by G².

    Hover compares the share of answers with the word in the group and in the rest.
    """
    rows = characteristic[characteristic[by] == group].sort_values("rank").head(top_n)
    figure = go.Figure(
        go.Bar(
            x=rows["g2"],
            y=rows["word"],
            orientation="h",
            marker_color=_PALETTE[1],
            customdata=np.stack(
                [
                    rows["count_in"],
                    rows["n_in"],
                    (rows["rate_in"] * 100).round(1),
                    rows["count_out"],
                    rows["n_out"],
                    (rows["rate_out"] * 100).round(1),
                ],
                axis=1,
            ),
            hovertemplate=(
                "<b>%{y}</b><br>" + f"{group}: " + "%{customdata[0]}件 / %{customdata[1]}件"
                "（%{customdata[2]}%）<br>それ以外: %{customdata[3]}件 / %{customdata[4]}件"
                "（%{customdata[5]}%）<br>G² = %{x:.1f}<extra></extra>"
            ),
        )
    )
    label = GROUPINGS.get(by, by)
    figure.update_layout(
        title=f"{group}の特徴語（ほかの{label}と比べて多く出てくる語）",
        height=max(320, 80 + 24 * len(rows)),
        xaxis_title="特徴の強さ（対数尤度比 G²）",
        **_LAYOUT,
    )
    figure.update_yaxes(autorange="reversed")
    return figure
