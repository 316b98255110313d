"""Plotly charts for the handouts. Each function returns a Figure and never shows it.

Charts take the long tables of the gap analysis (one row per 圏域 × category). Labels are
Japanese; hover texts carry n and the 95% interval so a number is never shown without its
denominator.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from IPython.display import HTML

from needs_analysis.privacy import SHOWN, Disclosure, people, protect_gaps

FONT = "IPAGothic, 'Noto Sans CJK JP', 'Hiragino Sans', Meiryo, sans-serif"
_LAYOUT = dict(font=dict(family=FONT, size=13), margin=dict(l=90, r=30, t=60, b=60))


def _percent(value: float) -> str:
    return "" if pd.isna(value) else f"{value * 100:.1f}%"


def rate_heatmap(
    rates: pd.DataFrame,
    areas: Sequence[str],
    labels: Sequence[str],
    min_count: int,
    title: str = "困りごとの割合（圏域 × 分類）",
) -> go.Figure:
    """Rates per 圏域 × category; hover shows n, count, 95% interval and the residual.

    ``rates`` has columns area, category, n, count, rate, ci_low, ci_high, residual. The
    disclosure rule decides what each cell shows: a hidden count reads 「{min_count}未満」 or
    「非表示」 and its cell has no colour, rate, interval or residual, in the hover too.
    """
    rule = Disclosure(min_count)
    table = protect_gaps(rates, rule).set_index(["area", "category"])
    z, text, hover = [], [], []
    for area in areas:
        z_row, text_row, hover_row = [], [], []
        for label in labels:
            if (area, label) not in table.index:
                z_row.append(None)
                text_row.append("")
                hover_row.append(f"{area}／{label}: 回答なし")
                continue
            row = table.loc[(area, label)]
            shown = bool(row["shown"])
            z_row.append(row["rate"] * 100 if shown else None)
            if shown:
                text_row.append(_percent(row["rate"]))
            else:
                hidden = row["count_status"] != SHOWN
                text_row.append(row["count_label"] if hidden else "—")
            count = people(rule, row["count"], row["count_status"])
            n = people(rule, row["n"], row["n_status"])
            details = ""
            if shown:
                details = f"<br>95%区間: {_percent(row['ci_low'])}〜{_percent(row['ci_high'])}"
                if not pd.isna(row["residual"]):
                    details += f"<br>調整済み残差: {row['residual']:.2f}"
            hover_row.append(f"{area}／{label}<br>該当 {count} / 自由記述 {n}{details}")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=list(labels),
            y=list(areas),
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale="Oranges",
            colorbar=dict(title="割合(%)"),
        )
    )
    figure.update_layout(title=title, height=max(320, 60 + 34 * len(areas)), **_LAYOUT)
    figure.update_yaxes(autorange="reversed")
    return figure


def area_against_municipality(gaps: pd.DataFrame, area: str, min_count: int) -> go.Figure:
    """One 圏域's rate per category beside the municipal rate, with 95% intervals.

    ``gaps`` has area, category, count, n, rate, ci_low, ci_high and municipal_rate.
    Categories whose figures the disclosure rule hides show no bar, only their label.
    """
    published = protect_gaps(gaps, Disclosure(min_count))
    merged = published[published["area"] == area].rename(
        columns={"municipal_rate": "rate_municipal"}
    )
    small = ~merged["shown"]
    shown = merged["rate"].where(~small)
    figure = go.Figure()
    figure.add_bar(
        name=area,
        x=merged["category"],
        y=shown * 100,
        error_y=dict(
            type="data",
            symmetric=False,
            array=((merged["ci_high"] - merged["rate"]) * 100).where(~small),
            arrayminus=((merged["rate"] - merged["ci_low"]) * 100).where(~small),
        ),
        text=[
            (label if status != SHOWN else "—") if s else _percent(r)
            for s, r, label, status in zip(
                small, merged["rate"], merged["count_label"], merged["count_status"], strict=True
            )
        ],
        textposition="outside",
        hovertemplate="%{x}: %{text}<extra></extra>",
    )
    figure.add_scatter(
        name="町全体",
        x=merged["category"],
        y=merged["rate_municipal"] * 100,
        mode="markers",
        marker=dict(symbol="line-ew-open", size=28, line=dict(width=3, color="#333")),
        hovertemplate="町全体 %{y:.1f}%<extra></extra>",
    )
    figure.update_layout(
        title=f"{area}の困りごとの割合と町全体（線）",
        width=680,  # fits the printable width of an A4 page
        yaxis_title="自由記述のある人に占める割合(%)",
        height=330,
        legend=dict(orientation="h", y=-0.2),
        **_LAYOUT,
    )
    return figure


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
        title="地域資源の提供（65歳以上千人あたり、月あたり）",
        barmode="group",
        height=420,
        yaxis_title="千人あたり",
        **_LAYOUT,
    )
    return figure


def _unit(part: pd.DataFrame) -> str:
    from needs_analysis.provision import UNIT_SUFFIX

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
    rows = change.dropna(subset=["rate_previous", "rate"])
    moved = (rows["rate"] - rows["rate_previous"]).abs() >= min_change
    rows = rows[moved | (rows["flag_change"] != "該当なし")]
    names = rows["area"] + "／" + rows["category"]
    figure = go.Figure()
    for _, row in rows.iterrows():
        figure.add_scatter(
            x=[row["rate_previous"] * 100, row["rate"] * 100],
            y=[f"{row['area']}／{row['category']}"] * 2,
            mode="lines",
            line=dict(color="#bbb"),
            showlegend=False,
            hoverinfo="skip",
        )
    figure.add_scatter(
        name=previous_label,
        x=rows["rate_previous"] * 100,
        y=names,
        mode="markers",
        marker=dict(color="#999", size=9),
    )
    figure.add_scatter(
        name=current_label,
        x=rows["rate"] * 100,
        y=names,
        mode="markers",
        marker=dict(color="#d95f02", size=11),
    )
    figure.update_layout(
        title="前回調査からの変化（割合 %）",
        height=max(320, 40 + 22 * len(rows)),
        xaxis_title="割合(%)",
        legend=dict(orientation="h", y=-0.15),
        **_LAYOUT,
    )
    figure.update_yaxes(autorange="reversed")
    return figure


def figure_html(figure: go.Figure, plotly_js: str = "cdn") -> HTML:
    """The figure as HTML for a notebook output.

    ``plotly_js`` is ``"cdn"`` when a notebook is opened by hand, or the path of a local
    ``plotly.min.js`` (the report folder has one) so the handouts draw without a network.
    """
    return HTML(
        figure.to_html(
            full_html=False,
            include_plotlyjs=plotly_js,
            config={"displaylogo": False, "responsive": True},
            # An id from the figure itself, not a random one: reruns give the same page.
            div_id="chart-" + hashlib.sha1(figure.to_json().encode()).hexdigest()[:12],
        )
    )
