"""Reading survey exports: every encoding and format, every bad input, every row counted."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import HEADER, ROWS, csv_text, write_survey

from needs_analysis.errors import InputError
from needs_analysis.ingest.intake import REJECT_DUPLICATE_ID, REJECT_NO_AREA, REJECT_UNKNOWN_AREA
from needs_analysis.ingest.raw_table import REJECT_BAD_SHAPE, REJECT_BLANK, read_table
from needs_analysis.ingest.survey import SurveyData, load_survey
from needs_analysis.outputs import write_csv


def assert_accounted(data: SurveyData, rows_in_file: int) -> None:
    summary = data.summary
    assert summary.rows_read == rows_in_file
    assert summary.accepted + summary.rejected == rows_in_file
    assert len(data.responses) == summary.accepted
    assert len(data.rejects) == summary.rejected


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8（BOM付き）"), ("cp932", "Shift_JIS（CP932）")],
)
def test_csv_encodings_are_detected(town_dir, town_config, encoding, label):
    write_survey(town_dir, ROWS, encoding=encoding)
    data = load_survey(town_config)
    assert data.summary.encoding_label == label
    assert_accounted(data, 4)
    assert data.responses["text"].tolist() == [row[5] for row in ROWS]
    assert data.responses.columns[0] == "respondent_id"


def test_encoding_override_is_used(town_dir, town_config):
    write_survey(town_dir, ROWS, encoding="cp932")
    with pytest.raises(InputError, match="文字コード"):
        load_survey(town_config, encoding="utf-8")
    assert load_survey(town_config, encoding="sjis").summary.accepted == 4


def test_xlsx_first_sheet_and_named_sheet(town_dir, town_config):
    path = write_survey(town_dir, ROWS, name="survey.xlsx")
    data = load_survey(town_config, path=path)
    assert_accounted(data, 4)
    # Integer ids stored as numbers come back without a decimal point.
    assert data.responses["respondent_id"].tolist() == ["1", "2", "3", "4"]
    assert data.responses["source_row"].tolist() == [2, 3, 4, 5]
    assert load_survey(town_config, path=path, sheet="回答").summary.accepted == 4
    with pytest.raises(InputError, match="シート「集計」がありません"):
        load_survey(town_config, path=path, sheet="集計")


def test_xlsx_without_formulas_is_read_once(town_dir, town_config, monkeypatch):
    """A sheet with empty cells but no formula is not read a second time for formulas."""
    from needs_analysis.ingest import xlsx

    rows = [list(row) for row in ROWS]
    rows[1][5] = ""  # an empty answer: the cell openpyxl reads as None
    path = write_survey(town_dir, rows, name="survey.xlsx")
    opened = []
    real_open = xlsx._open

    def counting(path, *, data_only, read_only):
        opened.append(data_only)
        return real_open(path, data_only=data_only, read_only=read_only)

    monkeypatch.setattr(xlsx, "_open", counting)
    assert load_survey(town_config, path=path).summary.accepted == 4
    assert opened and all(opened)  # values only: never the formulas
    assert not xlsx.sheet_has_formulas(path, "回答")


def _package(folder: Path, sheet_xml: str, name: str = "sheet.xlsx") -> Path:
    """The smallest workbook package a reader finds a sheet in: its relationships, the
    workbook naming one sheet 回答, and that sheet's XML."""
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="回答" sheetId="1" r:id="rId7"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId7" Type="{rel}/worksheet" Target="worksheets/data.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/data.xml": sheet_xml,
    }
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        for part, text in parts.items():
            archive.writestr(part, text)
    return path


@pytest.mark.parametrize(
    ("cell", "has_formula"),
    [
        ('<c r="A1" t="s"><v>0</v></c>', False),
        ('<c r="A1"><f>SUM(B1:B3)</f><v>6</v></c>', True),
        ('<c r="A2"><f t="shared" si="0"/><v>6</v></c>', True),
        ('<x:c r="A1"><x:f>1+1</x:f></x:c>', True),
        ('<c r="A1" t="inlineStr"><is><t>&lt;f&gt; は数式ではない</t></is></c>', False),
    ],
)
def test_the_formula_scan_finds_a_formula_element_in_any_form(tmp_path, cell, has_formula):
    from needs_analysis.ingest.xlsx import sheet_has_formulas

    rule = '<conditionalFormatting><cfRule type="expression"><formula>A1&gt;0</formula></cfRule></conditionalFormatting>'
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{cell}</row></sheetData>{rule}</worksheet>'
    )
    path = _package(tmp_path, sheet)
    assert sheet_has_formulas(path, "回答") is has_formula


def test_the_formula_scan_sees_an_element_split_between_blocks(tmp_path, monkeypatch):
    from needs_analysis.ingest import xlsx

    sheet = (
        "<worksheet><sheetData>" + " " * 1000 + '<c r="A1"><f>1+1</f></c></sheetData></worksheet>'
    )
    path = _package(tmp_path, sheet)
    for block in (7, 64, 1023, 1024, 1025):
        monkeypatch.setattr(xlsx, "_SCAN_BLOCK", block)
        assert xlsx.sheet_has_formulas(path, "回答")


def test_a_workbook_whose_sheet_cannot_be_found_is_scanned_whole(tmp_path):
    from needs_analysis.ingest.xlsx import sheet_has_formulas

    path = _package(tmp_path, "<worksheet><sheetData><c><f>1</f></c></sheetData></worksheet>")
    assert sheet_has_formulas(path, "ほかの名前")  # every worksheet of the package scanned
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    assert sheet_has_formulas(tmp_path / "broken.xlsx", "回答")  # cannot tell: look closer


def test_tsv_is_read(town_dir, town_config):
    path = write_survey(town_dir, ROWS, name="survey.tsv")
    assert_accounted(load_survey(town_config, path=path), 4)


def test_a_title_above_the_header_is_skipped_and_said(town_dir, town_config):
    # A vendor export: a title line and an empty line above the header.
    title = "令和7年度 高齢者の生活支援ニーズ調査 集計結果（出力日 2025/10/01）\r\n\r\n"
    path = town_dir / "survey.csv"
    path.write_bytes((title + csv_text(ROWS)).encode("cp932"))
    data = load_survey(town_config)
    assert_accounted(data, 4)
    assert data.responses["source_row"].tolist() == [4, 5, 6, 7]
    assert data.responses["text"].tolist() == [row[5] for row in ROWS]
    assert any("表の見出しが 3 行目にあるようです" in note for note in data.summary.notes)


def test_a_title_above_the_header_of_a_workbook(town_dir, town_config):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ニーズ調査 回答一覧"])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    path = town_dir / "survey.xlsx"
    workbook.save(path)
    data = load_survey(town_config, path=path)
    assert_accounted(data, 4)
    assert data.responses["source_row"].tolist() == [3, 4, 5, 6]
    assert any("表の見出しが 2 行目にあるようです" in note for note in data.summary.notes)


def test_a_header_not_found_in_the_first_rows_is_still_an_error(town_dir, town_config):
    title = "".join(f"メモ{i}\r\n" for i in range(12))
    (town_dir / "survey.csv").write_bytes((title + csv_text(ROWS)).encode("utf-8"))
    with pytest.raises(InputError, match="列が見つかりません"):
        load_survey(town_config)


def test_missing_column_names_file_row_and_column(town_dir, town_config):
    header = [label for label in HEADER if label != "自由記述"]
    write_survey(town_dir, [row[:5] for row in ROWS], header=header)
    with pytest.raises(InputError) as raised:
        load_survey(town_config)
    message = str(raised.value)
    assert "survey.csv" in message
    assert "1行目" in message
    assert "「自由記述」列" in message
    assert "\n" not in message


def test_unknown_area_is_rejected_with_reason(town_dir, town_config):
    rows = [*ROWS, ["5", "東部", "", "", "", "買い物が不便"]]
    write_survey(town_dir, rows)
    data = load_survey(town_config)
    assert_accounted(data, 5)
    assert data.summary.rejected_by_reason == {REJECT_UNKNOWN_AREA: 1}
    reject = data.rejects.iloc[0]
    assert reject["source_row"] == 6
    assert "東部" in reject["detail"]
    assert reject["自由記述"] == "買い物が不便"


def test_alias_maps_to_the_area(town_dir, town_config):
    rows = [
        ["1", "北部地区", "", "", "", "a"],
        ["2", "北部 圏域", "", "", "", "b"],
        ["3", "中央圏域", "", "", "", ""],
    ]
    write_survey(town_dir, rows)
    data = load_survey(town_config)
    assert data.responses["area"].tolist() == ["北部", "北部", "中央"]


def test_area_derived_from_district_name_or_code(town_dir, town_config):
    header = ["No", "行政区", "ご意見"]
    rows = [
        ["1", "上町", "x"],
        ["2", "3", "y"],
        ["3", "０４", "z"],
        ["4", "山町", "w"],
        ["5", "", "v"],
    ]
    write_survey(town_dir, rows, name="old.csv", header=header, encoding="cp932")
    data = load_survey(town_config, 2022)
    assert_accounted(data, 5)
    assert data.responses["area"].tolist() == ["北部", "中央", "南部"]
    assert data.summary.rejected_by_reason == {REJECT_UNKNOWN_AREA: 1, REJECT_NO_AREA: 1}
    assert "山町" in data.rejects.iloc[0]["detail"]


def test_duplicate_id_keeps_the_first(town_dir, town_config):
    rows = [*ROWS, ["3", "中央", "", "", "", "二度目の回答"]]
    write_survey(town_dir, rows)
    data = load_survey(town_config)
    assert_accounted(data, 5)
    assert data.summary.rejected_by_reason == {REJECT_DUPLICATE_ID: 1}
    assert "4行目" in data.rejects.iloc[0]["detail"]
    assert "二度目の回答" not in data.responses["text"].tolist()


def test_empty_answer_is_accepted_not_rejected(town_dir, town_config):
    write_survey(town_dir, ROWS)
    data = load_survey(town_config)
    assert data.summary.accepted == 4
    assert data.summary.with_text == 3
    assert data.summary.respondents_by_area == {"北部": 2, "中央": 1, "南部": 1}
    assert data.summary.with_text_by_area == {"北部": 2, "中央": 0, "南部": 1}


def test_empty_file_is_an_error(town_dir, town_config):
    (town_dir / "survey.csv").write_bytes(b"")
    with pytest.raises(InputError, match="ファイルが空です"):
        load_survey(town_config)


def test_header_only_file_is_an_error(town_dir, town_config):
    write_survey(town_dir, [])
    with pytest.raises(InputError, match="データ行がありません") as raised:
        load_survey(town_config)
    assert "2行目" in str(raised.value)


def test_missing_file_is_an_error(town_config):
    with pytest.raises(InputError, match="ファイルが見つかりません"):
        load_survey(town_config)


def test_binary_file_is_not_a_table(town_dir, town_config):
    (town_dir / "survey.csv").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    )
    with pytest.raises(InputError):
        load_survey(town_config)


def test_broken_xlsx_is_an_error(town_dir, town_config):
    (town_dir / "survey.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="Excel"):
        load_survey(town_config, path=town_dir / "survey.xlsx")


def test_undecodable_bytes_name_row_and_column(town_dir, town_config):
    good = write_survey(town_dir, ROWS).read_bytes()
    lines = good.split(b"\r\n")
    lines[3] = lines[3].replace("ゴミ".encode(), b"\xff\xfe\xff")
    (town_dir / "survey.csv").write_bytes(b"\r\n".join(lines))
    with pytest.raises(InputError) as raised:
        load_survey(town_config)
    message = str(raised.value)
    assert "4行目" in message
    assert "「自由記述」列" in message


def test_formula_cell_is_read_verbatim_and_written_escaped(town_dir, town_config, tmp_path):
    rows = [
        ["1", "北部", "", "", "", '=HYPERLINK("http://example.com","x")'],
        ["2", "南部", "", "", "", "+81 と書いた"],
    ]
    write_survey(town_dir, rows)
    data = load_survey(town_config)
    assert data.responses["text"].iloc[0].startswith("=HYPERLINK")
    out = write_csv(data.responses, tmp_path / "out.csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        cells = [row["text"] for row in csv.DictReader(handle)]
    assert cells == ['\'=HYPERLINK("http://example.com","x")', "'+81 と書いた"]


def test_ten_thousand_character_answer(town_dir, town_config):
    long_text = "階段がつらくてゴミ出しが大変。" * 667
    assert len(long_text) > 10_000
    write_survey(town_dir, [["1", "北部", "", "", "", long_text]])
    data = load_survey(town_config)
    assert data.responses["text"].iloc[0] == long_text


def test_emoji_half_width_katakana_and_characters_outside_jis(town_dir, town_config):
    rows = [
        ["1", "北部", "", "", "", "ﾊﾞｽがない😢"],
        ["2", "中央", "", "", "", "10時〜12時①髙橋さんに"],
    ]
    write_survey(town_dir, rows)
    assert load_survey(town_config).responses["text"].tolist() == [rows[0][5], rows[1][5]]


def test_cp932_only_characters_read_from_shift_jis(town_dir, town_config):
    rows = [["1", "北部", "", "", "", "①髙橋さん～"]]
    write_survey(town_dir, rows, encoding="cp932")
    data = load_survey(town_config)
    assert data.summary.encoding_label == "Shift_JIS（CP932）"
    assert data.responses["text"].iloc[0] == "①髙橋さん～"


def test_row_with_extra_fields_and_blank_rows_are_rejected(town_dir, town_config):
    path = write_survey(town_dir, ROWS)
    text = path.read_text(encoding="utf-8")
    text += "5,南部,,,,答え,余分な値\r\n,,,,,\r\n6,中央,,,,最後\r\n\r\n"
    path.write_text(text, encoding="utf-8")
    data = load_survey(town_config)
    assert_accounted(data, 7)
    assert data.summary.rejected_by_reason == {REJECT_BAD_SHAPE: 1, REJECT_BLANK: 1}
    assert "余分な値" in data.rejects.iloc[0]["detail"]


def test_multiline_cell_keeps_its_row_number(town_dir, town_config):
    rows = [["1", "北部", "", "", "", "一行目\n二行目"], ["2", "南部", "", "", "", "次"]]
    write_survey(town_dir, rows)
    data = load_survey(town_config)
    assert data.responses["source_row"].tolist() == [2, 4]


def test_read_table_returns_header_and_rows(town_dir):
    path = write_survey(town_dir, ROWS)
    table = read_table(path)
    assert table.header == tuple(HEADER)
    assert [row.source_row for row in table.rows] == [2, 3, 4, 5]


def test_write_csv_does_not_mutate_its_input(tmp_path: Path):
    frame = pd.DataFrame({"text": ["=1+1"], "n": [3]})
    write_csv(frame, tmp_path / "x.csv")
    assert frame["text"].iloc[0] == "=1+1"


def test_resource_years_and_frequencies_in_japanese_forms(town_dir):
    (town_dir / "resources.csv").write_text(
        "資源名,種別,圏域,月あたり回数,開始年度\n"
        "A,ｻﾛﾝ,北部,月2回,令和6年度\nB,サロン,上町,週1回,2019年度\nC,サロン,南部,4,R元\n"
        "D,サロン,中央,,むかしから\n",
        encoding="utf-8",
    )
    text = (town_dir / "config.toml").read_text(encoding="utf-8")
    text += '\n[resources]\npath = "resources.csv"\n[resource_categories]\n"ｻﾛﾝ" = ["居場所"]\n'
    (town_dir / "config.toml").write_text(text, encoding="utf-8")
    from needs_analysis.config.load import load_config
    from needs_analysis.ingest.inventory import load_resources

    data = load_resources(load_config(town_dir / "config.toml"))
    assert data.resources["started"].tolist() == [2024, 2019, 2019]
    assert data.resources["per_month"].tolist() == [2.0, 4.3, 4.0]
    assert data.resources["area"].tolist() == ["北部", "北部", "南部"]  # 上町 is a 北部 district
    assert data.summary.rejected_by_reason == {"開始年度が読めない": 1}


def test_reading_input_does_not_load_the_tokenizer():
    # A fresh interpreter: the test session itself has long since imported MeCab.
    code = "import sys, needs_analysis.ingest.survey; print(sorted(m for m in sys.modules if 'fugashi' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_short_resource_row_is_rejected_for_its_shape(town_dir):
    (town_dir / "resources.csv").write_text(
        "資源名,種別,圏域,開始年度\nA,サロン,北部,2020\nB,サロン\n", encoding="utf-8"
    )
    text = (town_dir / "config.toml").read_text(encoding="utf-8")
    text += '\n[resources]\npath = "resources.csv"\n[resource_categories]\n"サロン" = ["居場所"]\n'
    (town_dir / "config.toml").write_text(text, encoding="utf-8")
    from needs_analysis.config.load import load_config
    from needs_analysis.ingest.inventory import load_resources

    data = load_resources(load_config(town_dir / "config.toml"))
    assert data.resources["name"].tolist() == ["A"]
    assert data.summary.rejected_by_reason == {REJECT_BAD_SHAPE: 1}
