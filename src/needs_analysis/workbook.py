"""The Excel workbook a planner computes with: numbers as numbers, formats, print setup.

Counts are integers shown as ``#,##0``, rates fractions shown as ``0.0%``; a count under
the disclosure threshold is the text 「5未満」 and nothing derived from it (rate, interval,
residual) is written. The method is explained once, on a 説明 sheet, instead of in every
row. Each sheet prints on A4, fitted to the page width, with its header row repeated and
the municipality and fiscal year (in the Japanese era) in the page header. Text cells are
escaped so that none runs as a formula.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from needs_analysis.outputs import FIXED_TIMESTAMP, fix_zip_timestamps
from needs_analysis.plan import plan_table
from needs_analysis.privacy import SHOWN, Disclosure, escape_formula, protect_gaps
from needs_analysis.provision import UNIT_NAME

COUNT = "#,##0"
RATE = "0.0%"
DECIMAL = "0.00"
P_VALUE = "0.000"
YEAR = "0"
# The workbook's created/modified time: the fixed date every output of a run carries.
FIXED_DATE = datetime.datetime(*FIXED_TIMESTAMP)
# Sheets with more columns than this print in landscape.
_PORTRAIT_COLUMNS = 7
_WIDEST_COLUMN = 60


@dataclass(frozen=True)
class Sheet:
    """One sheet: the table and the number format of each numeric column."""

    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)


def count_cell(value: object, min_count: int) -> int | str | None:
    """A count on its own as an integer, 「5未満」 under the threshold, None when missing."""
    if value is None or pd.isna(value):
        return None
    number = int(value)
    return Disclosure(min_count).small_label if Disclosure(min_count).is_small(number) else number


def published_count(rule: Disclosure, value: object, status: str) -> int | str | None:
    """A count protected with its group: the integer where shown, 「5未満」 / 「非表示」 where not."""
    if value is None or pd.isna(value):
        return None
    return int(value) if status == SHOWN else rule.label(value, status)


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# Number formats of the columns of 困りごとと資源 (and of 不足の候補, which has fewer).
_RATE_FORMATS = {
    "自由記述のある人": COUNT,
    "該当": COUNT,
    "割合": RATE,
    "95%区間の下限": RATE,
    "95%区間の上限": RATE,
    "町全体の割合": RATE,
    "調整済み残差": DECIMAL,
    "p値": P_VALUE,
    "q値（多重比較の調整後）": P_VALUE,
    "資源の数": COUNT,
    "提供（月あたり）": DECIMAL,
    "65歳以上千人あたり": DECIMAL,
    "町全体の千人あたり": DECIMAL,
    "順位": COUNT,
}
_GAP_COLUMNS = (
    "順位 圏域 分類 該当 自由記述のある人 割合 95%区間の下限 95%区間の上限 町全体の割合 p値 "
    "q値（多重比較の調整後） 資源の数 提供の単位 65歳以上千人あたり 町全体の千人あたり"
).split()


def rate_sheets(run, tables) -> dict[str, Sheet]:
    """困りごとと資源 (every 圏域 × category) and 不足の候補 (the flagged ones, ranked).

    The gap table is taken as :func:`protect_gaps` publishes it: a hidden count reads
    「5未満」 or 「非表示」, and its rate, interval, residual, p and q are empty.
    """
    from needs_analysis.report.views import published_reason

    gaps = protect_gaps(tables.gaps, run.disclosure).reset_index(drop=True)
    rates = _rates_table(gaps, run.disclosure)
    flagged = gaps["flag"].fillna(False).astype(bool).to_numpy()
    reasons = [published_reason(row) for row in gaps[flagged].itertuples(index=False)]
    ranked = rates.loc[flagged, _GAP_COLUMNS].assign(判定の理由=reasons)
    ranked = ranked.sort_values("順位", kind="stable")
    gap_formats = {k: v for k, v in _RATE_FORMATS.items() if k in _GAP_COLUMNS}
    return {
        "困りごとと資源": Sheet(rates, dict(_RATE_FORMATS)),
        "不足の候補": Sheet(ranked.reset_index(drop=True), gap_formats),
    }


def _rates_table(gaps: pd.DataFrame, rule: Disclosure) -> pd.DataFrame:
    """Every 圏域 × category of a published gap table, under the workbook's headers."""

    def numbers(column: str) -> list[float | None]:
        return [_number(v) for v in gaps[column]]

    def counts(column: str) -> list[object]:
        statuses = gaps[f"{column}_status"]
        return [published_count(rule, v, s) for v, s in zip(gaps[column], statuses, strict=True)]

    return pd.DataFrame(
        {
            "圏域": gaps["area"],
            "分類": gaps["category"],
            "自由記述のある人": counts("n"),
            "該当": counts("count"),
            "割合": numbers("rate"),
            "95%区間の下限": numbers("ci_low"),
            "95%区間の上限": numbers("ci_high"),
            "町全体の割合": numbers("municipal_rate"),
            "調整済み残差": numbers("residual"),
            "検定": gaps["test"].where(gaps["shown"], ""),
            "p値": numbers("p_value"),
            "q値（多重比較の調整後）": numbers("q_value"),
            "資源の数": [count_cell(v, 1) for v in gaps["resources"]],
            "提供の単位": gaps["supply_unit"].map(UNIT_NAME),
            "提供（月あたり）": numbers("provision"),
            "65歳以上千人あたり": numbers("per_1000"),
            "町全体の千人あたり": numbers("municipal_per_1000"),
            "判定": gaps["verdict"],
            "順位": [count_cell(v, 1) for v in gaps["rank"]],
            "注記": gaps["note"],
        }
    )


def respondent_sheet(run) -> Sheet:
    """Respondents and answers with text per 圏域, with the 65+ population.

    The 圏域 add up to the 町全体 row, so each column is protected as a group (the same
    statuses as the overview's table).
    """
    from needs_analysis.report.views import respondent_counts

    rule = run.disclosure
    responses = run.responses
    rows = []
    for area, many, many_status, some, some_status in respondent_counts(run):
        rows.append(
            {
                "圏域": area,
                "回答者数": published_count(rule, many, many_status),
                "自由記述あり": published_count(rule, some, some_status),
                "65歳以上人口": count_cell(run.populations.get(area), 1),
            }
        )
    rows.append(
        {
            "圏域": "町全体",
            "回答者数": count_cell(len(responses), run.min_count),
            "自由記述あり": count_cell(int(responses["has_text"].sum()), run.min_count),
            "65歳以上人口": sum(v for v in run.populations.values() if v) or None,
        }
    )
    return Sheet(
        pd.DataFrame(rows), {"回答者数": COUNT, "自由記述あり": COUNT, "65歳以上人口": COUNT}
    )


def supply_sheet(run, tables) -> Sheet:
    """Resources per 圏域 and category: the count, then the monthly provision per 1,000
    aged 65+ in the category's own unit (named in the header)."""
    table = tables.gaps.set_index(["area", "category"])
    units = tables.gaps.drop_duplicates("category").set_index("category")["supply_unit"]
    rows, formats = [], {}
    for area in run.areas:
        row: dict[str, object] = {"圏域": area}
        for label in run.taxonomy.labels:
            known = (area, label) in table.index
            row[label] = count_cell(table.loc[(area, label), "resources"], 1) if known else None
            unit = UNIT_NAME.get(units.get(label), "")
            density = f"{label}（千人あたり{unit}）" if unit else f"{label}（千人あたり）"
            row[density] = _number(table.loc[(area, label), "per_1000"]) if known else None
            formats[label], formats[density] = COUNT, DECIMAL
        rows.append(row)
    return Sheet(pd.DataFrame(rows), formats)


def other_sheets(run, tables) -> dict[str, Sheet]:
    """The resource list, the plan table, the ingest log and the change since last time."""
    resources = run.resources
    plan = plan_table(
        run.answers, run.taxonomy.labels, run.min_count, rollup=run.taxonomy.rollup, masked=True
    )
    sheets = {
        "資源の一覧": Sheet(
            pd.DataFrame(
                {
                    "資源名": resources["name"],
                    "種別": resources["type"],
                    "圏域": resources["area"],
                    "月あたり回数": pd.to_numeric(resources["per_month"], errors="coerce"),
                    "定員": pd.to_numeric(resources["capacity"], errors="coerce"),
                    "開始年度": pd.to_numeric(resources["started"], errors="coerce"),
                }
            ),
            {"月あたり回数": "#,##0.##", "定員": COUNT, "開始年度": YEAR},
        ),
        "計画の表": Sheet(
            pd.DataFrame(
                {
                    "項目": plan["heading"],
                    "困りごとの例": plan["examples"].map(
                        lambda found: "\n".join(f"・{text}" for text in found)
                    ),
                    "件数": [count_cell(v, run.min_count) for v in plan["count"]],
                }
            ),
            {"件数": COUNT},
        ),
        "読み込みの記録": ingest_sheet(run),
    }
    if run.previous_fiscal_year is not None:
        sheets["前回との変化"] = change_sheet(tables.change)
    return sheets


def ingest_sheet(run) -> Sheet:
    """Rows read, accepted and rejected by reason, per input file: the data log."""
    from needs_analysis.report.excel import ingest_table

    counts = ("読み込んだ行", "受け付けた行", "除外した行")
    return Sheet(ingest_table(run), dict.fromkeys(counts, COUNT))


def change_sheet(change: pd.DataFrame) -> Sheet:
    """Pairs whose gap flag changed, with both years' rates and resources."""
    moved = change[change["flag_change"] != "該当なし"]
    frame = pd.DataFrame(
        {
            "圏域": moved["area"],
            "分類": moved["category"],
            "前回の割合": [_number(v) for v in moved["rate_previous"]],
            "今回の割合": [_number(v) for v in moved["rate"]],
            "前回の資源": [count_cell(v, 1) for v in moved["resources_previous"]],
            "今回の資源": [count_cell(v, 1) for v in moved["resources"]],
            "不足の候補": moved["flag_change"],
        }
    )
    formats = {"前回の割合": RATE, "今回の割合": RATE, "前回の資源": COUNT, "今回の資源": COUNT}
    return Sheet(frame.reset_index(drop=True), formats)


def explanation_sheet(run) -> Sheet:
    """The method in a few rows, said once for the whole workbook, with the run's settings."""
    from needs_analysis.report.views import gap_rule_note

    rule = run.disclosure
    rows = [
        ("対象", f"{run.municipality}　{run.year_label}のニーズ調査（自由記述）"),
        ("割合の分母", "自由記述欄に何か書いた人の数（白紙の人は入りません）。"),
        (
            "該当",
            "その分類に当てはまる回答をした人の数（1人が複数の分類に当てはまることがあります）。",
        ),
        ("95%区間", "割合の95%信頼区間（Wilson の方法）。"),
        (
            "調整済み残差・p値",
            "その圏域の割合がほかの圏域と違うかの検定。人数が少ないときは正確検定。",
        ),
        (
            "q値",
            "すべての圏域 × 分類をまとめて多重比較の調整（Benjamini–Hochberg 法）をした後の値。",
        ),
        (
            "提供",
            "分類ごとの地域資源が月あたりに提供するもの（延べ定員、回数、またはそれもなければ"
            "資源の数。どれかは「提供の単位」の列）を、65歳以上人口千人あたりにしたもの。",
        ),
        (
            "判定",
            gap_rule_note(run).data + "話し合うきっかけであり、不足を断定するものではありません。",
        ),
        (f"{rule.small_label}・非表示", rule.sentence() + "（個人が特定されないようにするため）"),
        ("作成", f"needs-analysis {run.package_version}"),
    ]
    return Sheet(pd.DataFrame(rows, columns=["項目", "説明"]))


def workbook_sheets(run, tables) -> dict[str, Sheet]:
    """Every sheet of the workbook, in order, the 説明 sheet last."""
    rates = rate_sheets(run, tables)
    return {
        "回答者数": respondent_sheet(run),
        **rates,
        "圏域別の資源": supply_sheet(run, tables),
        **other_sheets(run, tables),
        "説明": explanation_sheet(run),
    }


# --------------------------------------------------------------------------- writing


def write_workbook(sheets: dict[str, Sheet], path: Path, header: str) -> Path:
    """Write the sheets to ``path``: formats, widths, frozen header, print setup.

    ``header`` is printed at the top of every page (municipality and fiscal year). The
    workbook's created and modified times and its zip entries' dates are fixed
    (:func:`needs_analysis.outputs.fix_zip_timestamps`), so a rerun on the same data
    writes the same bytes.
    """
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    for name, sheet in sheets.items():
        worksheet = book.create_sheet(name)
        _write_table(worksheet, sheet)
        _print_setup(worksheet, header, len(sheet.frame.columns))
    book.properties.creator = "needs-analysis"
    book.properties.created = book.properties.modified = FIXED_DATE
    _save(book, path)
    return fix_zip_timestamps(path)


def _write_table(worksheet, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    frame = sheet.frame
    worksheet.append([str(column) for column in frame.columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for values in frame.itertuples(index=False):
        worksheet.append([_cell_value(value) for value in values])
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        number_format = sheet.formats.get(column)
        widest = _display_width(str(column))
        for (cell,) in worksheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if number_format and isinstance(cell.value, (int, float)):
                cell.number_format = number_format
                cell.alignment = Alignment(horizontal="right")
            elif isinstance(cell.value, str) and ("\n" in cell.value or len(cell.value) > 30):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            shown = f"{cell.value:,.3f}" if isinstance(cell.value, float) else str(cell.value or "")
            widest = max(
                widest, max((_display_width(line) for line in shown.split("\n")), default=0)
            )
        worksheet.column_dimensions[letter].width = min(_WIDEST_COLUMN, 2 + widest * 1.1)


def _cell_value(value: object) -> object:
    """Python numbers and escaped text; None for a missing value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        return number
    return escape_formula(str(value))


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Japanese characters count twice."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _print_setup(worksheet, header: str, columns: int) -> None:
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.orientation = "portrait" if columns <= _PORTRAIT_COLUMNS else "landscape"
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    worksheet.print_title_rows = "1:1"
    worksheet.print_options.gridLines = True
    worksheet.page_margins.left = worksheet.page_margins.right = 0.5
    # "&" starts a code in Excel's header language; "&A" is the sheet's name.
    worksheet.oddHeader.center.text = f"{header.replace('&', '&&')}　&A"
    worksheet.oddFooter.center.text = "&P / &N"


def _save(book, path: Path) -> None:
    """Save without openpyxl's stamping of the current time as the modified time."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()
