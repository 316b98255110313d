"""The command line speaks Japanese: help headings, placeholders and usage errors."""

from __future__ import annotations

import pytest

from needs_analysis.cli.command import main
from needs_analysis.cli.options import build_parser
from needs_analysis.cli.parser import japanese_error


@pytest.mark.parametrize(
    ("english", "japanese"),
    [
        ("the following arguments are required: -o/--output", "次の指定が必要です: -o/--output"),
        ("unrecognized arguments: --colour", "知らない指定があります: --colour"),
        ("argument --workers: expected one argument", "--workers のあとに値を1つ書いてください"),
        (
            "argument --workers: invalid int value: 'two'",
            "--workers には整数を書いてください（'two' は整数ではありません）",
        ),
        (
            "argument コマンド: invalid choice: 'chek' (choose from 'check', 'run')",
            "コマンド に 'chek' は使えません（使えるもの: 'check', 'run'）",
        ),
        ("a sentence argparse does not have", "a sentence argparse does not have"),
    ],
)
def test_argparse_sentences_in_japanese(english, japanese):
    assert japanese_error(english) == japanese


@pytest.mark.parametrize("command", [[], ["check"], ["classify"], ["train"], ["run"], ["pool"]])
def test_help_has_no_english_headings(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("使い方: needs-analysis")
    assert "オプション:" in text
    assert "この説明を表示して終わる" in text
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in text


def test_placeholders_are_japanese():
    help_text = build_parser()._subparsers._group_actions[0].choices["run"].format_help()
    assert "--out フォルダ" in help_text
    assert "--config 設定.toml" in help_text
    assert "OUT" not in help_text


def test_missing_argument_is_one_japanese_sentence(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["classify", "answers.csv"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("エラー: 次の指定が必要です: -o/--output")
    assert "needs-analysis classify --help" in err[0]
