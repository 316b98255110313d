"""The corrected rates in the workbook: the 補正した割合 sheet and the 説明 sheet's rows.

The sheet takes the gap table as :func:`~needs_analysis.privacy.disclosure.protect_gaps`
publishes it, so a cell hidden there (a small count, a complement, or a corrected rate
that stands for a small count) has no rate, no interval and nothing computed from it
here either. The number of checked answers of an area goes with its number of answers:
where some area's answers are hidden, only the town's total is given, since the share of
answers checked in the other areas would let the hidden ones be worked out.
"""

from __future__ import annotations

import pandas as pd

from needs_analysis.gaps.corrected import TOWN
from needs_analysis.privacy.disclosure import SHOWN, protect_gaps
from needs_analysis.publish.xlsx import COUNT, RATE, Sheet

SHEET_NAME = "補正した割合"
COLUMNS = [
    "圏域",
    "分類",
    "自動の割合",
    "補正した割合",
    "95%区間の下限",
    "95%区間の上限",
    "確認した回答",
    "補正の方法",
    "注記",
]
METHODS = {
    "own": "この圏域の確認から",
    "borrowed": "町全体の補正を借用",
    "none": "",
}
HIDDEN_NOTE = "人数が少ないため、割合を載せていません"


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def corrected_sheet(run, tables) -> Sheet:
    """Every 圏域 × category (the town first): the automatic and the corrected rate, its
    95% interval and the answers checked."""
    gaps = protect_gaps(tables.gaps, run.disclosure).reset_index(drop=True)
    rule = run.disclosure
    areas = gaps.drop_duplicates("area")
    every_n_shown = bool((areas["n_status"] == SHOWN).all())
    rows = []
    for row in gaps.drop_duplicates("category").itertuples(index=False):
        rows.append(
            {
                "圏域": TOWN,
                "分類": row.category,
                "自動の割合": _number(row.model_municipal_rate),
                "補正した割合": _number(row.municipal_rate),
                "95%区間の下限": _number(row.municipal_ci_low),
                "95%区間の上限": _number(row.municipal_ci_high),
                "確認した回答": rule.cell(run.check.checked if run.check else 0),
                "補正の方法": "町全体の確認から",
                "注記": "",
            }
        )
    for area in run.areas:
        for row in gaps[gaps["area"] == area].itertuples(index=False):
            checked = row.n_checked if every_n_shown and row.n_status == SHOWN else None
            rows.append(
                {
                    "圏域": area,
                    "分類": row.category,
                    "自動の割合": _number(row.model_rate),
                    "補正した割合": _number(row.rate),
                    "95%区間の下限": _number(row.ci_low),
                    "95%区間の上限": _number(row.ci_high),
                    "確認した回答": rule.cell(checked) if checked is not None else "非表示",
                    "補正の方法": METHODS.get(row.method, "") if row.shown else "",
                    "注記": _note(row),
                }
            )
    formats = {column: RATE for column in COLUMNS[2:6]}
    formats["確認した回答"] = COUNT
    return Sheet(pd.DataFrame(rows, columns=COLUMNS), formats)


def _note(row) -> str:
    if row.n == 0:
        return "この圏域には自由記述の回答がありません"
    if not row.shown:
        return HIDDEN_NOTE
    return row.note if isinstance(row.note, str) else ""


def method_rows(run) -> list[tuple[str, str]]:
    """The 説明 sheet's rows on where the rates come from (corrected or automatic)."""
    from needs_analysis.report.views import rate_source_sentence

    source = rate_source_sentence(run).replace("**", "")
    if run.check is None:
        return [("割合の出し方", source)]
    return [
        ("割合の出し方", source + f"（点検シート {run.check.file}）"),
        (
            "補正した割合",
            "自動の分類で数えた割合に、確認した回答で見つかった分類の誤り（見落としは足し、"
            "付けすぎは引く）を、回答全体ではどれだけになるか見積もって加えたものです"
            "（予測を使った推測、prediction-powered inference）。確認する回答は圏域ごとに"
            "無作為に選び、選ばれやすさ（抽出確率）の逆数で重みをつけています。分類の精度が"
            "どうであっても、かたよりのない割合になります。自動の割合は「補正した割合」"
            "シートにあります。",
        ),
        (
            "95%区間（補正）",
            "補正した割合の95%信頼区間です。回答者が高齢者全体の一部であることによる揺れに"
            "加え、どの回答を確認したかによる揺れを含みます。確認する回答が多いほど、また"
            "自動の分類が正確なほど狭くなります。",
        ),
        (
            "町全体の補正を借用",
            "確認した回答が30件未満の圏域は、町全体の確認から求めた「機械が付けた回答のうち"
            "本当に当てはまる割合」と「付けなかった回答のうち当てはまる割合」を、その圏域の"
            "確認していない回答に使います。「機械の分類が同じなら、当てはまる確率は圏域に"
            "よらない」という前提つきの数字です。圏域の確認がこの前提に合わないときは、"
            "圏域自身の確認だけから求めます。",
        ),
        (
            "検定（補正）",
            "補正した割合とその標準誤差から、その圏域とほかの圏域の差を z 検定しています"
            "（「調整済み残差」の列はその z）。q値は自動の割合のときと同じく、すべての"
            "圏域 × 分類をまとめて調整しています。",
        ),
    ]
