"""A valid CSV is read as exactly its records: any table written by Python's csv or saved
the way Excel saves CSV reads back cell for cell, with no row invented, cut or repaired;
line ends inside quotes are data in every form (CR LF, LF, a lone CR). The repair of
broken quotes runs only on files that do not parse, and never counts a row it guessed."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import HEADER
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from needs_analysis.cli.command import main
from needs_analysis.config.load import load_config
from needs_analysis.ingest.raw_table import REJECT_BROKEN_QUOTE, read_table
from needs_analysis.ingest.survey import load_survey

AREAS = ["北部", "中央", "南部"]
LIST_ANSWER = "買い物,病院,ゴミ出し,草取り,雪かき,配食"
# A line of an answer shaped like a whole row of the table: it must stay inside its answer.
ROW_SHAPED = "99,北部,75-79歳,女性,一人暮らし,捏造された回答"

# Pieces an answer is made of: text, the delimiter, quotes, line ends of every form, lists
# and lines that look like rows, spaces and tabs.
PIECES = st.one_of(
    st.sampled_from(
        [
            ",",
            '"',
            '""',
            "\r\n",
            "\n",
            "\r",
            "\t",
            " ",
            LIST_ANSWER,
            ROW_SHAPED,
            '"' + ROW_SHAPED + '"',
            "1,北部,",
            "バスが少ない",
            "ゴミ出し、草取り",
            "①髙橋さん",
        ]
    ),
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters="\x00\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e\ufeff",
        ),
        max_size=8,
    ),
)
ANSWERS = st.lists(PIECES, max_size=12).map("".join)
CP932_ANSWERS = st.lists(
    st.sampled_from([",", '"', "\r\n", "\n", "\r", LIST_ANSWER, ROW_SHAPED, "ゴミ", " ", "①"]),
    max_size=10,
).map("".join)


def table_rows(answers: list[str]) -> list[list[str]]:
    return [
        [str(i + 1), AREAS[i % 3], "75-79歳", "女性", "一人暮らし", answer]
        for i, answer in enumerate(answers)
    ]


def python_csv(rows: list[list[str]], terminator: str, quoting: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=terminator, quoting=quoting)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def excel_csv(rows: list[list[str]]) -> str:
    """As Excel saves 「CSV UTF-8」 or 「CSV」: CR LF between rows, a line break inside a cell
    (Alt+Enter) as LF, a cell quoted only when it holds a comma, a quote or a line break,
    and no line end after the last row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().removesuffix("\r\n")


def excel_rows(answers: list[str]) -> list[list[str]]:
    """Excel keeps a line break inside a cell as LF."""
    return table_rows([re.sub(r"\r\n|\r", "\n", answer) for answer in answers])


def assert_reads_back(path: Path, rows: list[list[str]]) -> None:
    table = read_table(path)
    assert list(table.header) == HEADER
    assert [list(row.cells) for row in table.rows] == rows
    assert all(row.problem is None for row in table.rows)
    assert table.repaired_lines == () and table.notes == ()
    # Every line end inside a cell is a continuation line, and nothing else is.
    inside = sum(len(re.findall(r"\r\n|\r|\n", cell)) for row in rows for cell in row)
    assert table.continuation_lines == inside
    assert [row.source_row for row in table.rows] == expected_row_numbers(rows)


def expected_row_numbers(rows: list[list[str]]) -> list[int]:
    numbers, line = [], 2
    for row in rows:
        numbers.append(line)
        line += 1 + sum(len(re.findall(r"\r\n|\r|\n", cell)) for cell in row)
    return numbers


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    answers=st.lists(ANSWERS, min_size=1, max_size=6),
    terminator=st.sampled_from(["\r\n", "\n", "\r"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_any_table_written_by_python_csv_reads_back_exactly(
    tmp_path_factory, answers, terminator, quoting, encoding
):
    rows = table_rows(answers)
    text = python_csv(rows, terminator, quoting)
    # Python's writer quotes a cell only for the line end it writes: with LF or CR between
    # rows, a cell holding the other one is written bare and even Python's own reader
    # cannot read the file back. Such a file is not a table of these rows.
    assume(standard_reader(text) == [HEADER, *rows])
    path = tmp_path_factory.mktemp("csv") / "survey.csv"
    path.write_bytes(text.encode(encoding))
    assert_reads_back(path, rows)


def standard_reader(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_writer_settings_above_give_readable_files_for_every_line_end():
    """The assumption above leaves every kind of file in: all cells quoted, any line end."""
    rows = table_rows(["a\rb\nc\r\nd", LIST_ANSWER, ROW_SHAPED])
    for terminator in ("\r\n", "\n", "\r"):
        text = python_csv(rows, terminator, csv.QUOTE_ALL)
        assert standard_reader(text) == [HEADER, *rows]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=st.lists(ANSWERS, min_size=1, max_size=6))
def test_any_table_saved_as_excel_saves_csv_reads_back_exactly(tmp_path_factory, answers):
    rows = excel_rows(answers)
    path = tmp_path_factory.mktemp("excel") / "survey.csv"
    path.write_bytes(excel_csv(rows).encode("utf-8-sig"))
    assert_reads_back(path, rows)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=st.lists(CP932_ANSWERS, min_size=1, max_size=6))
def test_an_excel_shift_jis_export_reads_back_exactly(tmp_path_factory, answers):
    rows = excel_rows(answers)
    path = tmp_path_factory.mktemp("sjis") / "survey.csv"
    path.write_bytes(excel_csv(rows).encode("cp932"))
    assert_reads_back(path, rows)


# Hand-picked answers that fooled the old reader, and others of the same kind.
ANSWERS_THAT_LOOK_BROKEN = [
    pytest.param(f"困っていること:\n{LIST_ANSWER}", id="a list of needs on its own line"),
    pytest.param(f"{LIST_ANSWER}\r\n{LIST_ANSWER}", id="two lists, CR LF"),
    pytest.param(f"以下の通り\r\n{ROW_SHAPED}", id="a line shaped like a row"),
    pytest.param(f"{ROW_SHAPED}\n{ROW_SHAPED}\n", id="two row-shaped lines and a line end"),
    pytest.param(f'引用："{ROW_SHAPED}"\r\nです', id="a quoted row-shaped line"),
    pytest.param("一行目\r二行目\r三行目", id="lone CR inside the answer"),
    pytest.param("a\r\n\r\n\rb", id="empty lines of every form inside"),
    pytest.param(f"\r{ROW_SHAPED}\r", id="lone CR around a row-shaped line"),
    pytest.param('""\r\n"', id="quotes and line ends only"),
]


@pytest.mark.parametrize("terminator", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
@pytest.mark.parametrize("answer", ANSWERS_THAT_LOOK_BROKEN)
def test_a_valid_file_with_row_shaped_answers_invents_no_respondent(
    town_dir, tmp_path, capsys, monkeypatch, terminator, answer
):
    rows = table_rows(["バスが少ない", answer, "ゴミ出しが大変"])
    path = town_dir / "survey.csv"
    # Cells with line breaks are quoted by Python's writer only for its own line end.
    quoting = csv.QUOTE_MINIMAL if terminator == "\r\n" else csv.QUOTE_ALL
    path.write_bytes(python_csv(rows, terminator, quoting).encode("utf-8"))
    assert_reads_back(path, rows)

    data = load_survey(load_config(town_dir / "config.toml"))
    assert data.summary.rows_read == data.summary.accepted == 3
    assert data.responses["respondent_id"].tolist() == ["1", "2", "3"]
    assert data.responses["text"].tolist()[1] == answer.strip()
    assert data.rejects.empty and data.summary.notes == ()

    monkeypatch.chdir(tmp_path)
    assert main(["check", "--config", str(town_dir / "config.toml")]) == 0
    output = capsys.readouterr().out
    assert "読み込んだ行: 3" in output and "受け付けた行: 3" in output
    assert "除外した行: 0" in output and "引用符" not in output


def broken(lines: list[str]) -> str:
    return "\r\n".join([",".join(HEADER), *lines]) + "\r\n"


def test_a_broken_quote_is_repaired_only_where_the_file_does_not_parse(town_dir):
    """A valid multi-line answer before the broken one stays whole; the broken line is read
    alone and rejected; the rows after it are read as rows."""
    text = broken(
        [
            f'1,北部,75-79歳,女性,一人暮らし,"以下の通り\r\n{ROW_SHAPED}"',
            '2,南部,75-79歳,女性,一人暮らし,"病院に行けない',
            "3,中央,75-79歳,女性,一人暮らし,ゴミ出し",
            "4,北部,75-79歳,女性,一人暮らし,買い物",
        ]
    )
    (town_dir / "survey.csv").write_text(text, encoding="utf-8")
    data = load_survey(load_config(town_dir / "config.toml"))
    assert data.summary.rows_read == 4
    assert data.responses["respondent_id"].tolist() == ["1", "3", "4"]
    assert data.responses["text"].iloc[0] == f"以下の通り\r\n{ROW_SHAPED}"
    rejected = data.rejects.set_index("source_row")
    assert rejected.loc[4, "reason"] == REJECT_BROKEN_QUOTE
    assert "切れているかもしれません" in rejected.loc[4, "detail"]
    assert any("4行目" in note and REJECT_BROKEN_QUOTE in note for note in data.summary.notes)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('2,南部,75-79歳,女性,一人暮らし,"バス"が少ない', "text after a closing quote"),
        (
            '2,南部,75-79歳,女性,一人暮らし,"一行目\r\n3,中央,75歳,男性,夫婦,"ゴミ"',
            "swallows a row",
        ),
        ('2,南部,75-79歳,女性,一人暮らし,"一行目\r3,中央,75歳,男性,夫婦,"ゴミ"', "lone CR"),
        ('2,南部,75-79歳,女性,一人暮らし,"一行目\n3,中央,75歳,男性,"夫婦",x', "swallows, LF"),
        ('2,南部,75-79歳,女性,一人暮らし,"最後まで閉じない', "never closed"),
    ],
)
def test_a_row_the_repair_guessed_is_never_counted(town_dir, line, why):
    """(A quote closed at the end of a later line would make a valid record of the
    header's width: that file parses, and is read as it parses.)"""
    text = broken([line, "5,北部,75-79歳,女性,一人暮らし,買い物"])
    (town_dir / "survey.csv").write_text(text, encoding="utf-8")
    data = load_survey(load_config(town_dir / "config.toml"))
    summary = data.summary
    assert summary.accepted + summary.rejected == summary.rows_read
    assert "2" not in data.responses["respondent_id"].tolist(), why
    assert REJECT_BROKEN_QUOTE in summary.rejected_by_reason
    assert "5" in data.responses["respondent_id"].tolist()
    assert summary.notes and "2行目" in summary.notes[0]
