"""The check sheet: drawn with known probabilities, filled and re-saved as Excel would,
read back with its keys and probabilities checked; every bad sheet is one sentence, exit 2."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_survey
from openpyxl import load_workbook

from needs_analysis.config.load import load_config
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.errors import InputError, NeedsAnalysisError
from needs_analysis.ingest.survey import load_survey
from needs_analysis.review.check_draw import draw_check_rows
from needs_analysis.review.check_match import match_checks, with_checks
from needs_analysis.review.check_read import is_check_sheet, read_check_sheet
from needs_analysis.review.check_sheet import (
    CHECK_SHEET,
    DRAW_SHEET,
    answer_keys,
    check_headers,
    write_check_sheet,
)
from needs_analysis.review.corrections import SheetErrors
from needs_analysis.review.sheet import sheet_headers
from needs_analysis.text.normalize import normalize_text

TAXONOMY = load_taxonomy()
YEAR = 2025
CONFIG = """
[municipality]
name = "テスト町"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[[areas]]
name = "北部"
population_65 = 800

[[areas]]
name = "中央"
population_65 = 900

[[areas]]
name = "南部"
population_65 = 700
"""
HEADER = ["回答者ID", "圏域", "自由記述"]
TEXTS = [
    "バスが少なくて病院に行けない",
    "ゴミ出しが大変です。",
    "特になし",
    "一人暮らしで話し相手がいない",
    "弁当を届けてほしい",
    "買い物に行く店が遠い",
    "特になし",  # the same text twice in an area: two answers, two keys
]
SIZES = {"北部": 30, "中央": 45, "南部": 12}


def survey_rows() -> list[list[str]]:
    rows, number = [], 0
    for area, size in SIZES.items():
        for i in range(size):
            number += 1
            rows.append([f"R{number:04d}", area, TEXTS[i % len(TEXTS)]])
            if i % 5 == 0:
                number += 1
                rows.append([f"R{number:04d}", area, ""])  # no answer: never drawn
    return rows


def truth(text: str) -> tuple[str, ...]:
    """The labels a coordinator gives (a fixed rule, so that tests know them)."""
    found = {
        "バス": "移動支援",
        "ゴミ": "ゴミ出し",
        "話し相手": "居場所",
        "弁当": "配食",
        "買い物": "買い物支援",
    }
    return tuple(label for word, label in found.items() if word in text)


@pytest.fixture
def town(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    write_survey(tmp_path, survey_rows(), header=HEADER)
    return tmp_path


@pytest.fixture
def responses(town: Path) -> pd.DataFrame:
    return load_survey(load_config(town / "config.toml"), YEAR).responses


def draw(responses: pd.DataFrame, path: Path, size: int = 24, seed: int = 5):
    answers = responses[responses["text"].fillna("").map(normalize_text) != ""]
    rows, areas = draw_check_rows(answers, YEAR, size, seed, lambda text: text)
    write_check_sheet(path, rows, TAXONOMY, "テスト町", YEAR, str(seed))
    return rows, areas


def fill(path: Path, reorder: bool = True, leave: int = 0) -> dict[str, tuple[str, ...]]:
    """Mark every row by :func:`truth` as a coordinator would in Excel, sort the rows by
    the answer (Excel's sort moves whole rows) and save; ``leave`` rows stay unmarked."""
    book = load_workbook(path)
    sheet = book[CHECK_SHEET]
    headers = [cell.value for cell in sheet[1]]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    marked = {}
    for row in rows[leave:]:
        labels = truth(row[1])
        marked[row[0]] = labels
        for label in labels or (TAXONOMY.other,):
            row[headers.index(label)] = "○"
    if reorder:
        rows.sort(key=lambda row: (row[1], row[0]), reverse=True)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column).value = value
    book.save(path)
    return marked


def edit(path: Path, sheet_name: str, cell: str, value: object) -> None:
    book = load_workbook(path)
    book[sheet_name][cell] = value
    book.save(path)


def test_the_sheet_has_the_review_sheets_columns_and_no_respondent(responses, tmp_path):
    path = tmp_path / "check.xlsx"
    rows, _ = draw(responses, path)
    book = load_workbook(path)
    assert book.sheetnames == ["説明", CHECK_SHEET, DRAW_SHEET]
    assert book[DRAW_SHEET].sheet_state == "hidden"
    headers = [cell.value for cell in book[CHECK_SHEET][1]]
    assert headers == check_headers(TAXONOMY)
    assert set(headers) - {"メモ"} <= set(sheet_headers(TAXONOMY))  # the review sheet's names
    cells = {str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row if c.value}
    assert not any(cell.startswith("R0") for cell in cells)  # no respondent ID anywhere
    keys = [row[0] for row in book[CHECK_SHEET].iter_rows(min_row=2, values_only=True)]
    assert keys == sorted(keys) and set(keys) == {row.key for row in rows}
    assert is_check_sheet(path)


def test_round_trip_keeps_keys_and_probabilities_and_finds_the_answers(responses, tmp_path):
    path = tmp_path / "check.xlsx"
    rows, areas = draw(responses, path)
    marked = fill(path)
    sheet = read_check_sheet(path, TAXONOMY)
    assert sheet.fiscal_year == YEAR and sheet.seed == "5" and not sheet.unfilled
    drawn = {row.key: row.inclusion_prob for row in rows}
    read = {a.key: a.inclusion_prob for a in sheet.answers}
    assert read.keys() == drawn.keys()
    # xlsx keeps 15–17 significant digits: the same probability, to the last digit or so
    assert all(math.isclose(read[key], p, rel_tol=1e-14) for key, p in drawn.items())
    assert {a.key: a.labels for a in sheet.answers} == marked
    # Each area's probability is its checks over its answers with text.
    written = responses[responses["text"].fillna("") != ""]
    for area in SIZES:
        taken = areas.count(area)
        expected = taken / int((written["area"] == area).sum())
        assert all(
            math.isclose(p, expected)
            for key, p in drawn.items()
            if key in keys_of(rows, areas, area)
        )
    matched = match_checks(sheet, responses, YEAR)
    for index, labels, key in zip(matched.index, matched.labels, matched.keys, strict=True):
        assert truth(responses.at[index, "text"]) == labels == marked[key]
    checked = with_checks(responses, matched)
    assert checked["checked_categories"].notna().sum() == len(rows)
    assert checked["inclusion_prob"].notna().sum() == len(rows)


def keys_of(rows, areas, area):
    return {row.key for row, where in zip(rows, areas, strict=True) if where == area}


def test_keys_name_answers_not_respondents():
    keys = answer_keys(
        ["北部", "北部", "南部", "北部"], ["特になし", "特になし", "特になし", ""], YEAR
    )
    assert len(set(keys[:3])) == 3 and keys[3] == ""
    # The same answers in another order keep their keys as long as each text's order in
    # its area does; another year gives other keys.
    assert answer_keys(["南部", "北部"], ["特になし", "特になし"], YEAR) == [keys[2], keys[0]]
    assert answer_keys(["北部"], ["特になし"], 2024) != [keys[0]]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: edit(p, CHECK_SHEET, "A2", "C0000000000"), "一致しません"),
        (lambda p: edit(p, DRAW_SHEET, "B2", 0.5), "照合値"),
        (lambda p: edit(p, DRAW_SHEET, "A3", "C0000000001"), "照合値"),
        (lambda p: edit(p, DRAW_SHEET, "B2", "半分"), "0より大きく1以下の数ではありません"),
        (lambda p: edit(p, "説明", "B5", "0123456789abcdef"), "照合値"),
        (lambda p: edit(p, CHECK_SHEET, "C2", "×"), "は使えません"),
        (lambda p: edit(p, CHECK_SHEET, "A3", None), "列が空です"),
        (lambda p: delete_row(p, 4), "行がありません"),
        (lambda p: add_row(p), "一致しません"),
        (lambda p: rename_header(p), "列がありません"),
        (lambda p: drop_sheet(p, DRAW_SHEET), "シートがありません"),
        (lambda p: p.write_bytes("キー,回答\n".encode()), "Excel（.xlsx）のファイルではありません"),
    ],
)
def test_a_bad_sheet_is_refused_with_one_sentence(responses, tmp_path, change, expected):
    path = tmp_path / "check.xlsx"
    draw(responses, path)
    fill(path, reorder=False)
    change(path)
    with pytest.raises(NeedsAnalysisError, match=expected) as raised:
        read_check_sheet(path, TAXONOMY)
    assert str(path) in str(raised.value)


def test_other_with_a_category_is_refused(responses, tmp_path):
    path = tmp_path / "check.xlsx"
    draw(responses, path)
    fill(path, reorder=False)
    book = load_workbook(path)
    sheet = book[CHECK_SHEET]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("配食") + 1).value = "○"
    sheet.cell(row=2, column=headers.index(TAXONOMY.other) + 1).value = "○"
    book.save(path)
    with pytest.raises(SheetErrors, match="2行目: 「その他」とほかの分類"):
        read_check_sheet(path, TAXONOMY)


def delete_row(path: Path, number: int) -> None:
    book = load_workbook(path)
    book[CHECK_SHEET].delete_rows(number)
    book.save(path)


def add_row(path: Path) -> None:
    book = load_workbook(path)
    sheet = book[CHECK_SHEET]
    sheet.append(["Cfffffffffff", "足した行", *["○"] * (len(TAXONOMY.labels))])
    book.save(path)


def rename_header(path: Path) -> None:
    edit(path, CHECK_SHEET, "C1", "移動")


def drop_sheet(path: Path, name: str) -> None:
    book = load_workbook(path)
    del book[name]
    book.save(path)


def test_unfilled_rows_other_years_and_changed_surveys_are_refused(responses, tmp_path):
    path = tmp_path / "check.xlsx"
    rows, areas = draw(responses, path)
    fill(path, reorder=False, leave=2)
    sheet = read_check_sheet(path, TAXONOMY)  # a half-filled sheet reads (train skips rows)
    assert len(sheet.unfilled) == 2
    with pytest.raises(InputError, match="○ のない行が2件あります"):
        match_checks(sheet, responses, YEAR)
    fill(path, reorder=False)
    sheet = read_check_sheet(path, TAXONOMY)
    with pytest.raises(InputError, match="2025年度の回答から選んだもの"):
        match_checks(sheet, responses, 2024)
    # A drawn answer rewritten in the survey (with the answers of the same text in its
    # area, which the key cannot tell apart): its key names nothing any more.
    keys = answer_keys(responses["area"], responses["text"].fillna(""), YEAR)
    drawn = responses.iloc[keys.index(rows[0].key)]
    same = (responses["area"] == drawn["area"]) & (responses["text"] == drawn["text"])
    changed = responses.copy()
    changed.loc[same, "text"] = "書き換えた回答"
    with pytest.raises(SheetErrors, match="どの回答とも一致しません"):
        match_checks(sheet, changed, YEAR)
    # One more answer in an area: its probabilities no longer fit the survey.
    extra = pd.DataFrame([{**responses.iloc[0].to_dict(), "text": "追加の回答", "area": areas[0]}])
    grown = pd.concat([responses, extra], ignore_index=True)
    with pytest.raises(SheetErrors, match="抽出確率"):
        match_checks(sheet, grown, YEAR)


def test_run_with_a_bad_sheet_exits_2_with_one_sentence(town, responses, run_main):
    path = town / "check.xlsx"
    draw(responses, path)
    fill(path)
    edit(path, DRAW_SHEET, "B3", 0.9)
    result = run_main("run", "--config", str(town / "config.toml"), "--check", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("エラー: ") and "Traceback" not in result.stderr
    assert str(path) in result.stderr and "照合値" in result.stderr
    # No report folder and no staging folder: at most the lock file beside them.
    reports = town / "reports"
    assert not reports.exists() or all(p.name.endswith(".lock") for p in reports.iterdir())


def test_review_sample_refuses_to_overwrite_a_sheet(town, run_main):
    out = town / "reports"
    (out / "2025").mkdir(parents=True)
    (out / "2025" / "check_2025.xlsx").write_bytes(b"filled by hand")
    result = run_main(
        "review", "--config", str(town / "config.toml"), "--sample", "20", "--out", str(out)
    )
    assert result.returncode == 2 and "すでにあります" in result.stderr
    assert (out / "2025" / "check_2025.xlsx").read_bytes() == b"filled by hand"


def test_the_config_names_a_check_sheet_for_its_year(town, responses):
    from needs_analysis.errors import ConfigError
    from needs_analysis.review.check_match import checks_for_run

    config_path = town / "config.toml"
    path = town / "check_2025.xlsx"
    draw(responses, path)
    fill(path)
    config_path.write_text(CONFIG + '\n[check]\nfile = "check_2025.xlsx"\n', encoding="utf-8")
    config = load_config(config_path)
    assert config.check_file == path.resolve()
    notes: list[str] = []
    matched, sheet = checks_for_run(config, YEAR, responses, None, notes.append)
    assert len(matched.index) == 24 and sheet.path == path.resolve() and not notes
    # Another year's run leaves the config's sheet out, and says so.
    assert checks_for_run(config, 2024, responses, None, notes.append) is None
    assert "2025年度のもの" in notes[0]
    # Named on the command line, a sheet of another year is an error.
    with pytest.raises(InputError, match="2025年度の回答から選んだもの"):
        checks_for_run(config, 2024, responses, path, notes.append)
    for table, key in (('file = "nothing.xlsx"', "check.file"), ('sheet = "x"', "check.sheet")):
        config_path.write_text(CONFIG + f"\n[check]\n{table}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            load_config(config_path)


def test_review_sample_asks_for_enough_answers_before_classifying(town, run_main):
    config = str(town / "config.toml")
    out = str(town / "reports")
    result = run_main("review", "--config", config, "--sample", "14", "--out", out)
    assert result.returncode == 2 and "--sample は15以上にしてください" in result.stderr
    result = run_main("review", "--config", config, "--sample", "500", "--out", out)
    assert result.returncode == 2 and "自由記述のある回答は87件です" in result.stderr
    result = run_main("review", "--config", config, "--sample", "20", "--half-width", "0")
    assert result.returncode == 2 and "--half-width" in result.stderr
    assert not (town / "reports").exists()
