"""Reading a filled review sheet back, checking every row, and keeping the corrections.

Nothing is applied unless every row is valid: each bad row gets one sentence naming its row
and column, and all of them are reported together. Valid corrections are kept as labelled
answers (masked text, the bundled files' ``text`` / ``categories`` columns plus the text's
``key``) in ``labeled/corrections_<年度>.tsv`` next to the config.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.classify.town_model import KEY_COLUMN, text_key
from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.errors import InputError, NeedsAnalysisError
from needs_analysis.outputs import escape_formula
from needs_analysis.review.sheet import (
    ACCEPTED_MARKS,
    CHECK_HEADER,
    INSTRUCTIONS_SHEET,
    KEY_HEADER,
    SHEET_NAME,
    TEXT_HEADER,
    YEAR_LABEL,
    sheet_headers,
)
from needs_analysis.text.normalize import normalize_text

LABEL_SEPARATOR = "|"


class SheetErrors(NeedsAnalysisError):
    """Several rows of a review (or check) sheet are wrong: one sentence per row, nothing
    applied."""

    def __init__(self, path: Path, problems: list[str], kind: str = "確認シート"):
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"{path}: {kind}に直すところが{len(problems)}件あります"
            f"（何も反映していません）。\n{listed}"
        )


@dataclass(frozen=True)
class Correction:
    """One corrected text: its key, masked text and the coordinator's categories."""

    key: str
    text: str
    labels: tuple[str, ...]
    row: int


@dataclass(frozen=True)
class FilledSheet:
    fiscal_year: int | None
    corrections: tuple[Correction, ...]
    skipped: int


def read_review_sheet(path: Path | str, taxonomy: Taxonomy) -> FilledSheet:
    """The corrections of a filled review sheet; raises unless every row is valid."""
    path = Path(path)
    rows, year = _sheet_rows(path)
    headers = [normalize_text(cell_text(h)) for h in rows[0]] if rows else []
    expected = sheet_headers(taxonomy)
    missing = [h for h in expected if normalize_text(h) not in headers]
    if missing:
        raise InputError(
            path,
            f"「{SHEET_NAME}」シートに「{missing[0]}」列がありません。"
            "列を消したり名前を変えたりせず、配布したシートのまま記入してください。",
            row=1,
        )
    at = {h: headers.index(normalize_text(h)) for h in expected}
    marks_for = (*taxonomy.labels, taxonomy.other)
    problems: list[str] = []
    corrections: list[Correction] = []
    seen: dict[str, int] = {}
    skipped = 0
    for number, values in enumerate(rows[1:], start=2):
        cells = [cell_text(values[i]) if i < len(values) else "" for i in range(len(headers))]
        if not any(cells):
            continue
        key = cells[at[KEY_HEADER]]
        chosen, bad = [], []
        for label in (*marks_for, CHECK_HEADER):
            mark = normalize_text(cells[at[label]])
            if mark and mark not in ACCEPTED_MARKS:
                bad.append(f"「{label}」列の「{cells[at[label]]}」")
            elif mark and label != CHECK_HEADER:
                chosen.append(label)
        where = f"{number}行目"
        if bad:
            problems.append(f"{where}: {'、'.join(bad)}は使えません（○ か空欄にしてください）。")
            continue
        if not key:
            problems.append(f"{where}: 「{KEY_HEADER}」列が空です（キーは消さないでください）。")
            continue
        if key in seen:
            problems.append(f"{where}: キー「{key}」の行が{seen[key]}行目にもあります。")
            continue
        seen[key] = number
        if normalize_text(cells[at[CHECK_HEADER]]) or not chosen:
            skipped += 1
            continue
        if taxonomy.other in chosen and len(chosen) > 1:
            problems.append(
                f"{where}: 「{taxonomy.other}」とほかの分類（"
                f"{'・'.join(c for c in chosen if c != taxonomy.other)}）の両方に ○ があります。"
            )
            continue
        labels = tuple(label for label in taxonomy.labels if label in chosen)
        corrections.append(Correction(key, cells[at[TEXT_HEADER]], labels, number))
    if problems:
        raise SheetErrors(path, problems)
    return FilledSheet(year, tuple(corrections), skipped)


def check_keys(
    path: Path, sheet: FilledSheet, texts: list[str], fiscal_year: int
) -> dict[str, str]:
    """Every corrected key must still name an answer of the year's survey.

    Returns each key's answer as written in the survey.
    """
    known = {text_key(t): t for t in texts if normalize_text(t)}
    problems = [
        f"{c.row}行目: キー「{c.key}」は{fiscal_year}年度の調査のどの回答とも一致しません"
        "（キーを書き換えたか、調査ファイルが変わっています）。"
        for c in sheet.corrections
        if c.key not in known
    ]
    if problems:
        raise SheetErrors(path, problems)
    return known


def _sheet_rows(path: Path) -> tuple[list[tuple], int | None]:
    """The review sheet's rows as read by openpyxl, and the fiscal year it was made for."""
    from openpyxl import load_workbook

    if not path.is_file():
        raise InputError(path, "ファイルが見つかりません。パスを確認してください。")
    if path.read_bytes()[:4] != b"PK\x03\x04":
        raise InputError(
            path,
            "Excel（.xlsx）のファイルではありません。CSV などに保存し直さず、"
            "配布した確認シートを Excel のまま保存して指定してください。",
        )
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise InputError(path, "Excel ファイル（.xlsx）として読めません。") from None
    try:
        if SHEET_NAME not in book.sheetnames:
            raise InputError(
                path,
                f"「{SHEET_NAME}」シートがありません（あるシート: {'、'.join(book.sheetnames)}）。"
                "needs-analysis review が書いた確認シートを指定してください。",
            )
        rows = list(book[SHEET_NAME].iter_rows(values_only=True))
        year = None
        if INSTRUCTIONS_SHEET in book.sheetnames:
            for values in book[INSTRUCTIONS_SHEET].iter_rows(values_only=True, max_row=5):
                if values and values[0] == YEAR_LABEL and len(values) > 1:
                    year = int(str(values[1])) if str(values[1]).isdigit() else None
    finally:
        book.close()
    return rows, year


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def save_corrections(
    path: Path, corrections: tuple[Correction, ...], masked: dict[str, str], other: str
) -> int:
    """Merge corrections into the year's file (a later correction of a key wins).

    ``masked`` gives each key's masked answer (taken from the survey, not from the sheet,
    so an edited text cell changes nothing). Returns how many texts the file holds.
    """
    records: dict[str, tuple[str, str]] = {}
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                records[row[KEY_COLUMN]] = (row["text"], row["categories"])
    for c in corrections:
        records[c.key] = (masked[c.key], LABEL_SEPARATOR.join(c.labels) or other)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["text", "categories", KEY_COLUMN])
        for key, (text, labels) in records.items():
            writer.writerow([escape_formula(" ".join(text.split())), labels, key])
    partial.replace(path)
    return len(records)
