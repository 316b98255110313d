"""Search, word list, KWIC, characteristic words and the co-occurrence network, with
click-through from a word, a KWIC line or a network node to the whole masked answer."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from needs_analysis.lab.networks import (
    GROUP_NODES,
    PARTS_OF_SPEECH,
    group_network,
    with_parts_of_speech,
)
from needs_analysis.lab.search import (
    ATTRIBUTES,
    MODES,
    WORD,
    Filters,
    filter_choices,
    kwic_lines,
    search_answers,
)
from needs_analysis.lab.session import Workbench
from needs_analysis.lab.ui_answers import AnswerList, AnswerViewer, show_figure, table_html
from needs_analysis.textstats.characteristic import characteristic_words
from needs_analysis.textstats.common import GROUPINGS
from needs_analysis.textstats.frequencies import word_frequencies

ANY = "（すべて）"


def _dropdown(label: str, values: list[str], value: str = "") -> widgets.Dropdown:
    return widgets.Dropdown(
        options=[(ANY, ""), *((v, v) for v in values)], value=value, description=label
    )


class SearchPanel:
    """Search by word, lemma or phrase under 圏域 / category / attribute filters; the word
    list and KWIC lines lead to the same answers."""

    def __init__(self, bench: Workbench):
        self.bench = bench
        docs = bench.documents
        self.query = widgets.Text(
            description="探す語",
            placeholder="例: バス、送って、病院に行く",
            continuous_update=False,
        )
        self.mode = widgets.ToggleButtons(options=[(v, k) for k, v in MODES.items()], value=WORD)
        self.area = _dropdown("圏域", filter_choices(docs, "area"), bench.area)
        self.category = _dropdown("分類", bench.labels, bench.category)
        self.attributes = {c: _dropdown(GROUPINGS[c], filter_choices(docs, c)) for c in ATTRIBUTES}
        self.button = widgets.Button(description="検索", button_style="primary")
        self.viewer = AnswerViewer(bench)
        self.results = AnswerList(self.viewer)
        self.words = widgets.Select(options=[], rows=14, description="よく出る語")
        self.width = widgets.IntSlider(value=20, min=5, max=60, description="文脈の幅")
        self.kwic = widgets.Select(options=[], rows=10, layout={"width": "100%"})
        self.kwic_note = widgets.HTML()
        self.button.on_click(lambda _: self.search())
        self.query.observe(lambda _: self.search(), names="value")
        self.words.observe(self._word_chosen, names="value")
        self.kwic.observe(self._line_chosen, names="value")
        self.width.observe(lambda _: self.show_kwic(), names="value")
        for dropdown in (self.area, self.category, *self.attributes.values()):
            dropdown.observe(lambda _: self.refresh(), names="value")
        self.widget = self._layout()
        self.widget.add_class("lab-search")
        self.query.add_class("lab-query")
        self.refresh()

    def _layout(self) -> widgets.Widget:
        filters = widgets.HBox([self.area, self.category])
        attributes = widgets.HBox(list(self.attributes.values()))
        search = widgets.VBox(
            [widgets.HBox([self.query, self.button]), self.mode, filters, attributes]
        )
        left = widgets.VBox([self.words], layout={"width": "32%"})
        right = widgets.VBox(
            [self.results.widget, widgets.HTML("<b>KWIC（語の前後の文脈）</b>"), self.width,
             self.kwic_note, self.kwic],
            layout={"width": "66%"},
        )  # fmt: skip
        return widgets.VBox([search, widgets.HBox([left, right]), self.viewer.widget])

    @property
    def filters(self) -> Filters:
        values = {c: d.value for c, d in self.attributes.items()}
        return Filters(self.area.value, self.category.value, **values)

    def refresh(self) -> None:
        """The word list under the filters, and the search again."""
        scope = self.filters.select(self.bench.documents)
        words = word_frequencies(scope, top_n=60) if len(scope) else None
        small = self.bench.disclosure.is_small(len(scope))
        self.words.value = None
        self.words.options = (
            []
            if words is None or small
            else [
                (f"{w}（{self.bench.disclosure.label(n)}件）", w)
                for w, n in zip(words["word"], words["doc_count"], strict=True)
            ]
        )
        self.search()

    def search(self) -> None:
        found = search_answers(
            self.bench.documents, self.query.value, self.filters,
            mode=self.mode.value, min_count=self.bench.min_count,
        )  # fmt: skip
        heading = f"「{self.query.value}」を含む回答" if self.query.value.strip() else "回答"
        self.results.show(found, heading)
        self.show_kwic()
        return found

    def show_word(self, word: str) -> None:
        """Click-through from a word anywhere (list, network node): search for it."""
        self.mode.value = WORD
        if self.query.value == word:
            self.search()
        else:
            self.query.value = word  # searches

    def show_kwic(self) -> None:
        word = self.query.value.strip()
        self.kwic.value = None
        if not word or self.mode.value != WORD:
            self.kwic.options, self.kwic_note.value = [], ""
            return
        found = kwic_lines(
            self.bench.documents, word, self.filters,
            width=self.width.value, min_count=self.bench.min_count,
        )  # fmt: skip
        self.kwic_note.value = "".join(f"<p>{escape(n)}</p>" for n in found.notes)
        self.kwic.options = [
            (f"{row.left}【{row.keyword}】{row.right}", (i, int(row.doc)))
            for i, row in enumerate(found.answers.itertuples(index=False))
        ]

    def _word_chosen(self, change) -> None:
        if change["new"]:
            self.show_word(change["new"])

    def _line_chosen(self, change) -> None:
        if change["new"] is not None:
            self.viewer.show(change["new"][1])


class CharacteristicPanel:
    """Characteristic words per 圏域, category or attribute (G²)."""

    def __init__(self, bench: Workbench):
        self.bench = bench
        self.by = widgets.Dropdown(
            options=[(v, k) for k, v in GROUPINGS.items()], description="集計の軸"
        )
        self.table = widgets.HTML()
        self.by.observe(lambda _: self.update(), names="value")
        self.widget = widgets.VBox([self.by, self.table])
        self.update()

    def update(self) -> None:
        words = characteristic_words(
            self.bench.documents, by=self.by.value, top_n=8, min_doc_count=self.bench.min_count
        )
        sizes = words.groupby(self.by.value)["n_in"].first() if not words.empty else {}
        small = [g for g, n in dict(sizes).items() if self.bench.disclosure.is_small(n)]
        words = words[~words[self.by.value].isin(small)]
        words = words.assign(
            rate=words["rate_in"].map(lambda v: f"{v * 100:.1f}%"), g2=words["g2"].round(1)
        )
        headers = {
            self.by.value: GROUPINGS[self.by.value],
            "word": "語",
            "count_in": "回答数",
            "rate": "出現率",
            "g2": "G²",
        }
        self.table.value = table_html(words, headers)


class NetworkPanel:
    """The co-occurrence network with its filters; a node, clicked or chosen from the
    list, leads to its answers."""

    NODES = {
        "": "語だけ",
        "area": "圏域も",
        "category": "分類も",
        "household": "世帯構成も",
        "age_group": "年齢区分も",
        "sex": "性別も",
    }

    def __init__(self, bench: Workbench, search: SearchPanel):
        self.bench, self.search = bench, search
        # Words and pairs in fewer answers than the disclosure threshold are not drawn.
        self.min_docs = widgets.IntSlider(
            value=bench.min_count, min=bench.min_count, max=50, description="最小出現数"
        )
        self.edges = widgets.IntSlider(value=60, min=10, max=200, step=10, description="線の数")
        self.pos = widgets.SelectMultiple(
            options=list(PARTS_OF_SPEECH), value=("名詞", "動詞", "形容詞"), description="品詞"
        )
        self.nodes = widgets.Dropdown(
            options=[(v, k) for k, v in self.NODES.items()], description="節点"
        )
        self.draw = widgets.Button(description="描く", button_style="primary")
        self.output = widgets.Output()
        self.node_list = widgets.Select(options=[], rows=8, description="語を選ぶ")
        self.figure = None
        self.draw.on_click(lambda _: self.update())
        self.node_list.observe(self._node_chosen, names="value")
        controls = widgets.HBox(
            [widgets.VBox([self.min_docs, self.edges, self.nodes, self.draw]), self.pos]
        )
        self.widget = widgets.VBox([controls, self.output, self.node_list])

    def update(self) -> None:
        from needs_analysis.lab.figures import group_network_figure
        from needs_analysis.report.charts_text import network_figure
        from needs_analysis.textstats.network import cooccurrence_network

        docs = with_parts_of_speech(self.bench.documents, list(self.pos.value))
        if self.nodes.value:
            network = group_network(
                docs,
                self.nodes.value,
                min_doc_count=self.min_docs.value,
                min_count=self.bench.min_count,
            )
            self.figure = group_network_figure(network)
            words = list(network.words["word"])
        else:
            network = cooccurrence_network(
                docs,
                min_doc_count=self.min_docs.value,
                min_cooccurrence=self.bench.min_count,
                top_edges=self.edges.value,
            )
            self.figure = network_figure(network)
            words = list(network.nodes["word"])
        self.node_list.options = sorted(words)
        self.figure = show_figure(self.output, self.figure, on_click=self._node_clicked)

    def _node_clicked(self, trace, index: int) -> None:
        """A word's node on the chart: chosen as from the list (a group's node, or the
        middle of a line, leads nowhere)."""
        if trace.name == GROUP_NODES or trace.text is None:
            return
        word = trace.text[index]
        if self.node_list.value == word:
            self.search.show_word(word)
        elif word in self.node_list.options:
            self.node_list.value = word

    def _node_chosen(self, change) -> None:
        if change["new"]:
            self.search.show_word(change["new"])
