"""Coding rules: the syntax, negation scopes, evidence and diagnostics (no model involved)."""

from __future__ import annotations

import pytest

from needs_analysis.coding.rule_parser import RuleSyntaxError
from needs_analysis.coding.rules import load_rules
from needs_analysis.paths import package_file
from needs_analysis.text.normalize import normalize_text


@pytest.fixture(scope="module")
def rules():
    return load_rules(package_file("rules.txt"))


def matched(rules, text):
    return rules.match(rules.analyze(normalize_text(text)))


def negated_words(rules, text):
    answer = rules.analyze(normalize_text(text))
    return [t.surface for t, neg in zip(answer.tokens, answer.negated, strict=True) if neg]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("今は元気なので見守りは必要ない", "見守り"),
        ("送迎は家族がしてくれるので困っていない", "移動支援"),
        ("買い物は生協で足りているので必要ありません", "買い物支援"),
        ("ゴミ出しは今のところ大丈夫です", "ゴミ出し"),
        ("草取りは自分でできるので要りません", "家事支援"),
    ],
)
def test_need_words_inside_a_negation_do_not_count(rules, text, label):
    assert label not in matched(rules, text)


def test_negation_stops_at_a_contrast(rules):
    hits = matched(rules, "ゴミ出しは大丈夫だが、バスが少なくて通院に困る")
    assert "ゴミ出し" not in hits
    assert "移動支援" in hits
    assert "バス" not in negated_words(rules, "バスが少なくて困るが、ゴミ出しは大丈夫")


@pytest.mark.parametrize(
    "text",
    [
        "ゴミ出しに困っている。配食は必要ない",
        "ゴミ出しに困っている／配食は必要ない",
        "ゴミ出しに困っている\n配食は必要ない",  # two lines of one cell
        "ゴミ出しに困っている　配食は必要ない",
    ],
)
def test_negation_stops_at_a_sentence_boundary(rules, text):
    assert "ゴミ出し" in matched(rules, text)
    assert negated_words(rules, text) == ["配食", "は", "必要", "ない"]


def test_negation_still_covers_its_own_sentence(rules):
    # Without a boundary (a comma lists the things denied), the denial reaches back.
    assert "ゴミ出し" not in matched(rules, "ゴミ出し、配食は必要ない")
    assert "ゴミ出し" in negated_words(rules, "ゴミ出しや配食は必要ない")


@pytest.mark.parametrize(
    "text",
    ["一人で大丈夫か心配", "人手が足りない", "大丈夫じゃない"],
)
def test_questions_and_double_negatives_are_not_denials(rules, text):
    assert negated_words(rules, text) == []


@pytest.mark.parametrize(
    ("text", "label", "evidence"),
    [
        ("スーパーまで送ってくれる人がいない", "移動支援", "送っ"),
        ("スーパーまで送ってくれる人がいない", "買い物支援", "スーパー"),
        ("ｺﾞﾐ出しがつらい", "ゴミ出し", "ゴミ出し"),
        ("免許を返納したので病院に行けない", "移動支援", "免許"),
        ("雪下ろしを頼める人がいない", "家事支援", "雪下ろし"),
        ("配食サービスがあるなら知りたい", "配食", "配食"),
        ("夜中に倒れたらと思うと怖い", "見守り", "倒れ"),
    ],
)
def test_rules_match_with_evidence(rules, text, label, evidence):
    hits = matched(rules, text)
    assert label in hits
    assert evidence in hits[label]


def write_rules(tmp_path, text):
    path = tmp_path / "rules.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("[移動支援]\n送迎 | (バス\n", 2),
        ("[移動支援]\n送迎\n\nバス タクシー\n", 4),
        ("送迎\n", 1),
        ("[移動支援\n送迎\n", 1),
        ("[移動支援]\n送迎 &\n", 2),
        ("[移動支援]\nseq(バス)\n", 2),
        ("[同義語]\nゴミ\n", 2),
    ],
)
def test_syntax_error_names_the_line(tmp_path, body, line):
    path = write_rules(tmp_path, body)
    with pytest.raises(RuleSyntaxError) as raised:
        load_rules(path)
    assert f"{line}行目" in str(raised.value)
    assert str(path) in str(raised.value)


def test_operators_seq_and_near(tmp_path):
    path = write_rules(
        tmp_path,
        "[同義語]\nゴミ = ごみ, 塵\n[A]\nseq(連れる 行く)\n[B]\nnear(病院 遠い 3)\n[C]\nゴミ & !カラス\n",
    )
    rules = load_rules(path)
    assert set(matched(rules, "病院に連れて行ってほしい")) == {"A"}
    assert set(matched(rules, "病院がとても遠い")) == {"B"}
    assert "B" not in matched(rules, "病院は駅前にあって、うちからだとバスを乗り継いで行くので遠い")
    assert set(matched(rules, "ごみを出すのが大変")) == {"C"}
    assert "C" not in matched(rules, "カラスがゴミを荒らす")


def test_diagnostics_report_dead_rules_and_unknown_words(tmp_path):
    path = write_rules(tmp_path, "[A]\nバス\nぴよぴよ語\n")
    rules = load_rules(path)
    answers = [rules.analyze(t) for t in ["バスが少ない", "ゴミ出しが大変"]]
    notes = rules.diagnose(answers)
    assert any("3行目" in note and "当てはまりません" in note for note in notes)
    assert any("ぴよぴよ語" in note and "一度も出てきません" in note for note in notes)
    assert not any("2行目" in note for note in notes)
