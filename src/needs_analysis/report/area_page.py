"""The needs block of a 第2層 handout: a chart beside its table, or, for an area with little
data, its needs in order with their numbers — never a grid of blanks.

An area has *little data* when it is not judged (fewer answers than the gap rule's
minimum) or when the disclosure rule hides at least half of its categories. Its page then
lists the needs whose count is published from the most answers down (ties share a place
and say so), and names the needs under the threshold together, without an order among
them (an order would tell more about hidden counts than 「5未満」 does).
"""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython.display import HTML

from needs_analysis.gaps.table import VERDICT_TOO_FEW
from needs_analysis.privacy.disclosure import COMPLEMENT, SHOWN, SMALL, protect_gaps
from needs_analysis.report.charts import area_against_municipality, figure_html
from needs_analysis.report.pages import print_table, side_by_side
from needs_analysis.report.views import area_rate_table, percent

CHART_NOTE = (
    "棒がこの圏域の割合、縦の線が町全体の割合、棒の先の細い線は割合の幅"
    "（本当の割合はこの範囲にあると考えられます）です。"
)
ORDER_NOTE = (
    "この圏域は回答が少ないため、割合のグラフの代わりに、困りごとを書いた人の多い順に並べています。"
)


def area_rows(run, gaps: pd.DataFrame, area: str) -> pd.DataFrame:
    """The area's rows of the gap table as the disclosure rule publishes them."""
    published = protect_gaps(gaps, run.disclosure)
    return published[published["area"] == area].reset_index(drop=True)


def has_little_data(run, gaps: pd.DataFrame, area: str) -> bool:
    """Not judged, or at least half of the categories hidden."""
    rows = area_rows(run, gaps, area)
    if rows.empty:
        return True
    hidden = int((~rows["shown"].astype(bool)).sum())
    return bool((rows["verdict"] == VERDICT_TOO_FEW).any()) or 2 * hidden >= len(rows)


def needs_order(run, gaps: pd.DataFrame, area: str) -> pd.DataFrame:
    """順位 / 困りごと / 人数 / 割合: published counts from the most down (a tie shares its
    place, 「同数」), then one row for the counts under the threshold and one for those
    hidden by subtraction, each naming its categories in the taxonomy's order."""
    rows = area_rows(run, gaps, area)
    shown = rows[(rows["count_status"] == SHOWN) & (rows["count"] > 0)]
    shown = shown.assign(_order=range(len(shown))).sort_values(
        ["count", "_order"], ascending=[False, True]
    )
    place = shown["count"].rank(method="min", ascending=False).astype(int)
    tied = shown["count"].duplicated(keep=False)
    table = [
        {
            "順位": f"{rank}位" + ("（同数）" if tie else ""),
            "困りごと": row.category,
            "人数": f"{int(row.count):,}人",
            "割合": percent(row.rate) if bool(row.shown) else "—",
        }
        for rank, tie, row in zip(place, tied, shown.itertuples(index=False), strict=True)
    ]
    for status, label in ((SMALL, run.disclosure.small_label), (COMPLEMENT, "非表示")):
        names = rows.loc[rows["count_status"] == status, "category"].tolist()
        if names:
            table.append({"順位": "—", "困りごと": "・".join(names), "人数": label, "割合": "—"})
    none = rows.loc[(rows["count_status"] == SHOWN) & (rows["count"] == 0), "category"].tolist()
    if none:
        table.append({"順位": "—", "困りごと": "・".join(none), "人数": "0人", "割合": "—"})
    return pd.DataFrame(table, columns=["順位", "困りごと", "人数", "割合"])


def area_needs_block(run, gaps: pd.DataFrame, area: str, plotly_js: str = "cdn") -> HTML:
    """The chart of the area's rates beside its table, or its needs in order."""
    if has_little_data(run, gaps, area):
        order = needs_order(run, gaps, area)
        if order.empty:
            return HTML(f"<p>{escape(ORDER_NOTE)}</p><p>数えられた困りごとはありません。</p>")
        return HTML(f"<p>{escape(ORDER_NOTE)}</p>" + print_table(order, "na-order").data)
    chart = area_against_municipality(gaps, area, run.min_count)
    table = print_table(handout_rate_table(gaps, area, run.min_count))
    return HTML(
        f"<p>{escape(CHART_NOTE)}</p>" + side_by_side(figure_html(chart, plotly_js), table).data
    )


def handout_rate_table(gaps: pd.DataFrame, area: str, min_count: int) -> pd.DataFrame:
    """:func:`area_rate_table` narrowed to sit beside the chart on A4: the area's number of
    answers goes into the header of the count (「該当（294人中）」) instead of a column."""
    table = area_rate_table(gaps, area, min_count)
    counted = table.columns[1]
    answers = table["自由記述"].iloc[0] if len(table) else "—"
    of = f"{answers}中" if answers.endswith("未満") or answers == "非表示" else f"{answers}人中"
    return table.drop(columns="自由記述").rename(columns={counted: f"{counted}（{of}）"})
