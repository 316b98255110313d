"""The workbench's charts as plotly figures: the opinion map, the correspondence analysis
biplot, the words' dendrogram and the network with group nodes."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from needs_analysis.lab.correspondence import CorrespondenceResult, WordClusters
from needs_analysis.lab.networks import GROUP_NODES, GroupNetwork
from needs_analysis.lab.opinion_map import OpinionMap
from needs_analysis.report.charts import FONT

SCREEN = dict(font=dict(family=FONT, size=14), margin=dict(l=30, r=30, t=70, b=40), height=620)
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def opinion_figure(
    chart: OpinionMap, colours: pd.Series, colour_title: str, order: list[str] | None = None
) -> go.Figure:
    """Every answer a dot (colour: ``colours`` by doc, legend in ``order``), each group's
    name at its centre."""
    points = chart.points.assign(colour=chart.points["doc"].map(colours).fillna("—"))
    present = set(points["colour"])
    order = [v for v in (order or []) if v in present] + sorted(present - set(order or []))
    names = chart.groups[chart.groups["level"] == 2].set_index("subgroup")["name"]
    tops = chart.groups[chart.groups["level"] == 1].set_index("group")
    figure = go.Figure()
    for index, value in enumerate(order):
        part = points[points["colour"] == value]
        figure.add_trace(
            go.Scatter(
                x=part["x"],
                y=part["y"],
                mode="markers",
                name=str(value),
                customdata=part["doc"],  # a click on a dot leads to its group's answers
                marker=dict(size=7, color=PALETTE[index % len(PALETTE)], opacity=0.75),
                text=[
                    f"{tops.at[g, 'name']}<br>└ {names.get(s, '')}"
                    for g, s in zip(part["group"], part["subgroup"], strict=True)
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    centres = points.groupby("group")[["x", "y"]].mean()
    for group, (x, y) in centres.iterrows():
        label = f"{group}. {tops.at[group, 'name']}（{tops.at[group, 'size_label']}）"
        figure.add_annotation(
            x=x, y=y, text=label, showarrow=False, bgcolor="rgba(255,255,255,0.8)"
        )
    figure.update_layout(
        title=f"意見マップ（{len(points):,}件の回答を意味の近さで配置）",
        legend=dict(title=colour_title),
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        **SCREEN,
    )
    return figure


def biplot(result: CorrespondenceResult, group_title: str) -> go.Figure:
    """Words (dots) and groups (squares) on the first two dimensions."""
    shares = result.explained[:2] * 100
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=result.rows["dim1"], y=result.rows["dim2"], mode="markers+text", name="語",
            text=list(result.rows.index), textposition="top center",
            marker=dict(size=7, color="#1f77b4"),
        )
    )  # fmt: skip
    figure.add_trace(
        go.Scatter(
            x=result.columns["dim1"], y=result.columns["dim2"], mode="markers+text",
            name=group_title, text=list(result.columns.index), textposition="bottom center",
            marker=dict(size=13, symbol="square", color="#d62728"),
            textfont=dict(size=15, color="#d62728"),
        )
    )  # fmt: skip
    figure.update_layout(
        title=f"対応分析（語 × {group_title}）",
        xaxis=dict(title=f"成分1（{shares[0]:.1f}%）", zeroline=True),
        yaxis=dict(title=f"成分2（{shares[1]:.1f}%）" if len(shares) > 1 else "", zeroline=True),
        **SCREEN,
    )
    return figure


def dendrogram(clusters: WordClusters) -> go.Figure:
    """The words' tree (left to right), coloured by cluster."""
    from scipy.cluster import hierarchy

    tree = hierarchy.dendrogram(
        clusters.linkage, labels=clusters.words, no_plot=True, orientation="right"
    )
    figure = go.Figure()
    for xs, ys in zip(tree["dcoord"], tree["icoord"], strict=True):
        figure.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#555", width=1.5),
                       hoverinfo="skip", showlegend=False)
        )  # fmt: skip
    leaves = tree["ivl"]
    ticks = [5 + 10 * i for i in range(len(leaves))]
    figure.update_layout(
        title="語の階層的クラスター分析（Jaccard 距離・群平均法）",
        xaxis=dict(title="距離（1 − Jaccard 係数）"),
        yaxis=dict(tickvals=ticks, ticktext=leaves),
        **{**SCREEN, "height": max(400, 22 * len(leaves) + 120)},
    )
    return figure


def group_network_figure(network: GroupNetwork) -> go.Figure:
    """Groups (squares) and words (circles), each group linked to its typical words."""
    import networkx as nx

    graph = nx.Graph()
    for row in network.edges.itertuples(index=False):
        graph.add_edge(("g", row.group), ("w", row.word), weight=row.jaccard)
    figure = go.Figure()
    if graph.number_of_nodes() == 0:
        figure.update_layout(title="描ける語がありません", **SCREEN)
        return figure
    position = nx.spring_layout(graph, seed=1, weight="weight")
    xs, ys = [], []
    for a, b in graph.edges:
        xs += [position[a][0], position[b][0], None]
        ys += [position[a][1], position[b][1], None]
    figure.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line=dict(color="#bbb"), hoverinfo="skip", showlegend=False
        )
    )
    label = network.groups.set_index("group")
    for kind, name, symbol, colour in (
        ("w", "語", "circle", "#1f77b4"),
        ("g", GROUP_NODES, "square", "#d62728"),
    ):
        nodes = [n for n in graph.nodes if n[0] == kind]
        texts = [label.at[n[1], "label"] if kind == "g" else n[1] for n in nodes]
        figure.add_trace(
            go.Scatter(
                x=[position[n][0] for n in nodes], y=[position[n][1] for n in nodes],
                mode="markers+text", text=texts, name=name, textposition="top center",
                marker=dict(size=16 if kind == "g" else 10, symbol=symbol, color=colour),
            )
        )  # fmt: skip
    figure.update_layout(
        title="共起ネットワーク（グループと語）",
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        **SCREEN,
    )
    return figure
