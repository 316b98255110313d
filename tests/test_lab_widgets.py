"""The workbench's widgets driven without a browser: what a click or a typed value does."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from lab_town import lab_bench

from needs_analysis.classify.town_model import text_key
from needs_analysis.config.stopwords import read_stopwords, stopwords_path
from needs_analysis.lab import ui_edit, ui_maps, ui_words
from needs_analysis.lab.session import open_workbench


@pytest.fixture
def bench(town_config):
    return lab_bench(town_config)


def test_searching_lists_answers_and_choosing_one_shows_it_whole(bench):
    panel = ui_words.SearchPanel(bench)
    panel.query.value = "配食"
    panel.search()
    assert "5件" in panel.results.summary.value
    texts = [label for label, _ in panel.results.select.options]
    assert "配食サービスを使いたい" in texts
    panel.results.select.value = panel.results.select.options[0][1]
    assert "配食" in panel.viewer.text.value
    assert (
        panel.viewer.boxes["配食"].value and not panel.save.disabled
        if hasattr(panel, "save")
        else True
    )


def test_a_filter_under_the_threshold_shows_the_count_as_under_5_and_no_text(bench):
    panel = ui_words.SearchPanel(bench)
    panel.area.value = "西"
    assert "5未満" in panel.results.summary.value
    assert panel.results.select.options == ()
    assert panel.words.options == ()  # no word list of a small selection either


def test_a_word_from_the_list_and_a_kwic_line_lead_to_the_answers(bench):
    panel = ui_words.SearchPanel(bench)
    assert any(value == "配食" for _, value in panel.words.options)
    panel.words.value = "配食"
    assert panel.query.value == "配食"
    assert len(panel.kwic.options) == 5
    line, (_, doc) = panel.kwic.options[0]
    assert "【配食】" in line
    panel.kwic.value = panel.kwic.options[0][1]
    assert bench.documents.at[doc, "text"] in panel.viewer.text.value
    panel.width.value = 5
    assert all(len(label.split("【")[0]) <= 5 for label, _ in panel.kwic.options)


def test_a_network_node_leads_to_its_answers(bench):
    search = ui_words.SearchPanel(bench)
    network = ui_words.NetworkPanel(bench, search)
    network.min_docs.value = 2
    assert network.min_docs.value == 5  # never under the disclosure threshold
    network.update()
    assert network.figure is not None and len(network.figure.data) > 0
    assert "配食" in network.node_list.options
    network.node_list.value = "配食"
    assert search.query.value == "配食" and "5件" in search.results.summary.value
    search.query.value = ""
    _click(network.figure, "配食")  # the node on the chart, as the browser reports a click
    assert network.node_list.value == "配食"
    assert search.query.value == "配食" and "5件" in search.results.summary.value
    network.nodes.value = "area"
    network.update()  # no group has a word in five of its answers: nothing drawn
    assert "描ける語がありません" in network.figure.layout.title.text


def _click(figure, value, field: str = "text") -> None:
    """A click on the point whose ``field`` (its text, or the answer in its customdata) is
    ``value``, sent to the figure widget as plotly.js sends it from the browser."""
    for number, trace in enumerate(figure.data):
        values = getattr(trace, field)
        values = [] if values is None or isinstance(values, str) else list(values)
        if value in values:
            index = values.index(value)
            event = {
                "trace_indexes": [number],
                "point_indexes": [index],
                "xs": [trace.x[index]],
                "ys": [trace.y[index]],
            }
            figure._handler_js2py_pointsCallback(
                {"new": {"event_type": "plotly_click", "points": event, "selector": None}}
            )
            return
    raise AssertionError(f"no point {value} on the chart")


def test_a_correction_from_the_viewer_lands_in_the_corrections_file(bench):
    bench.corrector._keys = {"n4": text_key("配食サービスを使いたい")}
    panel = ui_words.SearchPanel(bench)
    panel.query.value = "配食"
    panel.search()
    chosen = dict(panel.results.select.options)["配食サービスを使いたい"]
    panel.results.select.value = chosen
    panel.viewer.boxes["見守り"].value = True
    panel.viewer.correct()
    assert "保存しました" in panel.viewer.status.value
    with bench.corrector.path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows[0]["categories"] == "見守り|配食" and rows[0]["text"] == "配食サービスを使いたい"


def test_an_impossible_correction_is_refused_in_one_sentence(bench):
    panel = ui_words.SearchPanel(bench)
    panel.results.select.value = panel.results.select.options[0][1]
    for box in panel.viewer.boxes.values():
        box.value = False
    panel.viewer.boxes["その他"].value = True
    panel.viewer.boxes["配食"].value = True
    panel.viewer.correct()
    assert "一緒に選べません" in panel.viewer.status.value
    assert not bench.corrector.path.exists()


def test_the_rule_panel_counts_per_area_and_reports_errors(bench):
    panel = ui_edit.RulePanel(bench)
    panel.rule.value = "配食 & サービス"
    panel.update()
    assert "5件" in panel.result.value and "北" in panel.result.value
    assert len(panel.lines.options) == 5
    panel.rule.value = "配食 &"
    panel.update()
    assert "ルールを読めません" in panel.result.value and panel.lines.options == ()


def test_word_lists_are_saved_from_the_panel(bench):
    panel = ui_edit.WordListsPanel(bench)
    assert "配食サービス" in panel.chosen.options
    panel.stopwords.value = "バス\n\n病院\nバス"
    panel.store_stopwords()
    assert read_stopwords(stopwords_path(bench.config)) == ("バス", "病院")
    panel.store_forced(["配食サービス"])
    assert "[dictionary]" in panel.status.value  # the test town keeps no user dictionary


def test_characteristic_words_leave_small_groups_out(bench):
    bench.run.min_count = 4  # 西 has 3 answers; 配食 is in 4 of 北's
    panel = ui_words.CharacteristicPanel(bench)
    assert "北" in panel.table.value and "<td>西</td>" not in panel.table.value


def test_opinion_panel_names_groups_and_hides_small_ones(bench, monkeypatch):
    scope = bench.documents[bench.documents["has_text"]]
    truth = scope["area"].map({"北": 0, "南": 1, "西": 2}).to_numpy()
    noise = np.random.default_rng(0).normal(scale=0.05, size=(len(truth), 8))
    vectors = np.eye(3, 8)[truth] * 5 + noise
    monkeypatch.setattr(bench, "vectors", lambda: vectors)
    monkeypatch.setattr(bench, "layout", lambda: vectors[:, :2])
    panel = ui_maps.OpinionPanel(bench)
    panel.update()
    assert panel.figure is not None and "意見マップ" in panel.figure.layout.title.text
    assert "5未満" in panel.groups.value
    legend = [trace.name for trace in panel.figure.data]
    assert legend == sorted(legend, key=bench.labels.index)  # the taxonomy's order
    small = [value for label, value in panel.choose.options if "5未満" in label][0]
    panel.choose.value = small
    assert panel.answers.select.options == () and "5未満" in panel.answers.summary.value
    # A click on a dot: its group's answers, that one shown whole; none from a small group.
    points = panel.chart.points
    large = points[points["group"] != small]
    doc = int(large["doc"].iloc[0])
    _click(panel.figure, doc, "customdata")
    assert panel.choose.value == large["group"].iloc[0]
    assert panel.answers.select.value == doc
    assert bench.documents.at[doc, "text"] in panel.viewer.text.value
    hidden = int(points.loc[points["group"] == small, "doc"].iloc[0])
    _click(panel.figure, hidden, "customdata")
    assert panel.choose.value == small and panel.answers.select.options == ()
    assert bench.documents.at[hidden, "text"] not in panel.viewer.text.value
    panel.colour.value = "area"
    legend = {trace.name for trace in panel.figure.data}
    assert "回答の少ない圏域" in legend and "西" not in legend


def test_correspondence_panel_draws_the_biplot_and_the_tree(bench):
    panel = ui_maps.CorrespondencePanel(bench)
    panel.by.value = "household"
    panel.words.value = 10
    panel.update()
    assert "対応分析に使える" in panel.note.value  # two household types only: too few columns


def test_the_workbench_refuses_an_unknown_area_in_one_sentence(tmp_path):
    from needs_analysis.errors import NeedsAnalysisError

    with pytest.raises(NeedsAnalysisError, match="run.pkl"):
        open_workbench(tmp_path)
