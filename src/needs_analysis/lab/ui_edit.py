"""Editing the town's word lists and trying coding rules, as widgets."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from needs_analysis.config.stopwords import read_stopwords, stopwords_path
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.lab.rule_trial import try_rule
from needs_analysis.lab.session import Workbench
from needs_analysis.lab.ui_answers import AnswerViewer, table_html
from needs_analysis.lab.wordlists import (
    add_forced_words,
    forced_words,
    save_stopwords,
    suggest_compounds,
)


class WordListsPanel:
    """The town's stop words and forced-extraction words, and compound suggestions."""

    def __init__(self, bench: Workbench):
        self.bench = bench
        config = bench.config
        self.stopwords = widgets.Textarea(
            value="\n".join(read_stopwords(stopwords_path(config))), rows=8,
            description="除外する語", placeholder="1行に1語",
        )  # fmt: skip
        self.save_stop = widgets.Button(description="除外する語を保存")
        self.forced = widgets.HTML()
        self.new_forced = widgets.Text(description="追加する語", placeholder="例: 配食サービス")
        self.add_forced = widgets.Button(description="強制抽出する語に追加")
        self.min_count = widgets.IntSlider(
            value=bench.min_count, min=bench.min_count, max=30, description="最小回数"
        )
        self.suggestions = widgets.HTML()
        self.chosen = widgets.SelectMultiple(options=[], rows=8, description="候補")
        self.add_chosen = widgets.Button(description="選んだ候補を追加")
        self.status = widgets.HTML()
        self.save_stop.on_click(lambda _: self.store_stopwords())
        self.add_forced.on_click(lambda _: self.store_forced([self.new_forced.value]))
        self.add_chosen.on_click(lambda _: self.store_forced(list(self.chosen.value)))
        self.min_count.observe(lambda _: self.suggest(), names="value")
        self.widget = widgets.VBox(
            [self.stopwords, self.save_stop, self.forced, widgets.HBox([self.new_forced, self.add_forced]),
             widgets.HTML("<b>複合語の候補</b>（隣り合う名詞の組。対数尤度比 G² の大きい順）"),
             self.min_count, self.suggestions, self.chosen, self.add_chosen, self.status]
        )  # fmt: skip
        self.show_forced()
        self.suggest()

    def store_stopwords(self) -> None:
        path = save_stopwords(self.bench.config, self.stopwords.value.splitlines())
        self.stopwords.value = "\n".join(read_stopwords(path))
        self.status.value = (
            f"<p>保存しました: {escape(str(path))}（次の needs-analysis run から使います）。</p>"
        )

    def store_forced(self, words: list[str]) -> None:
        try:
            added = add_forced_words(self.bench.config, words)
        except NeedsAnalysisError as error:
            self.status.value = f"<p style='color:#b00'>{escape(str(error))}</p>"
            return
        where = escape(str(self.bench.config.user_dictionary))
        self.status.value = (
            f"<p>{escape('、'.join(added))} をユーザー辞書 {where} に加えました（次の needs-analysis run から1語として数えます）。</p>"
            if added
            else "<p>加える語はありません（空欄か、すでに辞書にあります）。</p>"
        )
        self.new_forced.value = ""
        self.show_forced()
        self.suggest()

    def show_forced(self) -> None:
        words = forced_words(self.bench.config)
        self.forced.value = (
            f"<p><b>強制抽出する語（ユーザー辞書）</b>: {escape('、'.join(words)) or 'なし'}</p>"
        )

    def suggest(self) -> None:
        table = suggest_compounds(
            self.bench.documents,
            min_count=self.min_count.value,
            known=tuple(forced_words(self.bench.config)),
        )
        shown = table.assign(g2=table["g2"].round(1), pmi=table["pmi"].round(2))
        self.suggestions.value = table_html(
            shown, {"compound": "複合語", "count": "回数", "g2": "G²", "pmi": "PMI"}
        )
        self.chosen.options = list(table["compound"])


class RulePanel:
    """Type a rule in the rules file's syntax; see its matches per 圏域 and in context."""

    def __init__(self, bench: Workbench):
        self.bench = bench
        self.rule = widgets.Text(
            description="ルール",
            placeholder="例: バス & (少ない | 不便)",
            layout={"width": "70%"},
            continuous_update=False,
        )
        self.button = widgets.Button(description="試す", button_style="primary")
        self.result = widgets.HTML()
        self.lines = widgets.Select(options=[], rows=10, layout={"width": "100%"})
        self.viewer = AnswerViewer(bench)
        self.trial = None
        self.button.on_click(lambda _: self.update())
        self.rule.observe(lambda _: self.update(), names="value")
        self.lines.observe(self._line_chosen, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.rule, self.button]), self.result, self.lines, self.viewer.widget]
        )

    def _line_chosen(self, change) -> None:
        if change["new"] is not None:
            self.viewer.show(change["new"][1])

    def update(self) -> None:
        self.trial = trial = try_rule(
            self.rule.value, self.bench.documents, self.bench.rules,
            min_count=self.bench.min_count, areas=list(self.bench.run.areas),
        )  # fmt: skip
        self.lines.value = None
        if trial.error:
            self.result.value = f"<p style='color:#b00'>{escape(trial.error)}</p>"
            self.lines.options = []
            return
        notes = "".join(f"<p>{escape(n)}</p>" for n in trial.notes)
        self.result.value = (
            f"<p>当てはまる回答: <b>{escape(trial.label)}件</b></p>{notes}"
            + table_html(
                trial.per_area,
                {"area": "圏域", "count": "当てはまる回答", "answers": "自由記述の回答"},
            )
        )
        self.lines.options = [
            (f"{row.left}【{row.keyword}】{row.right}", (i, int(row.doc)))
            for i, row in enumerate(trial.lines.itertuples(index=False))
        ]
