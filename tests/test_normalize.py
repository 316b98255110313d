"""normalize_text: a table of Japanese input/expected pairs, plus fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needs_analysis.text.normalize import normalize_text

CASES = [
    ("ｺﾞﾐ", "ゴミ"),
    ("ﾊﾞｽがない", "バスがない"),
    ("ＡＢＣ１２３", "ABC123"),
    ("ゴミ出し　が\u3000大変", "ゴミ出し が 大変"),
    ("一行目\n二行目\r\n三行目", "一行目 二行目 三行目"),
    ("  前後の空白  ", "前後の空白"),
    ("困ります！！！", "困ります!"),
    ("本当に？？", "本当に?"),
    ("すごーーーく遠い", "すごーく遠い"),
    ("とおい〜〜〜", "とおい〜"),
    ("どうしたら・・・", "どうしたら…"),
    ("わからない......", "わからない…"),
    ("それで……", "それで…"),
    ("１０時～１２時", "10時〜12時"),
    ("①番目", "1番目"),
    ("ゼロ幅\u200bスペース", "ゼロ幅スペース"),
    ("\ufeff先頭のBOM", "先頭のBOM"),
    ("ベル\x07文字", "ベル文字"),
    ("絵文字😢も残す", "絵文字😢も残す"),
    ("", ""),
    (None, ""),
    (float("nan"), ""),
    (12, "12"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalize_table(text, expected):
    assert normalize_text(text) == expected


NASTY = ["\x00", "\ud800", "\U0010ffff", "‮右から左", "𠮷野家", "👨‍👩‍👧", "\t\t", "ｶﾞｶﾞｶﾞ" * 500]


@pytest.mark.parametrize("text", NASTY)
def test_nasty_strings_do_not_raise(text):
    result = normalize_text(text)
    assert isinstance(result, str)
    assert normalize_text(result) == result


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
