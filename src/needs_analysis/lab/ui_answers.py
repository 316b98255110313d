"""The widgets every part of the workbench shares: a list of answers to click through, one
answer read whole with its categories, and the correction of those categories in place."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets
import pandas as pd

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.lab.search import Found, answer_text
from needs_analysis.lab.session import Workbench

PREVIEW = 60  # characters of an answer shown in a list


def table_html(frame: pd.DataFrame, headers: dict[str, str]) -> str:
    """A small HTML table with Japanese headers, every cell escaped, large enough on screen."""
    shown = frame[list(headers)].rename(columns=headers)
    return shown.to_html(index=False, escape=True, border=0, classes="lab-table")


STYLE = (
    "<style>.lab-table{font-size:15px;border-collapse:collapse}"
    ".lab-table td,.lab-table th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}"
    ".lab-answer{font-size:16px;line-height:1.7;padding:8px;background:#f7f7f7}"
    ".lab-list select{font-size:15px}</style>"
)


def style() -> widgets.HTML:
    """Screen-sized tables and answers (the report pages are styled for paper)."""
    return widgets.HTML(STYLE)


class AnswerViewer:
    """One answer whole (masked) with its categories, and check boxes to correct them."""

    def __init__(self, bench: Workbench):
        self.bench = bench
        self.doc: int | None = None
        self.text = widgets.HTML("<p>一覧の回答を選ぶと、ここに全文が出ます。</p>")
        self.boxes = {
            label: widgets.Checkbox(description=label, indent=False, layout={"width": "130px"})
            for label in bench.labels
        }
        self.save = widgets.Button(
            description="分類の修正を保存", button_style="warning", disabled=True
        )
        self.status = widgets.HTML()
        self.save.on_click(lambda _: self.correct())
        boxes = widgets.HBox(list(self.boxes.values()), layout={"flex_flow": "row wrap"})
        self.widget = widgets.VBox(
            [self.text, widgets.HTML("<b>正しい分類</b>"), boxes, self.save, self.status]
        )
        for widget, name in (
            (self.text, "lab-viewer"),
            (self.save, "lab-save"),
            (self.status, "lab-status"),
        ):
            widget.add_class(name)

    def show(self, doc: int) -> None:
        text, categories = answer_text(self.bench.documents, doc)
        self.doc = doc
        self.text.value = f"<div class='lab-answer'>{escape(text)}</div><p>いまの分類: {escape(categories or '—')}</p>"
        current = set(categories.split("・"))
        for label, box in self.boxes.items():
            box.value = label in current
        self.save.disabled = False
        self.status.value = ""

    def correct(self) -> None:
        """Write the ticked categories for the answer shown to the corrections file."""
        if self.doc is None:
            return
        chosen = [label for label, box in self.boxes.items() if box.value]
        try:
            path = self.bench.corrector.correct(self.bench.documents.loc[self.doc], chosen)
        except NeedsAnalysisError as error:
            self.status.value = f"<p style='color:#b00'>{escape(str(error))}</p>"
            return
        self.status.value = (
            f"<p>保存しました（{escape('・'.join(chosen))}）: {escape(str(path))}。"
            "needs-analysis train --corrections と同じく、次の学習で使われます。</p>"
        )


class AnswerList:
    """The answers a search, a word or a group found (count as the disclosure rule prints
    it); choosing one shows it whole in the viewer."""

    def __init__(self, viewer: AnswerViewer):
        self.viewer = viewer
        self.summary = widgets.HTML()
        self.select = widgets.Select(options=[], rows=12, layout={"width": "100%"})
        self.select.observe(self._chosen, names="value")
        self.select.add_class("lab-list")
        self.summary.add_class("lab-summary")
        self.widget = widgets.VBox([self.summary, self.select])
        self.widget.add_class("lab-results")

    def show(self, found: Found, heading: str) -> None:
        notes = "".join(f"<p>{escape(note)}</p>" for note in found.notes)
        self.summary.value = f"<p><b>{escape(heading)}</b>: {escape(found.label)}件</p>{notes}"
        self.select.value = None
        self.select.options = [
            (_preview(text), int(doc))
            for doc, text in zip(found.answers["doc"], found.answers["text"], strict=True)
        ]

    def _chosen(self, change) -> None:
        if change["new"] is not None:
            self.viewer.show(change["new"])


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def show_figure(output: widgets.Output, figure, on_click=None):
    """Replace what an output area shows by a plotly figure, drawn by the plotly.js inside
    the installed package (no network); the figure shown.

    With ``on_click`` the figure is shown as a widget, and a click on a point calls
    ``on_click(trace, index)`` with the clicked trace and the point's index in it.
    """
    from IPython.display import display

    if on_click is not None:
        import plotly.graph_objects as go

        figure = go.FigureWidget(figure)
        for trace in figure.data:
            trace.on_click(_first_point(on_click))
    with output:
        output.clear_output(wait=True)
        display(figure)
    return figure


def _first_point(on_click):
    def clicked(trace, points, state) -> None:
        if points.point_inds:
            on_click(trace, points.point_inds[0])

    return clicked
