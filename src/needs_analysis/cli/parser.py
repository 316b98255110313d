"""An argparse parser that speaks Japanese: headings, built-in help and usage errors.

argparse writes its own words ("usage:", "options", "the following arguments are required")
in English; coordinators read the help, so those words are replaced here. Usage errors end
in one sentence on stderr and exit status 2, like every other problem the user can fix.
"""

from __future__ import annotations

import argparse
import re

EXIT_USER_ERROR = 2

# argparse's own error sentences (Python 3.11–3.13) and their Japanese; the captured parts
# (option names, values) are kept as written.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), japanese)
    for pattern, japanese in (
        (r"^the following arguments are required: (.+)$", r"次の指定が必要です: \1"),
        (r"^unrecognized arguments: (.+)$", r"知らない指定があります: \1"),
        (
            r"^argument (\S+): invalid choice: (.+?) \(choose from (.+)\)$",
            r"\1 に \2 は使えません（使えるもの: \3）",
        ),
        (r"^argument (\S+): expected one argument$", r"\1 のあとに値を1つ書いてください"),
        (r"^argument (\S+): expected at least one argument$", r"\1 のあとに値を書いてください"),
        (r"^argument (\S+): ignored explicit argument (.+)$", r"\1 に値 \2 は書けません"),
        (
            r"^argument (\S+): invalid int value: (.+)$",
            r"\1 には整数を書いてください（\2 は整数ではありません）",
        ),
        (
            r"^argument (\S+): invalid float value: (.+)$",
            r"\1 には数を書いてください（\2 は数ではありません）",
        ),
        (r"^argument (\S+): not allowed with argument (.+)$", r"\1 と \2 は一緒に使えません"),
        (r"^ambiguous option: (\S+) could match (.+)$", r"\1 は \2 のどれか決められません"),
    )
)


# Placeholders shown in the help for options and arguments that name none themselves.
_METAVARS = {
    "config": "設定.toml",
    "out": "フォルダ",
    "output": "ファイル",
    "rejects": "ファイル",
    "input": "ファイル",
    "survey": "調査ファイル",
    "labeled": "ファイル",
    "corrections": "確認シート",
    "workers": "数",
    "n": "数",
    "encoding": "文字コード",
    "sheet": "シート名",
    "text_column": "列名",
    "id_column": "列名",
    "label_column": "列名",
    "category": "分類",
    "check": "点検シート",
}


def japanese_error(message: str) -> str:
    """argparse's English error sentence in Japanese (unknown sentences stay as they are).

    >>> japanese_error("the following arguments are required: -o/--output")
    '次の指定が必要です: -o/--output'
    >>> japanese_error("argument --workers: invalid int value: 'two'")
    "--workers には整数を書いてください（'two' は整数ではありません）"
    """
    for pattern, japanese in _ERRORS:
        if pattern.match(message):
            return pattern.sub(japanese, message)
    return message


class JapaneseHelpFormatter(argparse.HelpFormatter):
    """The help text with 「使い方:」 in place of "usage:"."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[override]
        super().add_usage(usage, actions, groups, prefix if prefix is not None else "使い方: ")


class JapaneseParser(argparse.ArgumentParser):
    """ArgumentParser whose headings, -h help and usage errors are Japanese (exit status 2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", JapaneseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "引数"
        self._optionals.title = "オプション"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="この説明を表示して終わる")

    def add_argument(self, *args, **kwargs):  # type: ignore[override]
        action = super().add_argument(*args, **kwargs)
        if action.metavar is None and action.nargs != 0:
            action.metavar = _METAVARS.get(action.dest, "値" if action.option_strings else None)
        return action

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(
            EXIT_USER_ERROR,
            f"エラー: {japanese_error(message)}（{self.prog} --help で使い方を表示）\n",
        )
