"""Council paper: an area with little data still says what can be said, in plain Japanese,
ties said as ties, resources in one unit, and no computer notation or test jargon."""

from __future__ import annotations

import re

import pandas as pd

from needs_analysis.config.settings import GapSettings
from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.report import area_page, charts_supply, sections, views
from needs_analysis.report.plain import NOT_JUDGED, terms_box

THRESHOLD = 5
LABELS = ("移動支援", "見守り", "配食", "居場所")
KINDS = {"送迎": ("移動支援",), "見守り活動": ("見守り",), "配食": ("配食",), "サロン": ("居場所",)}
# A small town: 川向 has fewer answers than the rule judges (20), 本町 and 山手 are judged.
TOWN = {
    "本町": (60, {"移動支援": 9, "見守り": 7, "配食": 12, "居場所": 13}),
    "山手": (50, {"移動支援": 12, "見守り": 8, "配食": 9, "居場所": 4}),
    "川向": (15, {"移動支援": 6, "見守り": 6, "配食": 2, "居場所": 0}),
}
JARGON = ("有意", "q値", "p値", "95%区間", "ひげ", "調整済み残差", "G²", "Jaccard")


def town() -> pd.DataFrame:
    rows = []
    for area, (n, counts) in TOWN.items():
        for i in range(n):
            found = tuple(label for label, count in counts.items() if i < count)
            rows.append(
                {
                    "area": area,
                    "text": f"回答{i}",
                    "categories": found or ("その他",),
                    "has_text": True,
                }
            )
    return pd.DataFrame(rows)


def gaps() -> pd.DataFrame:
    resources = pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "type": ["送迎", "配食", "サロン"],
            "area": ["本町", "本町", "山手"],
            "per_month": [8, 20, 4],
            "capacity": [None, None, None],
            "started": [None, None, None],
        }
    )
    populations = {"本町": 900, "山手": 700, "川向": 300}
    return analyse_gaps(town(), resources, populations, KINDS, LABELS, 2025, list(TOWN))


class Run:
    min_count = THRESHOLD
    disclosure = Disclosure(THRESHOLD)
    gap_settings = GapSettings()
    check = None


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_a_small_area_lists_its_needs_in_order_with_their_numbers():
    table = gaps()
    assert area_page.has_little_data(Run(), table, "川向")
    order = area_page.needs_order(Run(), table, "川向")
    # 移動支援 and 見守り: 6 each, a tie sharing first place; 配食 under the threshold is
    # named without an order, and 居場所 with 0.
    assert order.to_dict("records") == [
        {"順位": "1位（同数）", "困りごと": "移動支援", "人数": "6人", "割合": "40.0%"},
        {"順位": "1位（同数）", "困りごと": "見守り", "人数": "6人", "割合": "40.0%"},
        {"順位": "—", "困りごと": "配食", "人数": "5未満", "割合": "—"},
        {"順位": "—", "困りごと": "居場所", "人数": "0人", "割合": "—"},
    ]
    block = area_page.area_needs_block(Run(), table, "川向").data
    assert area_page.ORDER_NOTE in block and "Plotly" not in block
    why = sections.gap_sections(Run(), table, "川向").data
    assert NOT_JUDGED in text_of(why) and "問題がない" in why


def test_a_judged_area_with_nothing_flagged_says_why():
    table = gaps()
    assert not area_page.has_little_data(Run(), table, "本町")
    assert "Plotly" in area_page.area_needs_block(Run(), table, "本町", plotly_js="cdn").data
    text = text_of(sections.gap_sections(Run(), table, "山手").data)
    assert "不足の候補（町全体より高く、資源も少ない組み合わせ）はありません" in text
    # 山手／移動支援: 24% against the town's 22%, from 50 answers: too few to tell.
    assert f"移動支援は町全体より高めですが、{NOT_JUDGED}" in text


def test_ties_are_said_as_ties_and_hidden_counts_are_not_named():
    table = gaps()
    tie = sections._top_need_question(table, "川向", THRESHOLD)
    assert "「移動支援」と「見守り」（同じ人数）" in tie and "いちばん" not in tie
    single = sections._top_need_question(table, "山手", THRESHOLD)
    assert single.startswith("この圏域でいちばん多い困りごとは「移動支援」")
    # 本町: 居場所 has the most (13), but it is hidden to protect 山手's 4.
    assert sections._top_need_question(table, "本町", THRESHOLD).startswith("この圏域で、いま")


def test_council_tables_speak_plain_japanese():
    table = gaps()
    for frame in (
        views.area_rate_table(table, "本町", THRESHOLD),
        views.gap_display_table(table, THRESHOLD),
    ):
        shown = " ".join(map(str, frame.columns)) + " ".join(frame.astype(str).to_numpy().ravel())
        assert not any(word in shown for word in JARGON), shown
        assert not re.search(r"\d\.?\d*e-\d", shown)
    assert "0.001未満" in views.table_html(pd.DataFrame({"x": [5.4e-21]})).data
    box = text_of(terms_box(threshold=THRESHOLD).data)
    assert box.startswith("用語の説明") and "この範囲にあると考えられます" in box


def test_the_resource_chart_has_one_unit():
    table = gaps()
    figure = charts_supply.supply_heatmap(table, list(TOWN), LABELS)
    texts = list(figure.data[0].text)
    assert len(texts) == len(TOWN) * len(LABELS)
    assert all(re.fullmatch(r"\d+\.\d倍|なし|—", text) for text in texts), texts
    # 本町 holds the town's only 送迎: its level is the town's times 1,900 / 900.
    assert texts[0] == f"{1900 / 900:.1f}倍"
    assert "町全体＝1.0" in figure.layout.title.text
