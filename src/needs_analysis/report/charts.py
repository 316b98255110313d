"""Plotly charts for the handouts. Each function returns a Figure and never shows it.

Charts take the long tables of the gap analysis (one row per 圏域 × category). Labels are
Japanese; hover texts carry n and the 95% interval so a number is never shown without its
denominator.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence

import pandas as pd
import plotly.graph_objects as go
from IPython.display import HTML

from needs_analysis.privacy.disclosure import SHOWN, Disclosure, people, protect_gaps

# Proportional Japanese fonts first: a fixed-width Gothic prints digits too wide.
FONT = "'Noto Sans CJK JP', 'Noto Sans JP', IPAexGothic, IPAPGothic, 'Yu Gothic', 'Hiragino Sans', Meiryo, sans-serif"
_LAYOUT = dict(font=dict(family=FONT, size=12), margin=dict(l=20, r=20, t=80, b=40))
# Grids (the heatmaps) have their labels on top and nothing below.
GRID_LAYOUT = dict(font=dict(family=FONT, size=12), margin=dict(l=20, r=20, t=70, b=8))
# Width of a chart on the printable width of an A4 portrait page (186 mm at 96 dpi ≈ 700 px).
PRINT_WIDTH = 680
# Legends sit above the plot, outside it, so they never cover data.
_LEGEND_ABOVE = dict(orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom")


def _title(text: str) -> dict:
    """A title at the top left, above the legend row."""
    return dict(text=text, x=0, xanchor="left", y=0.98, yref="container", yanchor="top")


def _percent(value: float) -> str:
    return "" if pd.isna(value) else f"{value * 100:.1f}%"


def rate_heatmap(
    rates: pd.DataFrame,
    areas: Sequence[str],
    labels: Sequence[str],
    min_count: int,
    title: str = "困りごとの割合（圏域 × 分類）",
) -> go.Figure:
    """Rates per 圏域 × category; hover shows n, count and the rate's range (95% interval).

    ``rates`` has columns area, category, n, count, rate, ci_low, ci_high, residual. The
    disclosure rule decides what each cell shows: a hidden count reads 「{min_count}未満」 or
    「非表示」 and its cell has no colour, rate or range, in the hover too.

    Each cell is a rectangle with its rate written in it, so the chart prints as vector
    graphics (a plotly heatmap is drawn as a bitmap) and reads without a colour bar.
    """
    rule = Disclosure(min_count)
    published = protect_gaps(rates, rule)
    # One dict per cell, looked up by (area, category): a table lookup per cell costs more.
    table = {(row["area"], row["category"]): row for row in published.to_dict("records")}
    top = published["rate"].max(skipna=True) if len(published) else None
    highest = max(float(0 if pd.isna(top) else top), 1e-9)
    return cell_grid(
        areas,
        labels,
        lambda area, label: _heat_cell(table, area, label, rule, highest),
        title,
        _DARK_FILLS,
    )


def cell_grid(
    areas: Sequence[str],
    labels: Sequence[str],
    cell: Callable[[str, str], tuple[str, str, str]],
    title: str,
    dark_fills: Collection[str],
) -> go.Figure:
    """A 圏域 × category grid of rectangles with each cell's text written in it.

    ``cell(area, label)`` gives the cell's (text, fill, hover text); text on a fill in
    ``dark_fills`` is white.
    """
    shapes, xs, ys, text, hover, ink = [], [], [], [], [], []
    for y, area in enumerate(areas):
        for x, label in enumerate(labels):
            written, fill, hover_text = cell(area, label)
            shapes.append(_cell_shape(x, y, fill))
            xs.append(x)
            ys.append(y)
            text.append(written)
            hover.append(hover_text)
            ink.append("white" if fill in dark_fills else "#222")
    figure = go.Figure()
    # All shapes in one assignment: adding them one at a time validates every earlier shape
    # again, which grows with the square of the cells.
    figure.update_layout(shapes=shapes)
    figure.add_scatter(
        x=xs,
        y=ys,
        mode="text",
        text=text,
        textfont=dict(color=ink, size=12),
        hovertext=hover,
        hoverinfo="text",
        showlegend=False,
    )
    figure.update_layout(
        title=_title(title),
        width=PRINT_WIDTH,
        height=80 + 34 * len(areas),
        plot_bgcolor="white",
        **GRID_LAYOUT,
    )
    _grid_axes(figure, areas, labels)
    return figure


def _cell_shape(x: int, y: int, fill: str) -> dict:
    """The rectangle of one heatmap cell, with a white border."""
    return dict(
        type="rect",
        x0=x - 0.5,
        x1=x + 0.5,
        y0=y - 0.5,
        y1=y + 0.5,
        fillcolor=fill,
        line=dict(color="white", width=2),
        layer="below",
    )


def _grid_axes(figure: go.Figure, areas: Sequence[str], labels: Sequence[str]) -> None:
    """Categories across the top and 圏域 down the side, one labelled tick per cell."""
    figure.update_xaxes(
        tickmode="array",
        tickvals=list(range(len(labels))),
        ticktext=list(labels),
        side="top",
        showgrid=False,
        zeroline=False,
        range=[-0.5, len(labels) - 0.5],
        automargin=True,
    )
    figure.update_yaxes(
        tickmode="array",
        tickvals=list(range(len(areas))),
        ticktext=list(areas),
        showgrid=False,
        zeroline=False,
        range=[len(areas) - 0.5, -0.5],
        automargin=True,
    )


# Five steps from light to dark orange; text on the two darkest is white.
_FILLS = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")
_DARK_FILLS = frozenset(_FILLS[3:])
_NO_RATE = "#f0f0f0"


def _heat_cell(
    table: dict[tuple[str, str], dict], area: str, label: str, rule: Disclosure, highest: float
) -> tuple[str, str, str]:
    """(text in the cell, its fill, its hover text) for one 圏域 × category.

    ``table`` holds the rows of the gap table as :func:`protect_gaps` publishes it, by area
    and category; a hidden cell shows its count's label and nothing computed from it.
    """
    if (area, label) not in table:
        return "", _NO_RATE, f"{area}／{label}: 回答なし"
    row = table[(area, label)]
    count = people(rule, row["count"], row["count_status"])
    n = people(rule, row["n"], row["n_status"])
    counts = f"{area}／{label}<br>該当 {count} / 自由記述 {n}"
    if not bool(row["shown"]):
        hidden = row["count_status"] != SHOWN
        return (row["count_label"] if hidden else "—"), _NO_RATE, counts
    if pd.isna(row["rate"]):
        return "—", _NO_RATE, f"{area}／{label}: 自由記述なし"
    step = min(len(_FILLS) - 1, int(row["rate"] / highest * len(_FILLS)))
    return (
        _percent(row["rate"]),
        _FILLS[step],
        f"{counts}<br>割合の幅: {_percent(row['ci_low'])}〜{_percent(row['ci_high'])}",
    )


def area_against_municipality(gaps: pd.DataFrame, area: str, min_count: int) -> go.Figure:
    """One 圏域's rate per category (bars, with 95% intervals) and the municipal rate
    (a tick on each bar).

    ``gaps`` has area, category, count, n, rate, ci_low, ci_high and municipal_rate.
    Categories whose figures the disclosure rule hides show no bar, only their label. Every
    category is a labelled row; the area's rate (or the hidden count's label) is written in
    a column right of the plot, where the municipal tick cannot strike through it.
    """
    published = protect_gaps(gaps, Disclosure(min_count))
    merged = published[published["area"] == area].rename(
        columns={"municipal_rate": "rate_municipal"}
    )
    small = ~merged["shown"]
    shown = merged["rate"].where(~small)
    rows = list(merged["category"])
    figure = go.Figure()
    figure.add_bar(
        name=area,
        y=rows,
        x=shown * 100,
        orientation="h",
        marker_color="#6a8fd8",
        error_x=dict(
            type="data",
            symmetric=False,
            array=((merged["ci_high"] - merged["rate"]) * 100).where(~small),
            arrayminus=((merged["rate"] - merged["ci_low"]) * 100).where(~small),
            color="#333",
            thickness=1,
        ),
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
    )
    figure.add_scatter(
        name="町全体",
        y=rows,
        x=merged["rate_municipal"] * 100,
        mode="markers",
        marker=dict(symbol="line-ns-open", size=18, line=dict(width=3, color="#d95f02")),
        hovertemplate="町全体 %{x:.1f}%<extra></extra>",
    )
    _write_beside(figure, merged, small)
    figure.update_layout(
        width=300,  # beside its table on the printable width of an A4 page
        height=80 + 26 * len(rows),
        bargap=0.35,
        legend=dict(orientation="h", x=0, y=1.02, xanchor="left", yanchor="bottom"),
        font=dict(family=FONT, size=12),
        margin=dict(l=10, r=50, t=30, b=40),
    )
    figure.update_xaxes(title_text="割合（%）", rangemode="tozero", automargin=True)
    figure.update_yaxes(autorange="reversed", automargin=True, tickmode="linear")
    return figure


def _write_beside(figure: go.Figure, merged: pd.DataFrame, small: pd.Series) -> None:
    """Each row's rate, or the hidden count's label, right of the plot."""
    beside = [
        (label if status != SHOWN else "—") if hidden else _percent(value)
        for hidden, value, label, status in zip(
            small, merged["rate"], merged["count_label"], merged["count_status"], strict=True
        )
    ]
    figure.update_layout(
        annotations=[
            dict(
                x=1.0,
                xref="paper",
                xanchor="left",
                xshift=6,
                y=row,
                yref="y",
                text=text,
                showarrow=False,
                font=dict(size=11),
            )
            for row, text in zip(merged["category"], beside, strict=True)
        ]
    )


def supply_bars(supply: pd.DataFrame, areas: Sequence[str], labels: Sequence[str]) -> go.Figure:
    """Monthly provision per 1,000 residents aged 65+, per 圏域, one bar group per category.

    ``supply`` has area, category, resources, per_1000 and, from the gap analysis,
    supply_unit (each category keeps its own unit: places, sessions or resources).
    """
    figure = go.Figure()
    for label in labels:
        part = supply[supply["category"] == label].set_index("area").reindex(list(areas))
        figure.add_bar(
            name=label,
            x=list(areas),
            y=part["per_1000"],
            customdata=part["resources"].fillna(0).astype(int),
            hovertemplate=f"{label}<br>%{{x}}: %{{customdata}}か所（65歳以上千人あたり %{{y:.2f}}{_unit(part)}）<extra></extra>",
        )
    figure.update_layout(
        title=_title("地域資源の提供（65歳以上千人あたり、月あたり）"),
        barmode="group",
        width=PRINT_WIDTH,
        height=380,
        legend=_LEGEND_ABOVE,
        **_LAYOUT,
    )
    figure.update_yaxes(title_text="65歳以上千人あたり", automargin=True)
    figure.update_xaxes(automargin=True)
    return figure


def _unit(part: pd.DataFrame) -> str:
    from needs_analysis.gaps.provision import UNIT_SUFFIX

    units = part["supply_unit"].dropna() if "supply_unit" in part.columns else pd.Series()
    return UNIT_SUFFIX.get(units.iloc[0], "") if len(units) else ""


def change_dumbbell(
    change: pd.DataFrame, previous_label: str, current_label: str, min_change: float = 0.03
) -> go.Figure:
    """Rates of the previous and the current year side by side for each 圏域 × category.

    ``change`` has area, category, rate_previous, rate (the current year), flag_change.
    Only rows whose gap flag is or was set, or whose rate moved by ``min_change`` or more,
    are drawn, so the chart stays readable with many 圏域.
    """
    rows = change_rows(change, min_change)
    names = rows["area"] + "／" + rows["category"]
    lines = [
        go.Scatter(
            x=[previous * 100, current * 100],
            y=[name] * 2,
            mode="lines",
            line=dict(color="#bbb"),
            showlegend=False,
            hoverinfo="skip",
        )
        for previous, current, name in zip(rows["rate_previous"], rows["rate"], names, strict=True)
    ]
    figure = go.Figure()
    figure.add_traces(  # in one call, not a trace at a time
        [
            *lines,
            go.Scatter(
                name=previous_label,
                x=rows["rate_previous"] * 100,
                y=names,
                mode="markers",
                marker=dict(color="#999", size=9),
            ),
            go.Scatter(
                name=current_label,
                x=rows["rate"] * 100,
                y=names,
                mode="markers",
                marker=dict(color="#d95f02", size=11),
            ),
        ]
    )
    figure.update_layout(
        title=_title("前回調査からの変化（割合 %）"),
        width=PRINT_WIDTH,
        height=130 + 20 * len(rows),
        legend=_LEGEND_ABOVE,
        **_LAYOUT,
    )
    figure.update_xaxes(title_text="割合（%）", automargin=True)
    # Every row keeps its label: plotly would otherwise skip labels when rows are dense.
    figure.update_yaxes(
        autorange="reversed",
        tickmode="array",
        tickvals=list(names),
        ticktext=list(names),
        automargin=True,
    )
    return figure


def change_rows(change: pd.DataFrame, min_change: float = 0.03) -> pd.DataFrame:
    """The rows :func:`change_dumbbell` draws (empty: there is nothing to draw)."""
    rows = change.dropna(subset=["rate_previous", "rate"])
    moved = (rows["rate"] - rows["rate_previous"]).abs() >= min_change
    return rows[moved | (rows["flag_change"] != "該当なし")]


def figure_html(figure: go.Figure, plotly_js: str = "cdn") -> HTML:
    """The figure as HTML for a notebook output.

    ``plotly_js`` is ``"cdn"`` when a notebook is opened by hand, the path of a local
    ``plotly.min.js`` (the report folder has one) so the handouts draw without a network,
    or ``"inline"``: the library inside the output itself, for a notebook opened in
    JupyterLab without a network (``needs-analysis lab``), where a script loaded by its
    path would run after the chart's own script.
    """
    return HTML(
        figure.to_html(
            full_html=False,
            include_plotlyjs=True if plotly_js == "inline" else plotly_js,
            # Fixed sizes: a chart that resized to the window would not fit the paper.
            config={"displaylogo": False, "responsive": False},
            # An id from the figure itself, not a random one: reruns give the same page.
            div_id="chart-" + hashlib.sha1(figure.to_json().encode()).hexdigest()[:12],
        )
    )
