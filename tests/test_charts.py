"""Charts that read on paper: every row labelled, vector cells, fixed print sizes, and a
sentence instead of an empty chart."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go

from needs_analysis.report import charts, pages

AREAS = ["北", "中", "南"]
LABELS = ["移動支援", "居場所", "ゴミ出し"]


def gaps_table() -> pd.DataFrame:
    rows = []
    for i, area in enumerate(AREAS):
        for j, label in enumerate(LABELS):
            count = 2 if (area, label) == ("南", "居場所") else 10 + 5 * i + j
            n = 100
            rate = count / n
            rows.append(
                {
                    "area": area,
                    "category": label,
                    "n": n,
                    "count": count,
                    "rate": rate,
                    "ci_low": rate - 0.03,
                    "ci_high": rate + 0.04,
                    "residual": 0.5,
                    "municipal_rate": 0.15,
                    "resources": i,
                    "per_1000": float(i),
                }
            )
    return pd.DataFrame(rows)


def change_table(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": [f"圏域{i}" for i in range(rows)],
            "category": ["移動支援"] * rows,
            "rate_previous": [0.1] * rows,
            "rate": [0.2] * rows,
            "flag_change": ["該当なし"] * rows,
        }
    )


def test_area_chart_labels_every_row_right_of_the_plot():
    figure = charts.area_against_municipality(gaps_table(), "南", min_count=5)
    assert list(figure.data[0].y) == LABELS
    notes = {a.y: a.text for a in figure.layout.annotations}
    assert notes == {"移動支援": "20.0%", "居場所": "5未満", "ゴミ出し": "22.0%"}
    # Written right of the plot area, where the municipal tick never reaches.
    assert all(a.xref == "paper" and a.x >= 1 for a in figure.layout.annotations)
    assert figure.layout.width and figure.layout.width <= 700


def test_heatmap_cells_are_vector_shapes_with_their_rate_written():
    figure = charts.rate_heatmap(gaps_table(), AREAS, LABELS, min_count=5)
    assert not any(isinstance(trace, go.Heatmap) for trace in figure.data)
    assert len(figure.layout.shapes) == len(AREAS) * len(LABELS)
    texts = list(figure.data[0].text)
    assert "5未満" in texts and "10.0%" in texts
    assert list(figure.layout.yaxis.ticktext) == AREAS


def test_change_chart_labels_all_of_many_rows():
    figure = charts.change_dumbbell(change_table(14), "令和4年度", "令和7年度")
    names = [f"圏域{i}／移動支援" for i in range(14)]
    assert list(figure.layout.yaxis.tickvals) == names
    assert list(figure.layout.yaxis.ticktext) == names


def test_no_previous_survey_gives_a_sentence_not_a_chart():
    run = SimpleNamespace(previous_fiscal_year=None, previous_year_label=None)
    tables = SimpleNamespace(previous_gaps=None, change=change_table(0))
    html = pages.change_block(run, tables).data
    assert "前回の調査がない" in html and "plotly" not in html


def test_nothing_moved_gives_a_sentence():
    run = SimpleNamespace(previous_fiscal_year=2022, previous_year_label="令和4年度")
    unchanged = change_table(3).assign(rate=0.1)
    tables = SimpleNamespace(previous_gaps=gaps_table(), change=unchanged)
    html = pages.change_block(run, tables).data
    assert "ありません" in html and "plotly" not in html


def test_change_table_carries_n_and_interval_of_both_years():
    run = SimpleNamespace(
        previous_fiscal_year=2022, previous_year_label="R4", year_label="R7", min_count=5
    )
    previous = gaps_table()
    current = gaps_table().assign(
        rate=lambda t: t["rate"] + 0.05,
        ci_low=lambda t: t["ci_low"] + 0.05,
        ci_high=lambda t: t["ci_high"] + 0.05,
    )
    change = pd.DataFrame(
        {
            "area": ["北", "南"],
            "category": ["移動支援", "居場所"],
            "n": [100, 100],
            "n_previous": [90, 100],
            "rate_previous": [0.10, 0.02],
            "rate": [0.15, 0.07],
            "flag_change": ["該当なし", "該当なし"],
        }
    )
    tables = SimpleNamespace(previous_gaps=previous, gaps=current, change=change)
    table = pages.change_interval_table(run, tables).set_index("圏域")
    assert table.loc["北", "前回の n"] == "90人" and table.loc["北", "今回の n"] == "100人"
    assert table.loc["北", "前回の割合（幅）"] == "10.0%（7.0〜14.0）"
    assert table.loc["北", "今回の割合（幅）"] == "15.0%（12.0〜19.0）"
    assert table.loc["南", "前回の割合（幅）"] == "5未満"
    html = pages.change_block(run, tables).data
    assert "Plotly.newPlot" in html and "今回の割合（幅）" in re.sub("<[^>]+>", "", html)


def test_no_resources_gives_a_sentence():
    tables = SimpleNamespace(gaps=gaps_table().assign(resources=0))
    html = pages.supply_block(SimpleNamespace(), tables, pd.DataFrame()).data
    assert "図はありません" in html and "plotly" not in html


def test_interval_table_carries_n_and_interval_beside_the_heatmap():
    table = pages.rate_interval_table(gaps_table(), AREAS, LABELS, min_count=5)
    north = table.set_index("圏域").loc["北"]
    assert north["自由記述"] == "100人"
    assert north["移動支援"] == "10.0%\n（7.0〜14.0）"
    assert table.set_index("圏域").loc["南", "居場所"] == "5未満"


def test_page_style_states_the_paper():
    assert "size: A4 portrait" in pages.page_style("portrait").data
    landscape = pages.page_style("landscape").data
    assert "size: A4 landscape" in landscape and "<script>" not in landscape
    assert "zoom" in pages.page_style("portrait", one_sheet=True).data
    assert "IPAexGothic" in charts.FONT and not charts.FONT.startswith("IPAGothic")


def _many_areas(count: int) -> tuple[pd.DataFrame, list[str], list[str]]:
    labels = LABELS + ["見守り", "買い物支援", "家事支援", "配食"]
    areas = [f"第{number:02d}圏域" for number in range(1, count + 1)]
    rows = [
        {
            "area": area,
            "category": label,
            "n": 120,
            "count": (i * 7 + j * 3) % 40,
            "rate": ((i * 7 + j * 3) % 40) / 120,
            "ci_low": 0.0,
            "ci_high": 0.5,
            "residual": 0.1,
        }
        for i, area in enumerate(areas)
        for j, label in enumerate(labels)
    ]
    return pd.DataFrame(rows), areas, labels


def test_heatmap_builds_each_cell_once(monkeypatch):
    """Shapes are validated once each: adding them one at a time re-validated every earlier
    shape, 22,365 constructions for 30 圏域 instead of 210."""
    built = []
    original = go.layout.Shape.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(go.layout.Shape, "__init__", counting)
    table, areas, labels = _many_areas(90)
    figure = charts.rate_heatmap(table, areas, labels, min_count=5)
    assert len(figure.layout.shapes) == 90 * len(labels)
    assert len(built) == 90 * len(labels)


def test_change_chart_has_one_line_per_row_and_both_years():
    figure = charts.change_dumbbell(change_table(40), "令和4年度", "令和7年度")
    lines = [trace for trace in figure.data if trace.mode == "lines"]
    assert len(lines) == 40 and all(list(line.x) == [10.0, 20.0] for line in lines)
    assert [trace.name for trace in figure.data[-2:]] == ["令和4年度", "令和7年度"]
