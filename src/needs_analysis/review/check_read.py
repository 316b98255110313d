"""Reading a filled check sheet back: every row, every key and every probability checked.

Nothing is used unless the whole sheet is valid: a bad mark, a key that is not in the
draw, a row added or removed, or a changed key or probability in the hidden draw sheet
(found by the digest on the 説明 sheet) each give one sentence naming the row, all
reported together, exit status 2. Whether the keys still name answers of the survey, and
whether the probabilities still fit its answers, is checked by
:mod:`~needs_analysis.review.check_match`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.errors import InputError
from needs_analysis.review.check_sheet import (
    CHECK_SHEET,
    DIGEST_LABEL,
    DRAW_SHEET,
    PLANTED_LABEL,
    PROBABILITY_HEADER,
    SEED_LABEL,
    YEAR_LABEL,
    check_headers,
    draw_digest,
)
from needs_analysis.review.corrections import SheetErrors, cell_text
from needs_analysis.review.sheet import ACCEPTED_MARKS, INSTRUCTIONS_SHEET, KEY_HEADER, TEXT_HEADER
from needs_analysis.text.normalize import normalize_text

KIND = "点検シート"


@dataclass(frozen=True)
class CheckedAnswer:
    """One row of the check sheet: ``labels`` are the categories marked (() for その他
    alone), None where nothing is marked yet."""

    key: str
    text: str
    labels: tuple[str, ...] | None
    inclusion_prob: float
    row: int


@dataclass(frozen=True)
class CheckSheet:
    """A check sheet as read: the draw's record and every drawn answer."""

    path: Path
    fiscal_year: int
    seed: str
    digest: str
    answers: tuple[CheckedAnswer, ...]
    planted: bool = False

    @property
    def unfilled(self) -> tuple[CheckedAnswer, ...]:
        return tuple(answer for answer in self.answers if answer.labels is None)


def is_check_sheet(path: Path | str) -> bool:
    """Whether a workbook is a check sheet (it has the draw sheet); False for anything else."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    try:
        data = path.read_bytes()
        if data[:4] != b"PK\x03\x04":
            return False
        book = load_workbook(io.BytesIO(data), read_only=True)  # by its bytes, not its name
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException):
        return False
    try:
        return DRAW_SHEET in book.sheetnames and CHECK_SHEET in book.sheetnames
    finally:
        book.close()


def read_check_sheet(path: Path | str, taxonomy: Taxonomy) -> CheckSheet:
    """The check sheet's answers; raises unless the sheet and its draw are intact."""
    path = Path(path)
    sheets = _sheets(path)
    record = _record(path, sheets[INSTRUCTIONS_SHEET])
    drawn = _drawn(path, sheets[DRAW_SHEET])
    digest = draw_digest(record["year"], record["seed"], list(drawn), list(drawn.values()))
    if digest != record["digest"]:
        raise InputError(
            path,
            f"隠してある「{DRAW_SHEET}」シートのキーか抽出確率が書き換えられています（照合値が"
            "合いません）。配布したときのシートに記入し直してください。",
        )
    answers = _answers(path, sheets[CHECK_SHEET], taxonomy, drawn)
    return CheckSheet(
        path, record["year"], record["seed"], digest, answers, bool(record.get("planted"))
    )


def _sheets(path: Path) -> dict[str, list[tuple]]:
    """The rows of the three sheets, as openpyxl reads them."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.is_file():
        raise InputError(path, "ファイルが見つかりません。パスを確認してください。")
    data = path.read_bytes()
    if data[:4] != b"PK\x03\x04":
        raise InputError(
            path,
            "Excel（.xlsx）のファイルではありません。CSV などに保存し直さず、"
            "配布した点検シートを Excel のまま保存して指定してください。",
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException):
        raise InputError(path, "Excel ファイル（.xlsx）として読めません。") from None
    try:
        missing = [
            name
            for name in (INSTRUCTIONS_SHEET, CHECK_SHEET, DRAW_SHEET)
            if name not in book.sheetnames
        ]
        if missing:
            raise InputError(
                path,
                f"「{missing[0]}」シートがありません（あるシート: {'、'.join(book.sheetnames)}）。"
                "needs-analysis review --sample が書いた点検シートを指定してください。",
            )
        return {
            name: list(book[name].iter_rows(values_only=True))
            for name in (INSTRUCTIONS_SHEET, CHECK_SHEET, DRAW_SHEET)
        }
    finally:
        book.close()


def _record(path: Path, rows: list[tuple]) -> dict[str, object]:
    """年度, 乱数の種 and 照合値 from the 説明 sheet (and whether it was filled by script)."""
    found: dict[str, object] = {}
    labels = {YEAR_LABEL: "year", SEED_LABEL: "seed", DIGEST_LABEL: "digest"}
    for values in rows:
        if not values or len(values) < 2:
            continue
        label, value = cell_text(values[0]), cell_text(values[1])
        if label in labels and value:
            found[labels[label]] = value
        elif label == PLANTED_LABEL:
            found["planted"] = True
    missing = [label for label, name in labels.items() if name not in found]
    year = str(found.get("year", ""))
    if missing or not year.isdigit():
        where = missing[0] if missing else YEAR_LABEL
        raise InputError(
            path,
            f"「{INSTRUCTIONS_SHEET}」シートに「{where}」の行がないか、空です。"
            "needs-analysis review --sample が書いたままの点検シートを指定してください。",
        )
    found["year"] = int(year)
    return found


def _drawn(path: Path, rows: list[tuple]) -> dict[str, float]:
    """Key → inclusion probability from the hidden draw sheet, each value checked."""
    header = [cell_text(value) for value in rows[0]] if rows else []
    if header[:2] != [KEY_HEADER, PROBABILITY_HEADER]:
        raise InputError(
            path,
            f"隠してある「{DRAW_SHEET}」シートの見出しが変わっています"
            f"（「{KEY_HEADER}」「{PROBABILITY_HEADER}」のはずです）。",
            row=1,
        )
    drawn: dict[str, float] = {}
    problems = []
    for number, values in enumerate(rows[1:], start=2):
        key = cell_text(values[0]) if values else ""
        raw = values[1] if values and len(values) > 1 else None
        if not key and raw is None:
            continue
        probability = raw if isinstance(raw, int | float) and not isinstance(raw, bool) else None
        where = f"「{DRAW_SHEET}」シートの{number}行目"
        if not key or key in drawn:
            problems.append(f"{where}: キーが空か、ほかの行と重なっています。")
        elif probability is None or not 0 < float(probability) <= 1:
            problems.append(
                f"{where}: 抽出確率「{cell_text(raw)}」は0より大きく1以下の数ではありません。"
            )
        else:
            drawn[key] = float(probability)
    if problems:
        raise SheetErrors(path, problems, KIND)
    if not drawn:
        raise InputError(path, f"隠してある「{DRAW_SHEET}」シートに抽出した回答がありません。")
    return drawn


def _answers(
    path: Path, rows: list[tuple], taxonomy: Taxonomy, drawn: dict[str, float]
) -> tuple[CheckedAnswer, ...]:
    """Every row of the 点検 sheet; all problems are reported together."""
    headers = [normalize_text(cell_text(value)) for value in rows[0]] if rows else []
    expected = check_headers(taxonomy)
    missing = [h for h in expected if normalize_text(h) not in headers]
    if missing:
        raise InputError(
            path,
            f"「{CHECK_SHEET}」シートに「{missing[0]}」列がありません。"
            "列を消したり名前を変えたりせず、配布したシートのまま記入してください。",
            row=1,
        )
    at = {h: headers.index(normalize_text(h)) for h in expected}
    problems: list[str] = []
    answers: list[CheckedAnswer] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(rows[1:], start=2):
        cells = [cell_text(values[i]) if i < len(values) else "" for i in range(len(headers))]
        if not any(cells):
            continue
        answer, problem = _answer(number, cells, at, taxonomy, drawn, seen)
        if problem:
            problems.append(f"{number}行目: {problem}")
        elif answer is not None:
            seen[answer.key] = number
            answers.append(answer)
    absent = [key for key in drawn if key not in seen]
    if absent and not problems:
        shown = "、".join(absent[:3]) + ("ほか" if len(absent) > 3 else "")
        problems.append(
            f"抽出した回答のうち{len(absent)}件（キー {shown}）の行がありません"
            "（行を消さず、すべての行に記入してください）。"
        )
    if problems:
        raise SheetErrors(path, problems, KIND)
    return tuple(answers)


def _answer(
    number: int,
    cells: list[str],
    at: dict[str, int],
    taxonomy: Taxonomy,
    drawn: dict[str, float],
    seen: dict[str, int],
) -> tuple[CheckedAnswer | None, str]:
    """One row as an answer, or the sentence that says what is wrong with it."""
    key = cells[at[KEY_HEADER]]
    chosen, bad = [], []
    for label in (*taxonomy.labels, taxonomy.other):
        mark = normalize_text(cells[at[label]])
        if mark and mark not in ACCEPTED_MARKS:
            bad.append(f"「{label}」列の「{cells[at[label]]}」")
        elif mark:
            chosen.append(label)
    if bad:
        return None, f"{'、'.join(bad)}は使えません（○ か空欄にしてください）。"
    if not key:
        return None, f"「{KEY_HEADER}」列が空です（キーは消さないでください）。"
    if key in seen:
        return None, f"キー「{key}」の行が{seen[key]}行目にもあります。"
    if key not in drawn:
        return None, (
            f"キー「{key}」は抽出した回答のどれとも一致しません"
            "（キーを書き換えたか、行を足しています）。"
        )
    if taxonomy.other in chosen and len(chosen) > 1:
        others = "・".join(c for c in chosen if c != taxonomy.other)
        return None, f"「{taxonomy.other}」とほかの分類（{others}）の両方に ○ があります。"
    labels = tuple(label for label in taxonomy.labels if label in chosen) if chosen else None
    text = cells[at[TEXT_HEADER]]
    return CheckedAnswer(key, text, labels, drawn[key], number), ""
