"""The exploration page's choices and wording: keywords from the config or the town's own
answers, plain p-values, and no respondent ID or attribute beside an answer."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.report import explore
from needs_analysis.textstats import build_documents

# 北 talks about snow, 南 about buses; both mention shopping.
ANSWERS = [
    ("n1", "北", "雪かきができない。買い物も大変", ("家事支援", "買い物支援")),
    ("n2", "北", "冬は雪で外に出られない", ("家事支援",)),
    ("n3", "北", "雪下ろしを頼みたい", ("家事支援",)),
    ("n4", "北", "屋根の雪が心配", ("家事支援",)),
    ("n5", "北", "雪の日は買い物に行けない", ("買い物支援",)),
    ("s1", "南", "バスが少ない", ("移動支援",)),
    ("s2", "南", "バスの本数を増やしてほしい", ("移動支援",)),
    ("s3", "南", "病院へのバスがない", ("移動支援",)),
    ("s4", "南", "買い物に行くバスが欲しい", ("移動支援", "買い物支援")),
    ("s5", "南", "よろしくお願いします", ("その他",)),
]
LABELS = ("移動支援", "居場所", "ゴミ出し", "見守り", "買い物支援", "家事支援", "配食")


@pytest.fixture(scope="module")
def documents() -> pd.DataFrame:
    frame = pd.DataFrame(ANSWERS, columns=["respondent_id", "area", "text", "categories"])
    frame["evidence"] = [
        "・".join(f"{c}: {w}" for c in cats for w in ("雪", "バス", "買い物") if w in text)
        for _, _, text, cats in ANSWERS
    ]
    return build_documents(frame)


def small_run(min_count: int = 3, answers=ANSWERS) -> SimpleNamespace:
    """What the exploration page reads of a run: its threshold, categories and areas, and
    the gap table (each area's n and count as the other pages publish them)."""
    responses = pd.DataFrame(
        {
            "area": [area for _, area, _, _ in answers],
            "categories": [found for _, _, _, found in answers],
            "has_text": True,
        }
    )
    areas = list(dict.fromkeys(responses["area"]))
    resources = pd.DataFrame(columns=["name", "type", "area", "per_month", "capacity", "started"])
    kinds = {label: (label,) for label in LABELS}
    populations = dict.fromkeys(areas, 100)
    gaps = analyse_gaps(responses, resources, populations, kinds, LABELS, 2025, areas)
    return SimpleNamespace(
        min_count=min_count,
        disclosure=Disclosure(min_count),
        taxonomy=SimpleNamespace(labels=LABELS),
        areas=areas,
        responses=responses,
        tables=SimpleNamespace(gaps=gaps),
    )


# 北 writes of snow eight times and 東 twice (東 has 2 answers: its n reads 「3未満」, and
# 南's n is hidden beside it); 南 of buses, 西 of slopes. 雪 in the whole town is 10:
# 10 − 8 would tell 東's 2.
SNOWY = [(f"n{i}", "北", "雪が多くて困る", ("家事支援",)) for i in range(8)]
SNOWY += [(f"s{i}", "南", "バスが少なくて困る", ("移動支援",)) for i in range(5)]
SNOWY += [(f"w{i}", "西", "坂が急で困る", ("移動支援",)) for i in range(5)]
SNOWY += [(f"e{i}", "東", "雪で外に出られない", ("家事支援",)) for i in range(2)]


def snowy_documents() -> pd.DataFrame:
    frame = pd.DataFrame(SNOWY, columns=["respondent_id", "area", "text", "categories"])
    return build_documents(frame.assign(evidence=""))


def printed_counts(html: str) -> list[int]:
    """Every number printed as 「count / n」 or in a cell of its own."""
    pairs = re.findall(r"(\d[\d,]*) / (\d[\d,]*)", html)
    cells = re.findall(r"<td>(\d[\d,]*)</td>", html)
    return [int(n.replace(",", "")) for pair in pairs for n in pair] + [
        int(c.replace(",", "")) for c in cells
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("送迎,ゴミ", ["送迎", "ゴミ"]),
        ("送迎、ゴミ", ["送迎", "ゴミ"]),
        (" 送迎 , ,ゴミ,送迎", ["送迎", "ゴミ"]),
        ("", []),
        (["階段", " "], ["階段"]),
    ],
)
def test_keyword_list(given, expected):
    assert explore.keyword_list(given) == expected


@pytest.mark.parametrize(
    ("p", "shown"),
    [(9.2e-30, "p < 0.001"), (0.000999, "p < 0.001"), (0.001, "0.001"), (0.0123, "0.012")],
)
def test_p_values_in_plain_words(p, shown):
    assert explore.p_text(p) == shown


def test_default_keywords_are_the_towns_own_words(documents):
    chosen = explore.default_keywords(documents, how_many=2)
    assert set(chosen) == {"雪", "バス"}


def test_default_category_is_the_most_frequent(documents):
    assert explore.default_category(documents, LABELS) == "家事支援"


def test_configured_keywords_win_over_the_defaults(documents):
    html = explore.kwic_sections(small_run(), documents, "買い物").data
    assert "「買い物」" in html and "設定された語" in html
    assert "「雪」" not in html
    default = explore.kwic_sections(small_run(), documents, "").data
    assert "「雪」" in default and "この町の回答で特徴的な語" in default


def test_keyword_views_show_no_id_or_area_beside_an_answer(documents):
    html = explore.kwic_sections(small_run(), documents, "バス").data
    html += explore.why_labeled_section(small_run(), documents, "移動支援").data
    for marker in ("s1", "s2", "回答者ID", "<td>南</td>"):
        assert marker not in html
    # Each answer is still shown, as keyword-in-context rows.
    assert "出てくる箇所 4か所" in html
    for left, right in (("病院への", "がない"), ("", "が少ない"), ("買い物に行く", "が欲しい")):
        assert f"<td>{left}</td>\n      <td>バス</td>\n      <td>{right}</td>" in html


def test_small_selections_show_no_answers(documents):
    html = explore.kwic_sections(small_run(min_count=99), documents, "バス").data
    assert "99件未満" in html and "少ない" not in html


def test_unknown_category_is_named(documents):
    html = explore.why_labeled_section(small_run(), documents, "除雪").data
    assert "「除雪」という分類はありません" in html


def test_characteristic_table_prints_plain_numbers(documents):
    html = explore.characteristic_table(small_run(), documents, "area", top_n=3).data
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)]
    rows = [cells for cells in rows if cells]
    assert rows and "雪" in {cells[1] for cells in rows}
    for cells in rows:
        assert re.fullmatch(r"p &lt; 0\.001|[01]\.\d{3}", cells[-1]), cells[-1]
        assert re.fullmatch(r"\d[\d,]* / \d[\d,]*（\d+\.\d%）", cells[2]), cells[2]


def test_characteristic_words_tell_no_small_group_count_by_subtraction():
    run, documents = small_run(answers=SNOWY), snowy_documents()
    groups = explore.published_groups(run, documents, "area").set_index("group")["status"]
    assert list(groups) == ["shown", "complement", "shown", "small"]
    html = explore.characteristic_table(run, documents, "area", top_n=5).data
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)]
    rows = [cells for cells in rows if cells]
    assert "（南、東）は載せていません" in html  # named as left out, never as a row
    assert {cells[0] for cells in rows} == {"北", "西"}
    # 北's 雪 (8 of 8) beside the rest (2 of 12) would give 東's 2: not printed.
    assert ("北", "雪") not in {(cells[0], cells[1]) for cells in rows}
    assert ("西", "坂") in {(cells[0], cells[1]) for cells in rows}  # 5 / 5, none outside
    assert all(not 0 < n < 3 for n in printed_counts(html)), html


def test_an_areas_word_list_leaves_out_words_whose_rest_is_small():
    run, documents = small_run(answers=SNOWY), snowy_documents()
    town = explore.frequency_table(run, documents, "", top_n=10).data
    north = explore.frequency_table(run, documents, "北", top_n=10).data
    west = explore.frequency_table(run, documents, "西", top_n=10).data
    assert "<td>雪</td>" in town  # 10 answers in the whole town
    assert "<td>雪</td>" not in north and "<td>多い</td>" in north  # 雪: 8 in 北, 2 elsewhere
    assert "<td>坂</td>" in west  # 5 in 西, none elsewhere
    for hidden in ("南", "東"):
        html = explore.frequency_table(run, documents, hidden, top_n=10).data
        assert "伏せている" in html and not printed_counts(html)
        network = explore.network_html(run, documents, hidden).data
        assert "伏せている" in network and "Plotly" not in network
