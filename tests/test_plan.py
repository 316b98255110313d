"""The plan table: counts per category or heading, suppression, distinct masked examples."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from needs_analysis.privacy.names import NAME_MASK
from needs_analysis.privacy.patterns import PHONE_MASK
from needs_analysis.report import plan
from needs_analysis.report.plan import (
    NOTE_NONE,
    NOTE_SUPPRESSED,
    bigrams,
    choose_examples,
    headings,
    is_repeat,
    jaccard,
    plan_table,
    plan_table_for_display,
)

LABELS = ("移動支援", "居場所", "ゴミ出し", "見守り", "買い物支援")
ROLLUP = {"移動支援等": ("移動支援", "買い物支援"), "居場所づくり": ("居場所",)}


def answers(rows: list[tuple[str, tuple[str, ...], float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": [str(i) for i in range(len(rows))],
            "area": ["北部"] * len(rows),
            "text": [text for text, _, _ in rows],
            "categories": [labels for _, labels, _ in rows],
            "confidence": [confidence for _, _, confidence in rows],
            "has_text": [text.strip() != "" for text, _, _ in rows],
        }
    )


GARBAGE = [
    ("階段が急で、ゴミ袋を持って下りるのがつらいです", ("ゴミ出し",), 0.95),
    ("階段が急で、ゴミ袋を持って下りるのがつらいです。", ("ゴミ出し",), 0.94),
    ("階段が急で、ゴミ袋を持って下りるのがとてもつらい", ("ゴミ出し",), 0.93),
    ("粗大ごみを集積所まで運べないので困っている", ("ゴミ出し",), 0.90),
    ("ごみ", ("ゴミ出し",), 0.99),
    ("分別のルールが細かすぎて覚えられない。出す日も間違える", ("ゴミ出し",), 0.80),
    ("ゴミ出しが大変。連絡は090-1234-5678まで", ("ゴミ出し",), 0.97),
]
TRANSPORT = [
    ("病院へ行くバスが一日に二本しかなく、通院が大変です", ("移動支援",), 0.9),
    ("駅まで送ってくれる人がいれば助かるのですが", ("移動支援",), 0.85),
    ("免許を返納したあと、通院の足がなくなるのが心配", ("移動支援",), 0.8),
    ("スーパーが閉店してしまい、買い物に行く店がない", ("買い物支援",), 0.7),
    ("スーパーまで送ってくれる人がいない", ("移動支援", "買い物支援"), 0.9),
]
SILENT = [("", (), float("nan"))] * 3 + [("特になし", ("その他",), 0.9)] * 2
LONELY = [("話し相手がほしい", ("居場所",), 0.9)] * 2


def sample_answers() -> pd.DataFrame:
    return answers(GARBAGE + TRANSPORT + SILENT + LONELY)


def test_doctests_pass():
    assert doctest.testmod(plan).failed == 0


def test_counts_per_category_and_suppression():
    table = plan_table(sample_answers(), LABELS, min_count=5).set_index("heading")
    assert table.loc["ゴミ出し", "count"] == 7
    assert table.loc["移動支援", "count"] == 4
    assert table.loc["買い物支援", "count"] == 2
    assert table.loc["居場所", "count"] == 2
    assert table.loc["見守り", "count"] == 0
    assert table.loc["買い物支援", "count_display"] == "5未満"
    assert table.loc["ゴミ出し", "count_display"] == "7"
    assert table.loc["見守り", "count_display"] == "0"
    assert table.loc["買い物支援", "examples"] == ()
    assert table.loc["買い物支援", "note"] == NOTE_SUPPRESSED
    assert table.loc["見守り", "note"] == NOTE_NONE
    assert list(table.index) == list(LABELS)


def test_rollup_counts_each_answer_once_per_heading():
    table = plan_table(sample_answers(), LABELS, min_count=5, rollup=ROLLUP).set_index("heading")
    assert list(table.index) == ["移動支援等", "居場所づくり", "ゴミ出し", "見守り"]
    assert table.loc["移動支援等", "count"] == 5  # the two-label answer counts once
    assert table.loc["移動支援等", "categories"] == ("移動支援", "買い物支援")


@pytest.mark.parametrize(
    ("shopping", "both", "display"),
    [
        # 12 + 4 − 0 = 16: the union minus 移動支援's 12 is 買い物支援's 4 exactly.
        (4, 0, "非表示"),
        # 12 + 3 − 1 = 14: at least 2, so 1 is ruled out.
        (3, 1, "非表示"),
        # 12 + 4 − 3 = 13: at least 1 — the union says nothing 「5未満」 does not.
        (4, 3, "13"),
    ],
)
def test_a_rollup_that_would_narrow_a_small_member_is_hidden(shopping, both, display):
    rows = [("通院のバスが少ない", ("移動支援",), 0.9)] * (12 - both)
    rows += [("通院も買い物も送ってほしい", ("移動支援", "買い物支援"), 0.9)] * both
    rows += [("買い物に行く店がない", ("買い物支援",), 0.9)] * (shopping - both)
    table = plan_table(answers(rows), LABELS, min_count=5, rollup=ROLLUP).set_index("heading")
    alone = plan_table(answers(rows), LABELS, min_count=5).set_index("heading")
    assert alone.loc["買い物支援", "count_display"] == "5未満"
    assert table.loc["移動支援等", "count_display"] == display
    # The published union and members leave 買い物支援 every value 1 … 4, or the union is hidden.
    if display.isdigit():
        union, known = int(display), alone.loc["移動支援", "count"]
        assert all(max(known, v) <= union <= known + v for v in range(1, 5))
    assert table.loc["移動支援等", "examples"]  # a hidden count still has its examples


def test_headings_without_rollup_are_the_labels():
    assert headings(["a", "b"]) == {"a": ("a",), "b": ("b",)}
    assert headings(["a", "b", "c"], {"X": ("a", "c")}) == {"X": ("a", "c"), "b": ("b",)}


def test_examples_are_distinct_mid_length_and_confident():
    table = plan_table(sample_answers(), LABELS, min_count=5).set_index("heading")
    examples = table.loc["ゴミ出し", "examples"]
    assert len(examples) == 3
    assert "ごみ" not in examples  # too short to say anything
    stairs = [text for text in examples if text.startswith("階段が急で")]
    assert len(stairs) == 1  # near-duplicates shown once
    assert stairs[0] == "階段が急で、ゴミ袋を持って下りるのがつらいです"  # the surest of them
    for first in examples:
        for second in examples:
            if first is not second:
                assert not is_repeat(first, second)


def test_answers_with_personal_data_are_used_last_and_masked():
    table = plan_table(sample_answers(), LABELS, min_count=5, examples=5).set_index("heading")
    examples = table.loc["ゴミ出し", "examples"]
    assert "090-1234-5678" not in "".join(examples)
    assert examples[-1] == f"ゴミ出しが大変。連絡は{PHONE_MASK}まで"


def test_answers_masked_earlier_are_also_used_last():
    rows = [(f"{NAME_MASK}さんにゴミ出しを頼んでいるが申し訳ない", ("ゴミ出し",), 0.99)] + [
        ("ゴミ出しの日に集積所まで行くのが大変です", ("ゴミ出し",), 0.5),
        ("分別のルールが細かすぎて覚えられない", ("ゴミ出し",), 0.5),
    ]
    picked = choose_examples(answers(rows), ["ゴミ出し"], limit=3)
    assert len(picked) == 3 and picked[-1].startswith(NAME_MASK)
    assert len(choose_examples(answers(rows), ["ゴミ出し"], limit=2)) == 2
    assert all(NAME_MASK not in text for text in choose_examples(answers(rows), ["ゴミ出し"], 2))


def test_examples_never_show_a_name():
    rows = [("山田花子さんにゴミ出しを頼んでいるが申し訳ない", ("ゴミ出し",), 0.99)] * 1 + [
        (f"ゴミ出しの日に集積所まで行くのが大変です{'。' * i}", ("ゴミ出し",), 0.5)
        for i in range(5)
    ]
    examples = plan_table(answers(rows), ["ゴミ出し"], min_count=5).iloc[0]["examples"]
    assert all("山田" not in text and "花子" not in text for text in examples)


def test_heading_examples_take_turns_over_its_categories():
    rows = TRANSPORT + [
        ("買い物に行く店が近くになくて、重い物が運べない", ("買い物支援",), 0.6),
        ("移動販売車が来てくれると本当に助かる", ("買い物支援",), 0.65),
    ]
    table = plan_table(answers(rows), LABELS, min_count=5, rollup=ROLLUP).set_index("heading")
    examples = table.loc["移動支援等", "examples"]
    assert len(examples) == 3
    # Not only the three surest 移動支援 answers: a shopping answer is among them.
    assert any("店" in text or "移動販売" in text for text in examples)


def test_choose_examples_without_confidence_column():
    rows = answers(GARBAGE).drop(columns="confidence")
    picked = choose_examples(rows, ["ゴミ出し"], limit=5)
    # Ranked by the text alone: as if every answer had the same confidence.
    even = answers(GARBAGE).assign(confidence=0.5)
    assert picked == choose_examples(even, ["ゴミ出し"], limit=5)
    assert "ごみ" not in picked  # one word says too little
    assert sum(text.startswith("階段が急で") for text in picked) == 1  # no near-copies
    assert any("【電話番号】" in text for text in picked)
    assert not any("090" in text for text in picked)


def test_similarity_helpers():
    assert jaccard(bigrams("ゴミ出しが大変"), bigrams("ゴミ出しが大変!")) == 1.0
    assert jaccard(frozenset(), frozenset()) == 1.0
    assert not is_repeat("ゴミ出しが大変", "バスが少ない")
    assert is_repeat("話し相手がいない", "通報装置がほしい。あと、話し相手がいない")


def test_display_table_has_the_plan_headers():
    table = plan_table(sample_answers(), LABELS, min_count=5)
    shown = plan_table_for_display(table)
    assert list(shown.columns) == ["項目", "困りごとの例", "件数"]
    garbage = shown.set_index("項目").loc["ゴミ出し"]
    assert garbage["困りごとの例"].count("・") == 3
    assert garbage["困りごとの例"].count("\n") == 2
    assert shown.set_index("項目").loc["買い物支援", "件数"] == "5未満"


@pytest.mark.parametrize("rollup", [None, ROLLUP])
def test_input_is_not_changed(rollup):
    frame = sample_answers()
    before = frame.copy(deep=True)
    table = plan_table(frame, LABELS, min_count=5, rollup=rollup)
    table_before = table.copy(deep=True)
    plan_table_for_display(table)
    choose_examples(frame[frame["has_text"]], ["ゴミ出し"])
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(table, table_before)
