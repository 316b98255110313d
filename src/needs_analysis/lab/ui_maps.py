"""The opinion map, the correspondence analysis and the clustering of words as widgets."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets
import pandas as pd

from needs_analysis.frames import label_set
from needs_analysis.lab.correspondence import (
    cluster_words,
    correspondence_analysis,
    word_group_table,
)
from needs_analysis.lab.figures import biplot, dendrogram, opinion_figure
from needs_analysis.lab.opinion_map import OpinionMap, opinion_map
from needs_analysis.lab.search import Found
from needs_analysis.lab.session import Workbench
from needs_analysis.lab.ui_answers import AnswerList, AnswerViewer, show_figure, table_html
from needs_analysis.textstats.common import GROUPINGS

SMALL_AREAS = "回答の少ない圏域"


def point_colours(bench: Workbench, by: str) -> pd.Series:
    """doc → the colour group of each answer: its first category in the taxonomy's order,
    or its 圏域 (areas with fewer answers than the threshold lumped together)."""
    docs = bench.documents[bench.documents["has_text"].astype(bool)]
    if by == "category":
        order = bench.labels
        return docs["categories"].map(
            lambda found: next((label for label in order if label in label_set(found)), order[-1])
        )
    sizes = docs["area"].value_counts()
    return docs["area"].map(lambda a: SMALL_AREAS if bench.disclosure.is_small(sizes[a]) else a)


class OpinionPanel:
    """The opinion map: groups named by their words and typical answer; a group, chosen
    from the list or by clicking one of its dots, leads to its answers (when it is not
    small)."""

    def __init__(self, bench: Workbench):
        self.bench = bench
        self.colour = widgets.ToggleButtons(
            options=[("分類で色分け", "category"), ("圏域で色分け", "area")]
        )
        self.output = widgets.Output()
        self.groups = widgets.HTML()
        self.choose = widgets.Dropdown(options=[], description="まとまり")
        self.viewer = AnswerViewer(bench)
        self.answers = AnswerList(self.viewer)
        self.chart: OpinionMap | None = None
        self.figure = None
        self.colour.observe(lambda _: self.draw(), names="value")
        self.choose.observe(self._group_chosen, names="value")
        self.widget = widgets.VBox(
            [
                self.colour,
                self.output,
                self.groups,
                self.choose,
                self.answers.widget,
                self.viewer.widget,
            ]
        )

    def update(self) -> None:
        """Compute the map (embeddings from the cache, layout, groups) and draw it."""
        self.chart = opinion_map(
            self.bench.documents, self.bench.vectors(), self.bench.layout(), self.bench.min_count
        )
        tops = self.chart.groups[self.chart.groups["level"] == 1]
        self.groups.value = table_html(
            tops.assign(number=tops["group"]),
            {
                "number": "番号",
                "name": "まとまり（特徴的な語）",
                "size_label": "回答数",
                "typical": "典型的な回答（伏せ字済み）",
            },
        )
        self.choose.options = [
            (f"{g}. {n}（{s}）", int(g))
            for g, n, s in zip(tops["group"], tops["name"], tops["size_label"], strict=True)
        ]
        self.draw()

    def draw(self) -> None:
        if self.chart is None:
            return
        title = "分類" if self.colour.value == "category" else "圏域"
        by = self.colour.value
        order = self.bench.labels if by == "category" else [*self.bench.run.areas, SMALL_AREAS]
        figure = opinion_figure(self.chart, point_colours(self.bench, by), title, order)
        self.figure = show_figure(self.output, figure, on_click=self._point_clicked)

    def _point_clicked(self, trace, index: int) -> None:
        """A dot on the map: its group's answers, as when the group is chosen from the list
        (none under the threshold), and that answer shown whole when they are listed."""
        doc = int(trace.customdata[index])
        group = int(self.chart.points.set_index("doc").at[doc, "group"])
        if self.choose.value == group:
            self.show_group(group)
        else:
            self.choose.value = group  # shows it
        if doc in [value for _, value in self.answers.select.options]:
            self.answers.select.value = doc

    def _group_chosen(self, change) -> None:
        if change["new"] is not None and self.chart is not None:
            self.show_group(change["new"])

    def show_group(self, group: int) -> None:
        """A group's answers in the list, none when the group is under the threshold."""
        members = self.chart.points[self.chart.points["group"] == group]["doc"]
        rule = self.bench.disclosure
        docs = self.bench.documents.loc[members]
        hidden = rule.is_small(len(docs))
        answers = pd.DataFrame(
            {
                "doc": [] if hidden else docs.index.to_list(),
                "text": [] if hidden else docs["text"].to_list(),
            }
        )
        notes = (
            (f"回答が{rule.threshold}件未満のまとまりのため、回答は表示しません。",)
            if hidden
            else ()
        )
        self.answers.show(
            Found(len(docs), rule.label(len(docs)), answers, hidden, notes),
            f"まとまり{group}の回答",
        )


class CorrespondencePanel:
    """Words × 圏域 (or an attribute): the biplot, and the words' dendrogram."""

    def __init__(self, bench: Workbench):
        self.bench = bench
        self.by = widgets.Dropdown(
            options=[(v, k) for k, v in GROUPINGS.items() if k != "category"], description="語 ×"
        )
        self.words = widgets.IntSlider(value=40, min=10, max=120, step=5, description="語の数")
        self.clusters = widgets.IntSlider(value=6, min=2, max=15, description="クラスター数")
        self.draw = widgets.Button(description="分析する", button_style="primary")
        self.note = widgets.HTML()
        self.biplot_output = widgets.Output()
        self.tree_output = widgets.Output()
        self.figures: dict[str, object] = {}
        self.draw.on_click(lambda _: self.update())
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.by, self.words, self.clusters, self.draw]),
                self.note,
                self.biplot_output,
                self.tree_output,
            ]
        )

    def update(self) -> None:
        table, notes = word_group_table(
            self.bench.documents,
            self.by.value,
            top_words=self.words.value,
            min_doc_count=self.bench.min_count,
            min_count=self.bench.min_count,
        )
        if table.shape[0] < 3 or table.shape[1] < 3:
            self.note.value = "<p>対応分析に使える語か区分が足りません（3つ以上必要です）。</p>"
            return
        result = correspondence_analysis(table)
        shares = "、".join(
            f"成分{k + 1} {v * 100:.1f}%" for k, v in enumerate(result.explained[:3])
        )
        self.note.value = (
            "".join(f"<p>{escape(n)}</p>" for n in notes)
            + f"<p>説明できる割合（慣性）: {shares}</p>"
        )
        self.figures["biplot"] = biplot(result, GROUPINGS[self.by.value])
        show_figure(self.biplot_output, self.figures["biplot"])
        clusters = cluster_words(self.bench.documents, list(table.index), self.clusters.value)
        self.figures["dendrogram"] = dendrogram(clusters)
        show_figure(self.tree_output, self.figures["dendrogram"])
