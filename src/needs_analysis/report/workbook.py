"""What the run's Excel workbook holds: its sheets, from the saved run and its tables.

A count under the disclosure threshold is the text 「5未満」 and nothing derived from it
(rate, interval, residual) is written. The method is explained once, on a 説明 sheet,
instead of in every row; the data log (読み込みの記録) gives the rows read per input file.
The file itself is written by :mod:`needs_analysis.publish.xlsx`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from needs_analysis.gaps.provision import UNIT_NAME
from needs_analysis.privacy.disclosure import Disclosure, protect_gaps
from needs_analysis.publish.xlsx import COUNT, DECIMAL, P_VALUE, RATE, YEAR, Sheet, write_workbook
from needs_analysis.report.corrected import SHEET_NAME as CORRECTED_SHEET
from needs_analysis.report.corrected import corrected_sheet, method_rows
from needs_analysis.report.pages import model_note
from needs_analysis.report.plan import plan_table

if TYPE_CHECKING:
    from needs_analysis.report.rundata import RunData


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
        return [rule.cell(v, s) for v, s in zip(gaps[column], statuses, strict=True)]

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
            "資源の数": [Disclosure(1).cell(v) for v in gaps["resources"]],
            "提供の単位": gaps["supply_unit"].map(UNIT_NAME),
            "提供（月あたり）": numbers("provision"),
            "65歳以上千人あたり": numbers("per_1000"),
            "町全体の千人あたり": numbers("municipal_per_1000"),
            "判定": gaps["verdict"],
            "順位": [Disclosure(1).cell(v) for v in gaps["rank"]],
            "注記": gaps["note"],
        }
    )


def respondent_sheet(run) -> Sheet:
    """The respondent table of the overview (:func:`~needs_analysis.report.views.respondent_table`)."""
    from needs_analysis.report.views import respondent_table

    counts = {"回答者数": COUNT, "自由記述あり": COUNT, "65歳以上人口": COUNT}
    return Sheet(respondent_table(run), counts)


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
            row[label] = (
                Disclosure(1).cell(table.loc[(area, label), "resources"]) if known else None
            )
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
                    "件数": [
                        run.disclosure.cell(v, s)
                        for v, s in zip(plan["count"], plan["count_status"], strict=True)
                    ],
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
            "前回の資源": [Disclosure(1).cell(v) for v in moved["resources_previous"]],
            "今回の資源": [Disclosure(1).cell(v) for v in moved["resources"]],
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
        (
            "95%区間",
            "補正した割合の95%信頼区間（下の「95%区間（補正）」）。"
            if run.check is not None
            else "割合の95%信頼区間（Wilson の方法）。",
        ),
        *method_rows(run),
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
    if run.check is not None:
        rates[CORRECTED_SHEET] = corrected_sheet(run, tables)
    return {
        "回答者数": respondent_sheet(run),
        **rates,
        "圏域別の資源": supply_sheet(run, tables),
        **other_sheets(run, tables),
        "説明": explanation_sheet(run),
    }


def ingest_table(run: RunData) -> pd.DataFrame:
    """Rows read, accepted and rejected by reason, per input file: the data log."""
    rows = []
    for label, summary in (
        (run.year_label, run.survey_summary),
        (run.previous_year_label, run.previous_summary),
        ("資源一覧", run.resources_summary),
    ):
        if summary is None:
            continue
        reasons = "、".join(f"{k} {v}" for k, v in summary.rejected_by_reason.items()) or "なし"
        rows.append(
            {
                "ファイル": summary.path.name,
                "内容": label,
                "文字コード": summary.encoding_label,
                "読み込んだ行": summary.rows_read,
                "受け付けた行": summary.accepted,
                "除外した行": summary.rejected,
                "除外の理由": reasons,
            }
        )
    if model_note(run):
        rows.append({"ファイル": "分類モデル", "内容": model_note(run)})
        counts = ["読み込んだ行", "受け付けた行", "除外した行"]
        return pd.DataFrame(rows).astype({c: "Int64" for c in counts})
    return pd.DataFrame(rows)


def write_run_workbook(run, tables, path: Path) -> Path:
    """The run's workbook: numbers with formats, a 説明 sheet, print setup per sheet."""
    return write_workbook(
        workbook_sheets(run, tables), path, header=f"{run.municipality}　{run.year_label}"
    )
