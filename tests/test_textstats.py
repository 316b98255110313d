"""Word statistics on a small hand-made town: counts, Jaccard, G², KWIC, masking, suppression."""

from __future__ import annotations

import doctest
import math

import pandas as pd
import plotly.graph_objects as go
import pytest
from scipy import stats

from needs_analysis import textstats
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.report.charts_text import (
    characteristic_bars,
    cooccurrence_figure,
    network_figure,
    word_bars,
)
from needs_analysis.textstats import (
    build_documents,
    category_crosstab,
    characteristic_words,
    cooccurrence_network,
    crosstab_table,
    evidence_words,
    jaccard_matrix,
    japanese_headers,
    kwic,
    log_likelihood_ratio,
    why_labeled,
    word_frequencies,
)

# Counted words of each answer (canonical lemmas), worked out by hand:
#   r01 階段 きつい ゴミ 階段           r06 買い物 バス ゴミ 多い
#   r02 団地 階段 転ぶ ゴミ 置き場 遠い  r07 (no answer)
#   r03 坂 階段 多い 団地               r08 バス 病院
#   r04 団地 階段 坂 きつい             r09 隣り 頼む  (the name and the phone number are masked)
#   r05 バス 少ない 買い物              r10 病院 送る
#                                       r11 特に
# 10 answers with text: 桜台団地 r01-r04, 西原 r05 r06 r08, 駅前 r09-r11.
PHONE = "090-1234-5678"
ROWS = [
    (
        "r01",
        "桜台団地",
        "一人暮らし",
        "階段がきつい。ゴミを出すのに階段を使う",
        ("ゴミ出し",),
        "ゴミ出し: ゴミ・階段",
    ),
    (
        "r02",
        "桜台団地",
        "夫婦のみ",
        "団地の階段で転んだ。ごみ置き場が遠い",
        ("ゴミ出し",),
        "ゴミ出し: ごみ",
    ),
    ("r03", "桜台団地", "一人暮らし", "坂と階段が多い団地", ("その他",), ""),
    ("r04", "桜台団地", "一人暮らし", "団地の階段と坂がきつい", ("移動支援",), "移動支援: 坂"),
    (
        "r05",
        "西原",
        "夫婦のみ",
        "バスが少ない。買い物に行けない",
        ("移動支援", "買い物支援"),
        "移動支援: バス／買い物支援: 買い物",
    ),
    (
        "r06",
        "西原",
        "その他",
        "買い物はバスで行く。塵が多い",
        ("買い物支援",),
        "買い物支援: 買い物",
    ),
    ("r07", "西原", "一人暮らし", "", (), ""),
    ("r08", "西原", "夫婦のみ", "バスで病院に行く", ("移動支援",), "移動支援: バス・病院"),
    ("r09", "駅前", "一人暮らし", f"隣の佐藤さん {PHONE} に頼んでいる", ("見守り",), "見守り: 隣"),
    ("r10", "駅前", "その他", "病院に送ってほしい", ("移動支援",), "移動支援: 送っ"),
    ("r11", "駅前", "夫婦のみ", "特にない", ("その他",), ""),
]


def make_responses() -> pd.DataFrame:
    frame = pd.DataFrame(
        ROWS, columns=["respondent_id", "area", "household", "text", "categories", "evidence"]
    )
    frame["age_group"] = ["65-69歳", "70-74歳"] * 5 + ["85歳以上"]
    frame["sex"] = ["女性", "男性"] * 5 + [None]
    return frame


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    return make_responses()


@pytest.fixture(scope="module")
def documents(responses: pd.DataFrame) -> pd.DataFrame:
    return build_documents(responses)


def test_docstring_examples_run():
    assert doctest.testmod(textstats).failed == 0


# --------------------------------------------------------------------------- documents


def test_documents_hold_masked_text_and_counted_words(documents):
    assert len(documents) == len(ROWS)
    assert documents["has_text"].sum() == 10
    by_id = documents.set_index("respondent_id")
    # 使う is a filler word of the word views (see FILLER_STOPWORDS).
    assert by_id.loc["r01", "lemmas"] == ("階段", "きつい", "ゴミ", "階段")
    assert by_id.loc["r06", "lemmas"] == ("買い物", "バス", "ゴミ", "多い")  # 塵 → ゴミ
    assert by_id.loc["r06", "surfaces"] == ("買い物", "バス", "塵", "多い")
    assert by_id.loc["r07", "lemmas"] == ()
    # The words inside the masks (電話, 番号) are not counted; the name is gone.
    assert by_id.loc["r09", "lemmas"] == ("隣り", "頼む")
    assert "佐藤" not in by_id.loc["r09", "text"] and PHONE not in by_id.loc["r09", "text"]


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ("よろしくお願いします。買い物に困っています", {"買い物", "困る"}),
        ("宜しくお願い致します。後でバスを使う", {"バス"}),
        ("正直、最近は階段が分からない", {"階段"}),
    ],
)
def test_fillers_and_politeness_are_not_counted(answer, kept):
    lemmas = set(build_documents(pd.DataFrame({"text": [answer]}))["lemmas"].iloc[0])
    assert lemmas == kept


def test_documents_keep_no_raw_text_anywhere(documents):
    shown = documents.astype(str).to_string()
    assert "佐藤" not in shown
    assert "1234" not in shown and "5678" not in shown


def test_extra_stop_words_are_not_counted(responses):
    documents = build_documents(responses, extra_stopwords=("階段", "ごみ"))
    words = set(word_frequencies(documents)["word"])
    assert "階段" not in words
    assert "ゴミ" not in words  # a stop word in any spelling of the synonym table


# --------------------------------------------------------------------------- frequencies


def test_word_frequencies_count_terms_and_documents(documents):
    table = word_frequencies(documents).set_index("word")
    assert table.loc["階段", ["term_count", "doc_count", "n_docs", "rank"]].tolist() == [
        5,
        4,
        10,
        1,
    ]
    assert table.loc["ゴミ", ["term_count", "doc_count"]].tolist() == [3, 3]
    assert table.loc["ゴミ", "forms"] == "ごみ・ゴミ・塵"
    assert table.loc["団地", ["term_count", "doc_count"]].tolist() == [3, 3]
    assert table.loc["バス", ["term_count", "doc_count"]].tolist() == [3, 3]
    assert table.loc["病院", "doc_rate"] == pytest.approx(0.2)
    assert "佐藤" not in table.index and "電話" not in table.index and "番号" not in table.index
    # rank: term count, then document count, then the word
    assert list(table.index[:4]) == ["階段", "ゴミ", "バス", "団地"]


def test_word_frequencies_per_area_and_category(documents):
    areas = word_frequencies(documents, by="area").set_index(["area", "word"])
    assert areas.loc[("桜台団地", "階段"), ["term_count", "doc_count", "n_docs"]].tolist() == [
        5,
        4,
        4,
    ]
    assert areas.loc[("西原", "バス"), ["term_count", "doc_count", "n_docs"]].tolist() == [3, 3, 3]
    assert areas.loc[("駅前", "病院"), "doc_count"] == 1
    categories = word_frequencies(documents, by="category").set_index(["category", "word"])
    assert categories.loc[("ゴミ出し", "階段"), ["term_count", "doc_count"]].tolist() == [3, 2]
    # r05 carries two categories and counts in both
    assert categories.loc[("移動支援", "バス"), "doc_count"] == 2
    assert categories.loc[("買い物支援", "バス"), "doc_count"] == 2


def test_word_frequencies_filters_and_top_n(documents):
    table = word_frequencies(documents, area="西原", top_n=2)
    assert list(table["word"]) == ["バス", "買い物"]
    assert set(table["n_docs"]) == {3}
    top = word_frequencies(documents, by="area", top_n=1)
    assert list(top["area"]) == ["桜台団地", "西原", "駅前"]
    assert len(word_frequencies(documents, min_doc_count=3)) == 4


def test_japanese_headers_for_display(documents):
    shown = japanese_headers(word_frequencies(documents, by="area", top_n=3))
    assert list(shown.columns[:4]) == ["圏域", "語", "表記", "出現回数"]
    shown = japanese_headers(documents)
    assert "tokens" not in shown.columns and "lemmas" not in shown.columns
    assert shown.loc[4, "分類"] == "移動支援・買い物支援"


# --------------------------------------------------------------------------- KWIC


def test_kwic_cuts_left_and_right_context(documents):
    lines = kwic(documents, "階段", width=5)
    assert len(lines) == 5
    assert list(lines["respondent_id"]) == ["r01", "r01", "r02", "r03", "r04"]
    second = lines.iloc[1]
    assert (second["left"], second["keyword"], second["right"]) == ("を出すのに", "階段", "を使う")
    assert (lines.iloc[0]["left"], lines.iloc[0]["right"]) == ("", "がきつい。")


def test_kwic_matches_any_spelling_or_inflection(documents):
    assert list(kwic(documents, "ごみ")["keyword"]) == ["ゴミ", "ごみ", "塵"]
    sent = kwic(documents, "送る")
    assert list(sent["keyword"]) == ["送っ"] and list(sent["respondent_id"]) == ["r10"]
    assert list(kwic(documents, "送って")["keyword"]) == ["送っ"]
    phrase = kwic(documents, "病院に行く")
    assert list(phrase["respondent_id"]) == ["r08"] and phrase.iloc[0]["keyword"] == "病院に行く"


def test_kwic_sorts_by_context(documents):
    right = kwic(documents, "階段", width=5, sort="right")
    assert list(right["right"]) == sorted(right["right"])
    assert list(right["respondent_id"]) == ["r01", "r03", "r02", "r04", "r01"]
    left = kwic(documents, "階段", width=5, sort="left")
    keys = [text[::-1] for text in left["left"]]
    assert keys == sorted(keys)
    with pytest.raises(ValueError):
        kwic(documents, "階段", sort="middle")
    with pytest.raises(ValueError):
        kwic(documents, " ")


def test_kwic_reads_the_query_with_the_documents_rules(tmp_path):
    rules = tmp_path / "rules.txt"
    rules.write_text("[同義語]\n坂 = 坂道\n\n[移動支援]\n送迎\n", encoding="utf-8")
    documents = build_documents(
        pd.DataFrame({"text": ["坂道がつらい", "坂の上に住む", "階段"]}), rules=rules
    )
    table = word_frequencies(documents).set_index("word")
    assert table.loc["坂", ["doc_count", "forms"]].tolist() == [2, "坂・坂道"]
    assert list(kwic(documents, "坂道")["keyword"]) == ["坂道", "坂"]


def test_kwic_styler_for_notebooks(documents):
    html = textstats.style_kwic(kwic(documents, "バス")).to_html()
    assert "左の文脈" in html and "キーワード" in html and "text-align: right" in html


def test_kwic_filters_by_area_and_category(documents):
    assert list(kwic(documents, "バス", area="西原")["respondent_id"]) == ["r05", "r06", "r08"]
    assert list(kwic(documents, "バス", category="移動支援")["respondent_id"]) == ["r05", "r08"]


@pytest.mark.parametrize("word", ["頼む", "隣", "さん", "佐藤", "電話"])
def test_kwic_never_shows_a_name_or_phone_number(documents, word):
    lines = kwic(documents, word, width=40)
    shown = lines.astype(str).to_string()
    assert "佐藤" not in shown
    for digits in ("090", "1234", "5678"):
        assert digits not in shown


def test_kwic_context_is_cut_from_the_masked_answer(documents):
    line = kwic(documents, "頼む", width=30).iloc[0]
    assert line["left"] == "隣の〇〇さん 【電話番号】 に"
    assert line["keyword"] == "頼ん"


def test_why_labeled_shows_evidence_as_keyword(documents):
    lines = why_labeled(documents, "移動支援", width=5)
    assert list(lines["respondent_id"]) == ["r04", "r05", "r08", "r10"]
    assert list(lines["keyword"]) == ["坂", "バス", "バス", "送っ"]
    r08 = lines.iloc[2]
    assert r08["evidence"] == "バス・病院"
    assert r08["highlighted"] == "《バス》で《病院》に行く"
    assert (lines.iloc[0]["left"], lines.iloc[0]["right"]) == ("地の階段と", "がきつい")


def test_why_labeled_masks_too(documents):
    lines = why_labeled(documents, "見守り", width=40)
    assert list(lines["keyword"]) == ["隣"]
    assert "佐藤" not in lines.astype(str).to_string() and "5678" not in lines["highlighted"][0]


def test_evidence_words_of_one_category():
    evidence = "移動支援: バス・病院／買い物支援: 買い物"
    assert evidence_words(evidence, "買い物支援") == ["買い物"]
    assert evidence_words(evidence, "見守り") == []
    assert evidence_words(float("nan"), "見守り") == []


# --------------------------------------------------------------------------- co-occurrence


def test_jaccard_against_hand_values(documents):
    table = jaccard_matrix(documents, ["階段", "団地", "坂", "ゴミ", "バス"])
    assert table.loc["階段", "団地"] == pytest.approx(3 / 4)  # {r02 r03 r04} / {r01-r04}
    assert table.loc["階段", "ゴミ"] == pytest.approx(2 / 5)  # {r01 r02} / {r01-r04 r06}
    assert table.loc["団地", "坂"] == pytest.approx(2 / 3)
    assert table.loc["階段", "坂"] == pytest.approx(1 / 2)
    assert table.loc["ゴミ", "団地"] == pytest.approx(1 / 5)
    assert table.loc["階段", "バス"] == 0.0
    assert table.loc["坂", "団地"] == table.loc["団地", "坂"]


def test_network_edges_are_the_strongest_pairs(documents):
    network = cooccurrence_network(documents, min_doc_count=2, min_cooccurrence=2)
    edges = {
        frozenset((row.source, row.target)): (row.cooccurrence, row.jaccard)
        for row in network.edges.itertuples()
    }
    assert edges[frozenset(("階段", "団地"))] == (3, pytest.approx(0.75))
    assert edges[frozenset(("団地", "坂"))] == (2, pytest.approx(2 / 3))
    assert edges[frozenset(("バス", "買い物"))] == (2, pytest.approx(2 / 3))
    assert frozenset(("ゴミ", "団地")) not in edges  # together in one answer only
    assert network.edges.iloc[0][["source", "target"]].tolist() == ["階段", "団地"]
    assert network.edges["jaccard"].is_monotonic_decreasing
    nodes = network.nodes.set_index("word")
    assert nodes.loc["階段", "doc_count"] == 4
    assert set(nodes.index) == set(network.edges["source"]) | set(network.edges["target"])
    assert network.n_documents == 10


def test_network_caps_nodes_and_edges_with_a_note(documents):
    network = cooccurrence_network(documents, min_doc_count=2, min_cooccurrence=1, max_nodes=3)
    assert len(network.nodes) <= 3
    assert "9語" in network.note and "上位3語" in network.note
    assert set(network.nodes["word"]) <= {"ゴミ", "バス", "階段"}
    few_edges = cooccurrence_network(documents, min_doc_count=2, top_edges=2)
    assert len(few_edges.edges) == 2 and "上位2本" in few_edges.note
    uncapped = cooccurrence_network(documents, min_doc_count=2)
    assert "絞りました" not in uncapped.note


def test_network_layout_is_reproducible(documents):
    first = cooccurrence_network(documents, min_doc_count=2, seed=3)
    again = cooccurrence_network(documents, min_doc_count=2, seed=3)
    pd.testing.assert_frame_equal(first.nodes, again.nodes)


def test_network_colours_words_by_the_area_they_lean_to(documents):
    network = cooccurrence_network(documents, min_doc_count=2, color_by="area")
    groups = network.nodes.set_index("word")["color_group"]
    assert groups["階段"] == "桜台団地"  # adjusted residual 3.16
    assert groups["バス"] == "西原"
    communities = cooccurrence_network(documents, min_doc_count=2)
    # Each community is named by its most frequent words.
    for _, members in communities.nodes.groupby("community"):
        top = members.sort_values(["doc_count", "word"], ascending=[False, True])["word"]
        assert set(members["color_group"]) == {"・".join(top.head(3))}
    one_area = cooccurrence_network(documents, area="桜台団地", min_doc_count=2, color_by="area")
    assert one_area.color_by == "community" and "圏域を1つに絞った" in one_area.note


def test_views_of_an_empty_selection_are_empty(documents):
    assert word_frequencies(documents, area="東山").empty
    assert kwic(documents, "階段", area="東山").empty
    assert why_labeled(documents, "配食").empty
    assert characteristic_words(documents, group="東山").empty
    assert category_crosstab(documents[documents["area"] == "東山"], by="sex").empty


def test_network_without_edges_explains_why(documents):
    network = cooccurrence_network(documents, min_cooccurrence=99)
    assert network.nodes.empty and network.edges.empty
    assert "描けません" in network.note
    figure = network_figure(network)
    assert isinstance(figure, go.Figure)


def test_network_figure_shows_the_cap_note(documents):
    figure = cooccurrence_figure(documents, min_doc_count=2, min_cooccurrence=1, max_nodes=3)
    assert isinstance(figure, go.Figure)
    assert any("上位3語" in annotation.text for annotation in figure.layout.annotations)
    words = {w for trace in figure.data if trace.mode == "markers+text" for w in trace.text}
    assert words and words <= {"ゴミ", "バス", "階段"}
    network = cooccurrence_network(documents, min_doc_count=2)
    assert network.nodes["community"].nunique() >= 2
    grey = network_figure(network, max_colors=1)
    assert any("残り" in annotation.text for annotation in grey.layout.annotations)
    legend = [trace.name for trace in grey.data if trace.mode == "markers+text"]
    largest = network.nodes[network.nodes["community"] == 1]["color_group"].iloc[0]
    assert legend == [largest, "その他"]


# --------------------------------------------------------------------------- characteristic


def test_log_likelihood_ratio_against_hand_and_scipy():
    by_hand = 2 * (4 * math.log(4 / 1.6) + 6 * math.log(6 / 3.6))
    assert log_likelihood_ratio(4, 4, 0, 6)[0] == pytest.approx(by_hand)
    table = [[3, 7], [5, 25]]
    g2, *_ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert log_likelihood_ratio(3, 10, 5, 30)[0] == pytest.approx(g2)


def test_characteristic_word_comes_first_for_its_area(documents):
    table = characteristic_words(documents, min_doc_count=2)
    first = table[table["rank"] == 1].set_index("area")["word"]
    assert first["桜台団地"] == "階段"
    assert first["西原"] == "バス"
    kaidan = table[(table["area"] == "桜台団地") & (table["word"] == "階段")].iloc[0]
    assert kaidan[["count_in", "n_in", "count_out", "n_out"]].tolist() == [4, 4, 0, 6]
    assert kaidan["g2"] == pytest.approx(2 * (4 * math.log(2.5) + 6 * math.log(6 / 3.6)))
    assert kaidan["p_value"] == pytest.approx(stats.chi2.sf(kaidan["g2"], df=1))
    assert math.isnan(kaidan["ratio"])  # never outside the area
    danchi = table[(table["area"] == "桜台団地") & (table["word"] == "団地")].iloc[0]
    assert danchi["rank"] == 2
    # only words more frequent in the area than elsewhere
    assert (table["rate_in"] > table["rate_out"]).all()


def test_characteristic_words_of_one_group_and_of_households(documents):
    table = characteristic_words(documents, group="西原", min_doc_count=2, top_n=1)
    assert table[["area", "word"]].values.tolist() == [["西原", "バス"]]
    households = characteristic_words(documents, by="household", min_doc_count=2)
    assert "household" in households.columns
    assert set(households["household"]) <= {"一人暮らし", "夫婦のみ", "その他"}


def test_characteristic_chart(documents):
    figure = characteristic_bars(characteristic_words(documents, min_doc_count=2), "桜台団地")
    assert list(figure.data[0].y)[0] == "階段"
    assert isinstance(word_bars(word_frequencies(documents)), go.Figure)


# --------------------------------------------------------------------------- cross-tabulation


def test_crosstab_counts_rates_and_residuals(documents):
    table = category_crosstab(documents, by="household", min_count=2)
    cells = table.set_index(["level", "category"])
    couples = cells.loc[("夫婦のみ", "移動支援")]  # r05 r08 of r02 r05 r08 r11
    assert (couples["n"], couples["count"], couples["rate"]) == (4, 2, 0.5)
    expected = 1.6  # 4 × 4 / 10
    residual = (2 - expected) / math.sqrt(expected * (1 - 4 / 10) * (1 - 4 / 10))
    assert couples["residual"] == pytest.approx(residual)
    assert list(dict.fromkeys(table["level"])) == ["一人暮らし", "夫婦のみ", "その他"]


def test_crosstab_suppresses_small_cells(documents):
    table = category_crosstab(documents, by="household", min_count=2)
    cells = table.set_index(["level", "category"])
    alone = cells.loc[("一人暮らし", "移動支援")]  # r04 only
    assert alone["suppressed"] and alone["count_label"] == "2未満"
    assert pd.isna(alone["count"]) and pd.isna(alone["rate"]) and pd.isna(alone["residual"])
    zero = cells.loc[("一人暮らし", "買い物支援")]
    assert not zero["suppressed"] and zero["count_label"] == "0" and zero["rate"] == 0
    shown = crosstab_table(table).set_index("区分")
    assert shown.loc["一人暮らし", "移動支援"] == "2未満"
    assert shown.loc["夫婦のみ", "移動支援"] == "2人（50.0%）"
    assert shown.loc["一人暮らし", "自由記述の回答者数"] == "4"


def test_crosstab_default_dimensions_and_missing_values(documents):
    table = category_crosstab(documents, min_count=5)
    assert list(dict.fromkeys(table["dimension"])) == ["age_group", "sex", "household"]
    assert "無回答" in set(table.loc[table["dimension"] == "sex", "level"])  # r11 has no sex
    shown_counts = table["count"].dropna()
    assert ((shown_counts == 0) | (shown_counts >= 5)).all()
    assert table.loc[table["suppressed"], "rate"].isna().all()
    labels = category_crosstab(documents, by="sex", labels=["見守り", "移動支援"])
    assert list(dict.fromkeys(labels["category"])) == ["見守り", "移動支援"]


def test_crosstab_names_a_missing_column(documents):
    with pytest.raises(NeedsAnalysisError, match="district"):
        category_crosstab(documents, by="district")


# --------------------------------------------------------------------------- inputs


def test_no_function_changes_its_input(responses):
    original = make_responses()
    documents = build_documents(responses)
    pd.testing.assert_frame_equal(responses, original)
    kept = documents.copy(deep=True)
    word_frequencies(documents, by="category")
    kwic(documents, "階段", sort="left")
    why_labeled(documents, "移動支援")
    cooccurrence_network(documents, min_doc_count=2, color_by="household")
    characteristic_words(documents, by="area")
    crosstab_table(category_crosstab(documents))
    japanese_headers(documents)
    pd.testing.assert_frame_equal(documents, kept)
