"""The printed page: paper size, fonts, layout blocks and the sections that may have no chart.

Every report page states its paper in CSS (A4 portrait, or landscape for the plan table),
so a browser prints it as intended and :mod:`needs_analysis.publish.pdf` needs no page options.
A 第2層 handout is one sheet: it is laid out at the printable width of A4 on screen too,
and a small script scales it down for printing when the content is a little too tall.
"""

from __future__ import annotations

from html import escape
from typing import Literal

import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown

from needs_analysis.privacy.disclosure import SHOWN, Disclosure, people, protect_gaps
from needs_analysis.report.charts import (
    FONT,
    change_dumbbell,
    change_rows,
    figure_html,
)

Paper = Literal["portrait", "landscape"]
# Printable area of A4 with the margins below (millimetres).
_MARGIN_MM = (10, 12)
_PRINTABLE_MM = {"portrait": (210 - 24, 297 - 20), "landscape": (297 - 24, 210 - 20)}

_CSS = """
@page {{ size: A4 {paper}; margin: {margin_v}mm {margin_h}mm; }}
html, body {{ margin: 0 !important; padding: 0 !important; background: white; }}
body, .jp-Notebook, .jp-RenderedHTMLCommon, .jp-RenderedHTMLCommon table {{
  font-family: {font}; }}
.jp-Notebook {{ width: {width}mm; margin: 0 auto !important; padding: 0 !important; }}
.jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child,
.jp-OutputArea-output, .jp-RenderedHTMLCommon {{
  padding: 0 !important; margin: 0 !important; overflow: visible !important; }}
.jp-OutputPrompt, .jp-InputPrompt, .jp-Collapser {{ display: none !important; }}
::-webkit-scrollbar {{ display: none; }}
.jp-RenderedHTMLCommon {{ font-size: 12px; line-height: 1.45; }}
.jp-RenderedHTMLCommon h1 {{ font-size: 17px; margin: 0 0 2px !important; }}
.jp-RenderedHTMLCommon h2 {{ font-size: 13.5px; margin: 8px 0 3px !important;
  padding-bottom: 1px; border-bottom: 1px solid #bbb; }}
.jp-RenderedHTMLCommon h3 {{ font-size: 12.5px; margin: 4px 0 1px !important; }}
.jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon li {{ margin: 1px 0 !important; }}
.jp-RenderedHTMLCommon ul, .jp-RenderedHTMLCommon ol {{ margin: 1px 0 !important;
  padding-left: 20px; }}
.jp-RenderedHTMLCommon table {{ font-size: 10.5px; border-collapse: collapse;
  table-layout: auto; margin: 2px 0 !important; }}
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th {{ padding: 1px 5px !important;
  text-align: left !important; vertical-align: top; }}
.na-note {{ color: #555; font-size: 11px; font-weight: normal; }}
.na-gap {{ border-left: 4px solid #d95f02; padding: 1px 8px; margin: 4px 0; }}
.na-gap li {{ font-size: 11px; }}
.na-row {{ display: flex; gap: 10px; align-items: flex-start; }}
.na-row > div {{ flex: 0 1 auto; min-width: 0; }}
.na-row > div:first-child {{ flex: 0 0 auto; }}
.na-row table {{ font-size: 10px; }}
.na-intervals td {{ white-space: nowrap; }}
.na-resources td:not(:last-child), .na-change td:not(:last-child) {{ white-space: nowrap; }}
.na-row td, .na-row th {{ padding: 1px 3px !important; }}
.na-footer {{ font-size: 8.5px; color: #777; border-top: 1px solid #ccc;
  margin-top: 6px !important; padding-top: 2px; }}
.na-voices h3 {{ font-size: 12px; margin: 3px 0 0 !important; }}
.na-voices li {{ font-size: 11px; }}
.na-flag {{ font-size: 10px; color: white; background: #d95f02; border-radius: 3px;
  padding: 0 4px; margin-left: 6px; font-weight: normal; }}
.na-terms {{ font-size: 9.5px; color: #333; border: 1px solid #bbb; border-radius: 3px;
  padding: 2px 6px; margin-top: 6px !important; }}
.jp-RenderedHTMLCommon .na-terms table {{ font-size: 9.5px; margin: 0 !important; }}
.jp-RenderedHTMLCommon .na-terms th {{ white-space: nowrap; padding: 0 8px 0 0 !important; }}
.jp-RenderedHTMLCommon .na-terms td {{ padding: 0 !important; }}
.jp-RenderedHTMLCommon .na-terms tr {{ background: none !important; }}
.na-order td:first-child, .na-order td:nth-child(3) {{ white-space: nowrap; }}
/* Table cells never break a Japanese word: a short cell (a category, an area, a count)
   breaks only at its punctuation, a long one at the phrase boundaries Chromium finds. */
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th {{ word-break: auto-phrase; }}
.na-nb {{ white-space: nowrap; }}
.jp-RenderedHTMLCommon table.na-plan {{ font-size: 15px; line-height: 1.2; width: 100%; }}
.na-plan td, .na-plan th {{ padding: 5px 8px !important; border-bottom: 1px solid #ccc; }}
.na-plan td:last-child, .na-plan th:last-child {{ text-align: right !important; }}
.modebar-container {{ display: none !important; }}
@media print {{
  .jp-Cell {{ break-inside: avoid; }}
  .jp-MarkdownCell {{ break-after: avoid; }}
  .na-gap {{ break-inside: avoid; }}
}}
"""

# Scales a one-sheet handout down for printing when it is taller than the sheet. The page
# is laid out at the printable width on screen as well, so its height there is its height
# on paper.
_FIT_ONE_SHEET = """
<script>
window.addEventListener("load", function () {{
  var sheet = document.querySelector(".jp-Notebook") || document.body;
  var room = {height_mm} * 96 / 25.4;
  var height = sheet.getBoundingClientRect().height;
  if (height > room) {{
    var style = document.createElement("style");
    style.textContent = "@media print {{ .jp-Notebook {{ zoom: "
      + (0.98 * room / height).toFixed(3) + "; }} }}";
    document.head.appendChild(style);
  }}
}});
</script>
"""


def page_style(paper: Paper = "portrait", one_sheet: bool = False) -> HTML:
    """Paper, fonts and compact spacing for a report page; ``one_sheet`` fits it on one
    A4 sheet when printed."""
    width, height = _PRINTABLE_MM[paper]
    css = _CSS.format(
        paper=paper,
        margin_v=_MARGIN_MM[0],
        margin_h=_MARGIN_MM[1],
        font=FONT,
        width=width,
    )
    script = _FIT_ONE_SHEET.format(height_mm=height) if one_sheet else ""
    return HTML(f"<style>{css}</style>{script}")


def heading(run, title: str, area: str | None = None) -> Markdown:
    """The page's heading: municipality, the area and the fiscal year in the Japanese era."""
    where = f"{run.municipality}　{area}" if area else run.municipality
    return Markdown(f"# {title}\n\n**{where}**　{run.year_label}")


def footer(run, note: str = "") -> HTML:
    """A small line at the foot of the page: what made it, and an optional note."""
    parts = [f"{run.municipality} {run.year_label}", f"needs-analysis {run.package_version} で作成"]
    if model_note(run):
        parts.append(model_note(run))
    if note:
        parts.append(note)
    return HTML(f'<p class="na-footer">{escape("　".join(parts))}</p>')


def model_note(run) -> str:
    """What the town's own model learned from, for footers and the data log ("" if nothing)."""
    metadata = run.model_metadata
    notes = []
    if metadata.get("town_corrections"):
        notes.append(f"町の修正 {int(metadata['town_corrections']):,}件を反映")
    if metadata.get("town_added"):
        how = "で学習" if metadata.get("town_replaced_bundled") else "を追加"
        notes.append(f"町の学習データ {int(metadata['town_added']):,}件{how}")
    return "、".join(notes)


def side_by_side(*parts: HTML) -> HTML:
    """Blocks (a chart and its table) next to each other, top-aligned."""
    cells = "".join(f"<div>{part.data}</div>" for part in parts)
    return HTML(f'<div class="na-row">{cells}</div>')


def compact_resources(run, area: str) -> pd.DataFrame:
    """The area's resources in the run's year, one row per type: how many, sessions a
    month, the needs they meet, and their names."""
    resources = run.resources[run.resources["area"] == area]
    started = pd.to_numeric(resources["started"], errors="coerce")
    resources = resources[started.isna() | (started <= run.fiscal_year)]
    rows = []
    for kind, group in resources.groupby("type", sort=False):
        per_month = pd.to_numeric(group["per_month"], errors="coerce")
        rows.append(
            {
                "種別": kind,
                "対応する困りごと": "・".join(run.resource_categories.get(kind, ())) or "—",
                "数": f"{len(group)}か所",
                "月あたり回数（計）": "—" if per_month.isna().all() else f"{per_month.sum():g}",
                "名称": "、".join(map(str, group["name"])),
            }
        )
    return pd.DataFrame(
        rows, columns=["種別", "対応する困りごと", "数", "月あたり回数（計）", "名称"]
    )


def resources_block(run, area: str) -> HTML:
    """The area's resources as a compact table, or a sentence when it has none."""
    table = compact_resources(run, area)
    if table.empty:
        return HTML("<p>この圏域で今年度に数えた地域資源はありません。</p>")
    return print_table(table, "na-resources")


def change_block(run, tables, plotly_js: str = "cdn") -> HTML:
    """The change chart with its table (n and 95% interval of both years for every row
    drawn), or one sentence when there is nothing to compare."""
    if run.previous_fiscal_year is None or tables.previous_gaps is None:
        return HTML("<p>前回の調査がないため、変化の図はありません。</p>")
    if change_rows(tables.change).empty:
        return HTML(
            "<p>前回と比べて割合が3ポイント以上動いた組み合わせや、不足の候補が変わった"
            "組み合わせはありません。</p>"
        )
    chart = change_dumbbell(tables.change, run.previous_year_label or "前回", run.year_label)
    table = change_interval_table(run, tables)
    return HTML(figure_html(chart, plotly_js).data + print_table(table, "na-change").data)


def change_interval_table(run, tables) -> pd.DataFrame:
    """The rows of the change chart: both years' n and rate with its range (the 95%
    interval), each as the disclosure rule publishes it."""
    rows = change_rows(tables.change)
    rule = Disclosure(run.min_count)
    automatic = getattr(tables, "automatic", None)  # the change compares automatic rates
    basis = tables.gaps if automatic is None else automatic
    now = protect_gaps(basis, rule).set_index(["area", "category"])
    before = protect_gaps(tables.previous_gaps, rule).set_index(["area", "category"])
    pairs = list(zip(rows["area"], rows["category"], strict=True))
    n_before = [
        _n_label(before, rule, *pair, n) for pair, n in zip(pairs, rows["n_previous"], strict=True)
    ]
    n_now = [_n_label(now, rule, *pair, n) for pair, n in zip(pairs, rows["n"], strict=True)]
    return pd.DataFrame(
        {
            "圏域": rows["area"],
            "分類": rows["category"],
            "前回の n": n_before,
            "前回の割合（幅）": [_rate_with_interval(before, a, c) for a, c in pairs],
            "今回の n": n_now,
            "今回の割合（幅）": [_rate_with_interval(now, a, c) for a, c in pairs],
            "不足の候補": rows["flag_change"],
        }
    )


def _n_label(table: pd.DataFrame, rule: Disclosure, area: str, label: str, n: object = None) -> str:
    """The area's answers with text (``n``, else the table's) as printed: 「123人」,
    「5未満」 or 「非表示」, with the status the published table gives the area."""
    if (area, label) not in table.index:
        return "—" if n is None or pd.isna(n) else people(rule, n)
    cell = table.loc[(area, label)]
    return people(rule, cell["n"] if n is None else n, cell.get("n_status"))


def supply_block(run, tables, supply_table: pd.DataFrame, plotly_js: str = "cdn") -> HTML:
    """The resources chart (each area against the town's level, one unit for every cell)
    with the table of what the inventory lists, or one sentence when no resource is listed."""
    from needs_analysis.report.charts_supply import supply_heatmap

    if tables.gaps["resources"].fillna(0).sum() == 0:
        return HTML("<p>地域資源の一覧がないか、分類に対応する資源がないため、図はありません。</p>")
    margin = run.gap_settings.supply_margin
    chart = supply_heatmap(tables.gaps, run.areas, run.taxonomy.labels, margin)
    return HTML(figure_html(chart, plotly_js).data + print_table(supply_table).data)


def rate_interval_table(gaps: pd.DataFrame, areas, labels, min_count: int) -> pd.DataFrame:
    """Beside the heatmap: per 圏域 its n, and per category the rate with its 95% interval
    (「5未満」 or 「非表示」 where the disclosure rule hides the cell)."""
    rule = Disclosure(min_count)
    table = protect_gaps(gaps, rule).set_index(["area", "category"])
    rows = []
    for area in areas:
        in_area = [label for label in labels if (area, label) in table.index]
        row: dict[str, str] = {
            "圏域": area,
            "自由記述": _n_label(table, rule, area, in_area[0]) if in_area else "—",
        }
        for label in labels:
            row[label] = _rate_with_interval(table, area, label, sep="\n")
        rows.append(row)
    return pd.DataFrame(rows)


def interval_block(gaps: pd.DataFrame, areas, labels, min_count: int) -> HTML:
    """:func:`rate_interval_table` as HTML, each rate above its range."""
    return print_table(rate_interval_table(gaps, areas, labels, min_count), "na-intervals")


def _rate_with_interval(table: pd.DataFrame, area: str, label: str, sep: str = "") -> str:
    """One cell of a gap table published by :func:`protect_gaps`: the rate and its
    interval, or the hidden count's label and nothing computed from it."""
    if (area, label) not in table.index:
        return "—"
    cell = table.loc[(area, label)]
    if not bool(cell["shown"]):
        return cell["count_label"] if cell["count_status"] != SHOWN else "—"
    if pd.isna(cell["rate"]):
        return "—"
    low, high = cell["ci_low"] * 100, cell["ci_high"] * 100
    return f"{cell['rate'] * 100:.1f}%{sep}（{low:.1f}〜{high:.1f}）"


def print_table(frame: pd.DataFrame, classes: str = "") -> HTML:
    """A table for paper: no index, text escaped, whole numbers as 1,234, and no Japanese
    word broken over two lines — a short cell or header is held together between its
    punctuation (:func:`word_cell`), a long one breaks at phrase boundaries (CSS
    ``word-break: auto-phrase``). A line break in a cell stays a line break."""
    head = "".join(f"<th>{word_cell(column)}</th>" for column in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{word_cell(value)}</td>" for value in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    kind = f' class="{escape(classes)}"' if classes else ""
    return HTML(f"<table{kind}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


# Where a short cell may break: after these marks, or before an opening bracket.
_BREAK_AFTER = "、。・／/）)"
_BREAK_BEFORE = "（("
SHORT_CELL = 16  # characters: a cell this short is a name or a figure, held together


def word_cell(value: object) -> str:
    """One cell as HTML: 「—」 for nothing, 1,234 for a whole number; a short text held
    together between its punctuation (each part in a no-break span), a long one as it is.

    >>> word_cell("移動支援")
    '<span class="na-nb">移動支援</span>'
    >>> word_cell("提供（町全体）")
    '<span class="na-nb">提供</span><wbr><span class="na-nb">（町全体）</span>'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "—"
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return f"{value:,}"
    lines = str(value).split("\n")
    return "<br>".join(_held(line) if len(line) <= SHORT_CELL else escape(line) for line in lines)


def _held(text: str) -> str:
    parts, current = [], ""
    for char in text:
        if char in _BREAK_BEFORE and current:
            parts.append(current)
            current = ""
        current += char
        if char in _BREAK_AFTER:
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    return "<wbr>".join(f'<span class="na-nb">{escape(part)}</span>' for part in parts if part)
