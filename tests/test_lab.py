"""The workbench's logic without a browser: parameters, search, KWIC, networks, the opinion
map, correspondence analysis and clustering, word lists, rule try-out and corrections."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from lab_town import lab_documents

from needs_analysis.classify.town_model import read_overrides, text_key
from needs_analysis.config.settings import Area
from needs_analysis.config.stopwords import read_stopwords, stopwords_path
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.ingest.intake import resolve_area
from needs_analysis.lab.correspondence import (
    cluster_words,
    correspondence_analysis,
    word_group_table,
)
from needs_analysis.lab.networks import group_network, with_parts_of_speech
from needs_analysis.lab.opinion_map import SMALL_GROUP, group_answers, layer_sizes, opinion_map
from needs_analysis.lab.params import resolve_category, resolve_grouping
from needs_analysis.lab.rule_trial import try_rule
from needs_analysis.lab.search import TEXT, Filters, answer_text, kwic_lines, search_answers
from needs_analysis.lab.wordlists import (
    add_forced_words,
    add_stopwords,
    forced_words,
    remove_stopwords,
    suggest_compounds,
)
from needs_analysis.text.mecab import read_user_words
from needs_analysis.textstats.documents import _resolve_rules


@pytest.fixture(scope="module")
def documents() -> pd.DataFrame:
    return lab_documents()


# --------------------------------------------------------------------------- parameters

AREAS = (Area("川向", aliases=("川向地区", "川むこう")), Area("本町"))


def test_an_alias_is_accepted_as_its_area():
    assert resolve_area(AREAS, "川向地区") == "川向"
    assert resolve_area(AREAS, "川向圏域") == "川向"
    assert resolve_area(AREAS, " ") == ""


def test_an_unknown_area_gets_one_sentence_naming_the_valid_ones():
    with pytest.raises(NeedsAnalysisError) as raised:
        resolve_area(AREAS, "川向こう")
    message = str(raised.value)
    assert "川向、本町" in message and "ですか" in message and "\n" not in message


def test_categories_and_groupings_are_checked():
    assert resolve_category(["移動支援", "配食"], "その他", "その他") == "その他"
    with pytest.raises(NeedsAnalysisError, match="移動支援"):
        resolve_category(["移動支援", "配食"], "その他", "移動")
    assert resolve_grouping("世帯構成") == "household"
    with pytest.raises(NeedsAnalysisError, match="圏域"):
        resolve_grouping("年収")


# --------------------------------------------------------------------------- search, KWIC


def test_a_word_finds_its_inflections_and_only_masked_text_comes_back(documents):
    found = search_answers(documents, "送る", min_count=1)
    assert list(found.answers["text"]) == ["病院へ送ってくれる人がいない"]
    assert set(found.answers.columns) == {"doc", "text", "categories"}


def test_filters_narrow_and_a_small_result_shows_no_text(documents):
    found = search_answers(documents, "バス", Filters(area="北"), min_count=5)
    assert found.count == 4 and found.label == "5未満" and found.hidden
    assert found.answers.empty
    wider = search_answers(documents, "ゴミ", Filters(area="南"), mode=TEXT, min_count=5)
    assert wider.count == 6 and not wider.hidden and len(wider.answers) == 6


def test_category_and_attribute_filters(documents):
    found = search_answers(
        documents, "", Filters(category="配食", household="一人暮らし"), min_count=1
    )
    assert sorted(found.answers["text"]) == sorted(
        [
            "配食サービスがあると助かる",
            "バスがないので配食サービスを頼む",
            "ゴミ出しと配食サービスをお願いしたい",
        ]
    )


def test_plain_text_search_matches_characters(documents):
    found = search_answers(documents, "バス停", mode=TEXT, min_count=1)
    assert list(found.answers["text"]) == ["バス停が遠くて送迎がほしい"]


def test_kwic_context_width_is_adjustable_and_lines_lead_to_answers(documents):
    narrow = kwic_lines(documents, "配食", width=2, min_count=1)
    wide = kwic_lines(documents, "配食", width=10, min_count=1)
    assert narrow.count == 5
    assert all(
        len(left) <= 2 and len(right) <= 2
        for left, right in narrow.answers[["left", "right"]].itertuples(index=False)
    )
    assert wide.answers["right"].str.len().max() > 2
    text, categories = answer_text(documents, int(wide.answers["doc"].iloc[0]))
    assert "配食" in text and "配食" in categories


def test_kwic_of_a_small_selection_shows_no_lines(documents):
    found = kwic_lines(documents, "雪", Filters(area="西"), min_count=5)
    assert found.label == "5未満" and found.answers.empty and found.hidden


# --------------------------------------------------------------------------- networks


def test_parts_of_speech_choose_the_counted_words(documents):
    nouns = with_parts_of_speech(documents, ["名詞"])
    verbs = with_parts_of_speech(documents, ["動詞"])
    words_n = {w for ws in nouns["lemmas"] for w in ws}
    words_v = {w for ws in verbs["lemmas"] for w in ws}
    assert "バス" in words_n and "バス" not in words_v
    assert "送る" in words_v and "送る" not in words_n


def test_group_nodes_link_each_group_to_its_words_and_leave_small_groups_out(documents):
    network = group_network(documents, "area", min_doc_count=2, min_count=4)
    assert set(network.groups["group"]) == {"北", "南"}  # 西 has 3 answers
    assert network.edges["count"].min() >= 4
    north = network.edges[network.edges["group"] == "北"]
    assert north.iloc[0]["word"] in {"配食", "サービス", "バス"}
    assert network.notes and "4件未満" in network.notes[0]


# --------------------------------------------------------------------------- CA, clustering

# Greenacre's smoking data (Correspondence Analysis in Practice, 3rd ed., ex. 3.1 and
# ch. 8): staff groups × smoking categories, with its published principal inertias.
SMOKE = pd.DataFrame(
    [[4, 2, 3, 2], [4, 3, 7, 4], [25, 10, 12, 4], [18, 24, 33, 13], [10, 6, 7, 2]],
    index=["SM", "JM", "SE", "JE", "SC"],
    columns=["none", "light", "medium", "heavy"],
)


def test_correspondence_analysis_reproduces_greenacres_smoking_example():
    result = correspondence_analysis(SMOKE)
    assert result.total_inertia == pytest.approx(0.08519, abs=5e-5)
    assert result.inertias == pytest.approx([0.07476, 0.01002, 0.00041], abs=5e-5)
    assert result.explained[:2] == pytest.approx([0.878, 0.118], abs=1e-3)
    rows = result.rows.abs()
    assert rows["dim1"].to_list() == pytest.approx([0.066, 0.259, 0.381, 0.233, 0.201], abs=1e-3)
    assert rows["dim2"].to_list() == pytest.approx([0.194, 0.243, 0.011, 0.058, 0.079], abs=1e-3)
    columns = result.columns.abs()
    assert columns["dim1"].to_list() == pytest.approx([0.393, 0.099, 0.196, 0.294], abs=1e-3)
    # Rows and columns lie on the same side where they go together: SE with none.
    assert np.sign(result.rows.at["SE", "dim1"]) == np.sign(result.columns.at["none", "dim1"])


def test_word_table_leaves_out_groups_under_the_threshold(documents):
    table, notes = word_group_table(documents, "area", min_doc_count=2, min_count=5)
    assert list(table.columns) == ["北", "南"]
    assert table.at["配食", "北"] == 4 and table.at["配食", "南"] == 1
    assert notes


def test_words_that_go_together_cluster_together(documents):
    clusters = cluster_words(documents, ["配食", "サービス", "ゴミ", "ゴミ出し", "バス", "雪"], 3)
    labels = clusters.clusters
    assert labels["配食"] == labels["サービス"]
    assert labels["配食"] != labels["ゴミ"]
    assert clusters.linkage.shape == (5, 4)


# --------------------------------------------------------------------------- opinion map


def test_layer_sizes_follow_the_cube_root_rule():
    assert layer_sizes(27) == (3, 9)
    assert layer_sizes(6037) == (18, 332)  # 6037^(2/3) = 331.6
    assert layer_sizes(1) == (1, 1)


def _three_clusters(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.eye(3, 16) * 5
    truth = np.repeat([0, 1, 2], [12, 9, 6])
    return centres[truth] + rng.normal(scale=0.1, size=(27, 16)), truth


def test_two_layers_nest_and_recover_clear_groups():
    vectors, truth = _three_clusters()
    groups, subgroups = group_answers(vectors)
    assert len(set(groups)) == 3 and len(set(subgroups)) == 9
    assert pd.crosstab(groups, truth).gt(0).sum(axis=1).eq(1).all()  # one truth per group
    assert pd.Series(groups).groupby(subgroups).nunique().eq(1).all()  # sub-groups nest
    assert list(pd.Series(groups).value_counts().sort_index()) == [12, 9, 6]  # 1 = largest


def test_opinion_groups_are_named_and_small_ones_show_nothing(documents):
    scope = documents[documents["has_text"]]
    truth = scope["area"].map({"北": 0, "南": 1, "西": 2}).to_numpy()
    vectors = np.eye(3, 8)[truth] * 5 + np.random.default_rng(1).normal(
        scale=0.05, size=(len(scope), 8)
    )
    coords = vectors[:, :2]
    chart = opinion_map(documents, vectors, coords, min_count=5)
    tops = chart.groups[chart.groups["level"] == 1].set_index("group")
    assert len(chart.points) == len(scope)
    named = {row.name: row for row in tops.itertuples()}
    small = [row for row in tops.itertuples() if row.size < 5]
    assert small and all(
        r.size_label == "5未満" and r.typical == "" and r.name == SMALL_GROUP for r in small
    )
    big = [row for row in tops.itertuples() if row.size >= 5]
    assert any("配食" in r.words for r in big) and any("ゴミ" in r.words for r in big)
    for row in big:
        assert row.typical in set(scope["text"])
    assert named


# --------------------------------------------------------------------------- word lists


def test_stopwords_are_saved_beside_the_config(town_config):
    assert add_stopwords(town_config, ["バス", " 病院 ", "バス"]) == ("バス", "病院")
    assert read_stopwords(stopwords_path(town_config)) == ("バス", "病院")
    assert remove_stopwords(town_config, ["バス"]) == ("病院",)


def test_forced_words_go_to_the_user_dictionary(town_dir):
    from needs_analysis.config.load import load_config

    (town_dir / "words.csv").write_text(
        "表記,読み,種類\n和泉ヶ原,イズミガハラ,地名", encoding="utf-8"
    )
    config_text = (town_dir / "config.toml").read_text(encoding="utf-8")
    (town_dir / "config.toml").write_text(
        config_text + '\n[dictionary]\nuser = "words.csv"\n', encoding="utf-8"
    )
    config = load_config(town_dir / "config.toml")
    assert add_forced_words(config, ["配食サービス", "和泉ヶ原", "配食サービス"]) == [
        "配食サービス"
    ]
    assert forced_words(config) == ["和泉ヶ原", "配食サービス"]
    assert read_user_words(config.user_dictionary)[1] == ("配食サービス", "配食サービス", "名詞")


def test_forced_words_need_a_user_dictionary(town_config):
    with pytest.raises(NeedsAnalysisError, match=r"\[dictionary\]"):
        add_forced_words(town_config, ["配食サービス"])


def test_compound_suggestions_rank_adjacent_nouns_by_log_likelihood(documents):
    table = suggest_compounds(documents, min_count=3)
    assert table.iloc[0]["compound"] == "配食サービス"
    assert table.iloc[0]["count"] == 5 and table.iloc[0]["g2"] > 0 and table.iloc[0]["pmi"] > 0
    assert "ゴミ出し" not in set(table["compound"])  # a single token already
    assert suggest_compounds(documents, min_count=6).empty
    assert "配食サービス" not in set(
        suggest_compounds(documents, known=("配食サービス",))["compound"]
    )


# --------------------------------------------------------------------------- rule try-out


@pytest.fixture(scope="module")
def rules():
    return _resolve_rules(None, None, None)


def test_a_rule_is_tried_with_counts_per_area_and_context(documents, rules):
    trial = try_rule(
        "(ゴミ | ゴミ出し) & (大変 | つらい | 遠い | 手伝う | 難しい)",
        documents,
        rules,
        min_count=1,
        areas=["北", "南", "西"],
    )
    assert not trial.error and trial.count == 5
    assert dict(zip(trial.per_area["area"], trial.per_area["count"], strict=True)) == {
        "北": "0",
        "南": "5",
        "西": "0",
    }
    assert len(trial.lines) == 5 and set(trial.lines["keyword"].str[:2]) == {"ゴミ"}


def test_a_rule_with_few_matches_shows_no_context(documents, rules):
    trial = try_rule("雪", documents, rules, min_count=5)
    assert trial.label == "5未満" and trial.lines.empty and trial.notes


def test_a_bad_rule_gets_one_sentence(documents, rules):
    trial = try_rule("バス & (少ない", documents, rules)
    assert trial.error.startswith("ルールを読めません") and "\n" not in trial.error
    assert try_rule("  ", documents, rules).error


def test_a_line_of_the_rules_file_matches_as_the_classifier_reads_it(documents, rules):
    """The try-out reads a line with the rules file's parser: the same answers match."""
    for rule in rules.rules[:40]:
        expected = sum(
            rule.expr.match(rules.analyze(text, tokens)) is not None
            for text, tokens, has_text in documents[["text", "tokens", "has_text"]].itertuples(
                index=False
            )
            if has_text
        )
        assert try_rule(rule.source, documents, rules, min_count=1).count == expected


# --------------------------------------------------------------------------- corrections


def test_a_correction_lands_in_the_review_sheets_corrections_file(town_config, documents):
    from needs_analysis.lab.corrections import Corrector

    taxonomy = load_taxonomy()
    corrector = Corrector(town_config, 2025, taxonomy)
    corrector._keys = {"s2": text_key("ゴミを運ぶのがつらい")}
    answer = documents[documents["respondent_id"] == "s2"].iloc[0]
    path = corrector.correct(answer, ["見守り", "ゴミ出し"])
    assert path.name == "corrections_2025.tsv" and path.parent.name == "labeled"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows == [
        {
            "text": "ゴミを運ぶのがつらい",
            "categories": "ゴミ出し|見守り",
            "key": text_key("ゴミを運ぶのがつらい"),
        }
    ]
    overrides = read_overrides([path], taxonomy)
    assert set(overrides[text_key("ゴミを運ぶのがつらい")]) == {"ゴミ出し", "見守り"}
    corrector.correct(answer, ["その他"])  # a later correction of the same text wins
    assert read_overrides([path], taxonomy)[text_key("ゴミを運ぶのがつらい")] == ()


def test_corrections_are_checked(town_config):
    from needs_analysis.lab.corrections import Corrector

    corrector = Corrector(town_config, 2025, load_taxonomy())
    with pytest.raises(NeedsAnalysisError, match="一緒に選べません"):
        corrector.checked_labels(["その他", "配食"])
    with pytest.raises(NeedsAnalysisError, match="1つ以上"):
        corrector.checked_labels([])
    with pytest.raises(NeedsAnalysisError, match="ありません"):
        corrector.checked_labels(["配食べ"])


def test_the_key_comes_from_the_survey_text(town_config):
    """The corrector finds an answer's key from the survey, as the review sheet does."""
    from conftest import HEADER, ROWS, csv_text

    from needs_analysis.lab.corrections import Corrector

    (town_config.path.parent / "survey.csv").write_text(csv_text(ROWS, HEADER), encoding="utf-8")
    corrector = Corrector(town_config, 2025, load_taxonomy())
    assert corrector._key_of("3") == text_key("ゴミ出しが大変です。")
    with pytest.raises(NeedsAnalysisError, match="見つかりません"):
        corrector._key_of("999")


def test_the_towns_stop_words_leave_the_next_runs_word_views(fast_classifier):
    from needs_analysis.run.pipeline import classify_and_mask, tokenize_answers

    responses = pd.DataFrame(
        {
            "respondent_id": ["1", "2"],
            "area": ["北", "北"],
            "text": ["バスが少なくて病院に行けない", "病院が遠い"],
        }
    )
    responses["has_text"] = True
    words = tokenize_answers(responses["text"], fast_classifier.tokenizer)
    _, plain = classify_and_mask(responses, fast_classifier, words)
    _, stopped = classify_and_mask(responses, fast_classifier, words, stopwords=("病院",))
    assert "病院" in plain["lemmas"].iloc[1] and "病院" not in stopped["lemmas"].iloc[1]
    assert "バス" in stopped["lemmas"].iloc[0]
