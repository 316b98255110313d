"""The check sheet: answers drawn at random for a coordinator to label, and what the
estimator needs to correct the rates with them.

``needs-analysis review --sample N`` draws N answers with known inclusion probabilities
(:func:`needs_analysis.estimates.draw_checks`, stratified by 圏域) and writes them here:

- 説明 — what to do, the fiscal year, the seed of the draw and a digest of the draw;
- 点検 — the columns of the review sheet (キー, 回答（伏せ字）, one ○ column per category,
  その他) and メモ; masked text, no respondent ID, rows in key order (which says nothing
  about the survey's order), and not the model's labels (the coordinator labels blind);
- 抽出 (hidden) — each key with its inclusion probability.

An answer's key is a hash of the fiscal year, its 圏域, its normalised text and which
occurrence of that text in that 圏域 it is, so it names an answer without naming a
respondent, and :mod:`~needs_analysis.review.check_match` finds the answer again in the
survey. The digest covers the year, the seed, every key and every probability, so a
changed key or probability is found even without the survey
(:mod:`~needs_analysis.review.check_read`). Keys and probabilities are plain text and
numbers, which Excel keeps as they are.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.config.load import format_fiscal_year
from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.outputs import escape_formula
from needs_analysis.review.sheet import (
    INSTRUCTIONS_SHEET,
    KEY_HEADER,
    MARK,
    MEMO_HEADER,
    TEXT_HEADER,
)
from needs_analysis.text.normalize import normalize_text

CHECK_SHEET = "点検"
DRAW_SHEET = "抽出"
PROBABILITY_HEADER = "抽出確率"
YEAR_LABEL = "年度"
COUNT_LABEL = "点検する回答"
SEED_LABEL = "乱数の種"
DIGEST_LABEL = "照合値"
PLANTED_LABEL = "記入について"
PLANTED_NOTE = (
    "このシートはサンプルの町のために、仕込んだ正しい分類から自動で記入したものです"
    "（職員が記入したものではありません）。"
)
KEY_PREFIX = "C"
_KEY_LENGTH = 11


def check_headers(taxonomy: Taxonomy) -> list[str]:
    """The check sheet's columns, in order."""
    return [KEY_HEADER, TEXT_HEADER, *taxonomy.labels, taxonomy.other, MEMO_HEADER]


def answer_keys(areas: Iterable[object], texts: Iterable[object], fiscal_year: int) -> list[str]:
    """The opaque key of every answer ("" where nothing was written), in the given order.

    >>> a = answer_keys(["駅前", "駅前", "西原"], ["バスが少ない", "バスが少ない ", "バスが少ない"], 2025)
    >>> len(set(a)), a[0].startswith("C")
    (3, True)
    """
    seen: Counter[tuple[str, str]] = Counter()
    keys = []
    for area, text in zip(areas, texts, strict=True):
        normal = normalize_text("" if text is None else text)
        if not normal:
            keys.append("")
            continue
        seen[(str(area), normal)] += 1
        payload = (
            f"needs-analysis-check\n{fiscal_year}\n{area}\n{normal}\n{seen[(str(area), normal)]}"
        )
        keys.append(KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:_KEY_LENGTH])
    written = [key for key in keys if key]
    if len(set(written)) != len(written):  # 44 bits: never seen, but never silently wrong
        raise NeedsAnalysisError("回答のキーが重なりました。開発者に知らせてください。")
    return keys


def draw_digest(
    fiscal_year: int, seed: str, keys: Sequence[str], probabilities: Sequence[float]
) -> str:
    """A digest of the draw: the year, the seed and every key with its probability."""
    lines = sorted(f"{key}\t{float(p):.12g}" for key, p in zip(keys, probabilities, strict=True))
    payload = f"needs-analysis-check\n{fiscal_year}\n{seed}\n" + "\n".join(lines)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CheckRow:
    """One drawn answer: its key, masked text, inclusion probability and (only for the
    sample town's pre-filled sheet) the categories marked."""

    key: str
    text: str
    inclusion_prob: float
    marks: tuple[str, ...] | None = None


def instructions(
    taxonomy: Taxonomy, municipality: str, fiscal_year: int, rows: int, seed: str, digest: str
) -> list[list[str]]:
    """The 説明 sheet: the draw's record (read back) and what to do, in Japanese."""
    labels = "・".join(taxonomy.labels)
    return [
        [f"{municipality} {format_fiscal_year(fiscal_year)} 点検シート（割合の補正のための確認）"],
        [YEAR_LABEL, str(fiscal_year)],
        [COUNT_LABEL, str(rows)],
        [SEED_LABEL, seed],
        [DIGEST_LABEL, digest],
        [],
        ["このシート", "回答から無作為に選んだ回答です。機械の分類は載せていません。"],
        ["", "職員が読んだ結果で、資料の割合を補正します（補正した割合と95%区間）。"],
        [
            "つけ方",
            f"「{CHECK_SHEET}」シートで、当てはまる分類すべてに ○ をつけてください（{labels}）。",
        ],
        ["", "困りごとが2つあれば ○ を2つ。どれにも当たらない回答は「その他」だけに ○。"],
        [
            "",
            "すべての行に記入してください。選ばれた回答を全部読むことで、割合を正しく補正できます。",
        ],
        ["", "「メモ」は自由にお使いください（計算には使いません）。"],
        [
            "してはいけないこと",
            "キーの列・見出し・列の並びを変えない。行を足したり消したりしない。",
        ],
        ["", f"隠してある「{DRAW_SHEET}」シート（キーと抽出確率）を変えない。"],
        ["", "CSV に保存し直さず、この Excel のまま保存してください。並べ替えは構いません。"],
        ["使い方", "needs-analysis run --config 設定ファイル --check このファイル"],
        ["", "（設定ファイルの [check] の file にこのファイルを書いても同じです）"],
        [
            "学習にも使える",
            "needs-analysis train --corrections このファイル でモデルに学ばせることもできます。"
            "ただし学ばせたあとのモデルでは、このシートでの補正は正しくなくなるため使えません。"
            "補正には新しく review --sample で選んだ回答を確認してください。",
        ],
        ["個人情報", "回答は伏せ字です。回答者を特定できる情報は載せていません。"],
    ]


def check_row_values(row: CheckRow, taxonomy: Taxonomy) -> list[object]:
    """A 点検 row: key, masked text, the ○ columns (blank unless pre-filled), メモ."""
    columns = (*taxonomy.labels, taxonomy.other)
    if row.marks is None:
        marks = [""] * len(columns)
    else:
        chosen = set(row.marks) or {taxonomy.other}
        marks = [MARK if label in chosen else "" for label in columns]
    return [row.key, escape_formula(row.text), *marks, ""]


def write_check_sheet(
    path: Path,
    rows: Sequence[CheckRow],
    taxonomy: Taxonomy,
    municipality: str,
    fiscal_year: int,
    seed: str,
) -> Path:
    """The check workbook: 説明, 点検 (with ○ drop-downs) and the hidden 抽出 sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    ordered = sorted(rows, key=lambda row: row.key)
    keys = [row.key for row in ordered]
    digest = draw_digest(fiscal_year, seed, keys, [row.inclusion_prob for row in ordered])
    book = Workbook()
    info = book.active
    info.title = INSTRUCTIONS_SHEET
    for line in instructions(taxonomy, municipality, fiscal_year, len(ordered), seed, digest):
        info.append(line)
    if any(row.marks is not None for row in ordered):
        info.append([PLANTED_LABEL, PLANTED_NOTE])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 100
    info["A1"].font = Font(bold=True, size=13)
    _check_sheet(book.create_sheet(CHECK_SHEET), ordered, taxonomy)
    draw = book.create_sheet(DRAW_SHEET)
    draw.append([KEY_HEADER, PROBABILITY_HEADER])
    for row in ordered:
        draw.append([row.key, float(row.inclusion_prob)])
    draw.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _check_sheet(sheet, rows: Sequence[CheckRow], taxonomy: Taxonomy) -> None:
    """The 点検 sheet: headers, rows, ○ drop-downs and a shaded column per mark."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    headers = check_headers(taxonomy)
    sheet.append(headers)
    for row in rows:
        sheet.append(check_row_values(row, taxonomy))
    sheet.freeze_panes = "C2"
    first, last = 3, 3 + len(taxonomy.labels)  # the ○ columns, その他 included
    marks = DataValidation(
        type="list",
        formula1=f'"{MARK}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="入力できるのは ○ だけです",
        error="○ を選ぶか、空欄にしてください。",
    )
    sheet.add_data_validation(marks)
    marks.add(f"{get_column_letter(first)}2:{get_column_letter(last)}{max(2, len(rows) + 1)}")
    fill = PatternFill("solid", fgColor="FFF4CC")
    widths = {TEXT_HEADER: 64, MEMO_HEADER: 30, KEY_HEADER: 14}
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        width = widths.get(header, 2.2 * len(header) + 3)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number in range(2, len(rows) + 2):
        sheet.cell(row=number, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        for index in range(first, last + 1):
            sheet.cell(row=number, column=index).fill = fill
            sheet.cell(row=number, column=index).alignment = Alignment(horizontal="center")
