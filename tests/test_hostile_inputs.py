"""Malformed and hostile survey files, one table: every one ends in counts that add up
(read = accepted + rejected = the data rows written) or in one sentence with exit status 2
that names the file and the row or cell; never a traceback."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import HEADER, csv_text, write_survey
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from needs_analysis.cli.command import main
from needs_analysis.errors import InputError
from needs_analysis.ingest.raw_table import read_table


def _rows(count: int, text: str = "バスが少ない") -> list[list[str]]:
    areas = ["北部", "中央", "南部"]
    return [
        [str(i), areas[i % 3], "75-79歳", "女性", "一人暮らし", text] for i in range(1, count + 1)
    ]


def _csv(rows: list[list[str]], header: list[str] | None = None) -> str:
    return csv_text(rows, header)


def _write(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def build(directory: Path) -> Path:
        path = directory / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return build


def _twenty_rows_with(line_index: int, replacement: str) -> str:
    lines = _csv(_rows(20)).split("\r\n")
    lines[line_index] = replacement
    return "\r\n".join(lines)


def _separator_in_cell(char: str) -> str:
    rows = _rows(5)
    rows[1][5] = f"買い物{char}に行けない"
    return _csv(rows)


def _workbook(directory: Path, name: str, fill) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "回答"
    fill(workbook, sheet)
    path = directory / name
    workbook.save(path)
    return path


def _uncached_formula(directory: Path) -> Path:
    def fill(workbook, sheet):
        sheet.append(HEADER)
        for row in _rows(3):
            sheet.append(row)
        sheet["F3"] = '=CONCATENATE("病院","に行けない")'  # openpyxl saves no cached value

    return _workbook(directory, "formula.xlsx", fill)


def _other_sheet(directory: Path) -> Path:
    def fill(workbook, sheet):
        sheet.title = "表紙"
        sheet.append(["令和7年度 調査"])
        data = workbook.create_sheet("回答データ")
        data.append(HEADER)
        for row in _rows(3):
            data.append(row)

    return _workbook(directory, "sheets.xlsx", fill)


def _summary_sheet_first(directory: Path) -> Path:
    def fill(workbook, sheet):
        sheet.title = "集計"
        sheet.append(["圏域", "件数"])
        sheet.append(["北部", 3])
        data = workbook.create_sheet("回答")
        data.append(HEADER)
        for row in _rows(3):
            data.append(row)

    return _workbook(directory, "summary_first.xlsx", fill)


def _merged_areas(directory: Path) -> Path:
    def fill(workbook, sheet):
        sheet.append(HEADER)
        for row in _rows(6):
            sheet.append([row[0], "北部" if int(row[0]) <= 3 else "南部", *row[2:]])
        sheet.merge_cells("B2:B4")
        sheet.merge_cells("B5:B7")

    return _workbook(directory, "merged.xlsx", fill)


def _workbook_named_csv(directory: Path) -> Path:
    path = write_survey(directory, _rows(4), name="real.xlsx")
    return path.rename(directory / "looks_like.csv")


def _large(count: int) -> Callable[[Path], Path]:
    return _write("large.csv", _csv(_rows(count)).encode("cp932"))


def _file_under_a_file(directory: Path) -> list[str]:
    (directory / "not_a_folder").write_text("x", encoding="utf-8")
    return ["--rejects", str(directory / "not_a_folder" / "rejects.csv")]


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    status: int
    rows: int | None = None  # data rows in the file, when it is read
    says: tuple[str, ...] = ()  # what the message or the output must contain
    options: Callable[[Path], list[str]] | None = None
    config: bool = True


CASES = [
    Case("empty", _write("empty.csv", b""), 2, says=("ファイルが空",)),
    Case("blank lines only", _write("blank.csv", b"\r\n \r\n\r\n"), 2, says=("ファイルが空",)),
    Case("header only", _write("header.csv", _csv([])), 2, says=("2行目", "データ行がありません")),
    Case("binary", _write("random.csv", bytes(range(256)) * 8), 2, says=("行目",)),
    Case(
        "png named csv",
        _write("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20),
        2,
        says=("行目",),
    ),
    Case(
        "NUL byte in a cell",
        _write("nul.csv", _csv(_rows(3)).replace("女性", "女\x00性", 1)),
        2,
        says=("2行目", "NUL"),
    ),
    Case("UTF-16 with BOM", _write("u16.csv", _csv(_rows(5)).encode("utf-16")), 0, rows=5),
    Case(
        "UTF-16 LE without BOM", _write("u16le.csv", _csv(_rows(5)).encode("utf-16-le")), 0, rows=5
    ),
    Case(
        "UTF-16 LE without BOM, long Japanese answers",
        _write(
            "u16long.csv",
            _csv(_rows(40, "バスが少なくて病院に行けないので困っています。" * 4)).encode(
                "utf-16-le"
            ),
        ),
        0,
        rows=40,
    ),
    Case(
        "UTF-16 BE without BOM", _write("u16be.csv", _csv(_rows(5)).encode("utf-16-be")), 0, rows=5
    ),
    Case("CP932", _write("sjis.csv", _csv(_rows(5, "髙橋さん宅の①番")).encode("cp932")), 0, rows=5),
    Case(
        "undecodable byte",
        _write("bad.csv", _csv(_rows(3)).encode("utf-8")[:-10] + b"\xff\xfe\r\n"),
        2,
        says=("4行目", "文字コード"),
    ),
    Case(
        "unclosed quote in the fifth answer of twenty",
        _write(
            "quote20.csv", _twenty_rows_with(5, '5,南部,75-79歳,女性,一人暮らし,"病院に行けない')
        ),
        0,
        rows=20,
        says=("6行目",),
    ),
    Case(
        "unclosed quote in the last row",
        _write(
            "quote_last.csv", _twenty_rows_with(20, '20,南部,75-79歳,女性,一人暮らし,"最後の回答')
        ),
        0,
        rows=20,
        says=("21行目",),
    ),
    Case(
        "unclosed quote that cannot be re-read",
        _write(
            "quote_bad.csv",
            _twenty_rows_with(5, '5,南部,"75,79歳",女性,一人暮らし,"病院に行けない'),
        ),
        2,
        says=("6行目", "「自由記述」列", "引用符"),
    ),
    Case(
        "stray quote inside an unquoted cell",
        _write("stray.csv", _twenty_rows_with(3, '3,北部,75-79歳,女性,一人暮らし,バスが"少ない')),
        0,
        rows=20,
    ),
    Case(
        "text after a closing quote",
        _write(
            "after_quote.csv", _twenty_rows_with(3, '3,北部,75-79歳,女性,一人暮らし,"バス"が少ない')
        ),
        0,
        rows=20,
        says=("4行目",),
    ),
    Case(
        "unclosed quote in the header",
        _write("quote_header.csv", '回答者ID,"圏域,年齢区分\r\n1,北部,75歳\r\n'),
        2,
        says=("1行目", "引用符"),
    ),
    *(
        Case(
            f"line separator U+{ord(char):04X} in a cell",
            _write(f"sep{ord(char):x}.csv", _separator_in_cell(char)),
            0,
            rows=5,
        )
        for char in "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"
    ),
    Case("CR-only line endings", _write("cr.csv", _csv(_rows(6)).replace("\r\n", "\r")), 0, rows=6),
    Case(
        "mixed line endings",
        _write("mixed.csv", "\n".join(_csv(_rows(6)).split("\r\n", 3)).replace("\r\n", "\r", 1)),
        0,
        rows=6,
    ),
    Case(
        "quoted multi-line answer",
        _write(
            "multiline.csv",
            _csv([*_rows(2), ["3", "北部", "", "", "", "一行目\r\n二行目\r\n三行目"]]),
        ),
        0,
        rows=3,
    ),
    Case("100,000-character answer", _write("long.csv", _csv(_rows(3, "あ" * 100_000))), 0, rows=3),
    Case(
        "200,000-character answer",
        _write("longer.csv", _csv(_rows(2, "い" * 200_000))),
        0,
        rows=2,
    ),
    Case("30,000 rows", _large(30_000), 0, rows=30_000),
    Case(
        "row with an extra field and a short row",
        _write("shape.csv", _csv(_rows(4)) + "5,北部,,,,答え,余分\r\n6,南部,,\r\n"),
        0,
        rows=6,
    ),
    Case(
        "blank and duplicate rows",
        _write("dups.csv", _csv([*_rows(3), [""] * 6, _rows(1)[0]])),
        0,
        rows=5,
    ),
    Case(
        "formula-looking answers",
        _write("formula.csv", _csv(_rows(3, '=HYPERLINK("x")'))),
        0,
        rows=3,
    ),
    Case(
        "two free-text columns",
        _write("two_text.csv", _csv([[*row, "意見"] for row in _rows(3)], [*HEADER, "ご意見"])),
        2,
        says=("「自由記述」", "「ご意見」", "1行目"),
    ),
    Case("uncached formula in a workbook", _uncached_formula, 2, says=("セル F3", "回答", "3行目")),
    Case("columns on another sheet", _other_sheet, 2, says=("「表紙」", "「回答データ」", "1行目")),
    Case(
        "columns on a sheet after a summary sheet",
        _summary_sheet_first,
        2,
        says=("「集計」", "シート「回答」にあります", "1行目"),
    ),
    Case("merged 圏域 cells", _merged_areas, 0, rows=6, says=("B2:B4", "B5:B7")),
    Case("workbook named .csv", _workbook_named_csv, 0, rows=4, says=("Excel",)),
    Case("CSV named .xlsx", _write("text.xlsx", _csv(_rows(4))), 0, rows=4, says=("CSV として",)),
    Case(
        "old .xls bytes named .xlsx",
        _write("old.xlsx", codecs.decode("d0cf11e0a1b11ae1", "hex") + b"\x00" * 512),
        2,
        says=(".xls",),
    ),
    Case("missing file", lambda d: d / "no_such.csv", 2, says=("見つかりません",)),
    Case("a folder as the survey", lambda d: d, 2, says=("フォルダ",)),
    Case(
        "rejects under a file",
        _write("ok.csv", _csv([*_rows(2), [""] * 6])),
        2,
        options=_file_under_a_file,
        says=("--rejects", "not_a_folder はファイルです"),
    ),
    Case(
        "rejects folder missing",
        _write("ok2.csv", _csv(_rows(2))),
        2,
        options=lambda d: ["--rejects", str(d / "missing" / "r.csv")],
        says=("--rejects", "missing"),
    ),
    Case(
        "survey without --config",
        _write("ok3.csv", _csv(_rows(2))),
        2,
        config=False,
        says=("--config",),
    ),
]


def _counts(output: str) -> tuple[int, int, int]:
    def number(label: str) -> int:
        return int(re.search(rf"{label}: ([\d,]+)", output).group(1).replace(",", ""))

    return number("読み込んだ行"), number("受け付けた行"), number("除外した行")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(case: Case, town_dir: Path, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "inputs"
    folder.mkdir()
    path = case.build(folder)
    args = ["check", str(path)]
    if case.config:
        args += ["--config", str(town_dir / "config.toml")]
    args += case.options(tmp_path) if case.options else ["--rejects", str(tmp_path / "rejects.csv")]

    status = main(args)

    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert status == case.status, output
    assert "Traceback" not in output
    for text in case.says:
        assert text in output, output
    if status == 2:
        message = captured.err.strip()
        assert message.startswith("エラー: ") and "\n" not in message
        if case.config and not case.options:
            assert path.name in message or str(path) in message
    else:
        read, accepted, rejected = _counts(captured.out)
        assert read == accepted + rejected == case.rows


CSV_PIECES = st.sampled_from(
    [",", '"', '""', "\r\n", "\n", "\r", "\u2028", "\x0b", " ", "1", "北部", "答え", 'a"b', "\t"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CSV_PIECES, max_size=60))
def test_any_text_is_read_or_refused_in_one_sentence(tmp_path_factory, pieces):
    path = tmp_path_factory.mktemp("fuzz") / "survey.csv"
    path.write_text("回答者ID,圏域,自由記述\r\n" + "".join(pieces), encoding="utf-8")
    try:
        table = read_table(path)
    except InputError as error:
        assert str(error).startswith(str(path))
        return
    data_lines = len(table.rows) + table.continuation_lines
    assert table.physical_lines is not None and 1 + data_lines <= table.physical_lines
    assert all(len(row.cells) == len(table.header) or row.problem for row in table.rows)
