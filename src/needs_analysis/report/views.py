"""The tables and notes the report notebooks show: respondents, gaps, rates, provision."""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown

from needs_analysis.gaps.change import ranked_gaps
from needs_analysis.gaps.provision import format_density
from needs_analysis.gaps.table import VERDICT_GAP, VERDICT_NO_DATA, VERDICT_TOO_FEW, supply_short
from needs_analysis.privacy.disclosure import Disclosure, protect_gaps
from needs_analysis.report.rundata import RunData, year_tables

# --------------------------------------------------------------------------- display


def table_html(frame: pd.DataFrame, max_rows: int | None = None) -> HTML:
    """A table for a handout: no index, Japanese headers as given, text escaped,
    whole numbers with a thousands separator, fractions rounded to three decimals (a
    percentage column stays as it was built)."""
    shown = (frame.head(max_rows) if max_rows else frame).map(_count_text)
    return HTML(
        shown.to_html(index=False, na_rep="—", escape=True, border=0, float_format=_short_float)
    )


def _count_text(value: object) -> object:
    """Whole numbers as printed everywhere else (1,234); other cells unchanged."""
    is_integer = isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
    return f"{value:,}" if is_integer else value


def _short_float(value: float) -> str:
    if value != 0 and abs(value) < 0.001:
        return f"{value:.1e}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def gap_rule_note(run: RunData) -> Markdown:
    """How a gap is flagged, in one paragraph, with the run's settings."""
    settings = run.gap_settings
    return Markdown(
        "困りごとの割合が町内のほかの圏域より統計的に高く（すべての圏域 × 分類をまとめて"
        f"多重比較の調整をしたq値が{settings.q:g}以下）、かつその分類の月あたりの提供が"
        f"65歳以上千人あたりで町全体の{settings.supply_margin:.0%}未満（またはない）の"
        "組み合わせを「不足の候補」としています。自由記述が"
        f"{settings.min_answers}人未満の圏域は「{VERDICT_TOO_FEW}」です。"
    )


def rate_source_note(run: RunData) -> Markdown:
    """Where the rates come from, in one paragraph: corrected by a coordinator's check of
    N answers, or counted from the automatic labels."""
    return Markdown(rate_source_sentence(run))


def rate_source_sentence(run: RunData) -> str:
    """:func:`rate_source_note` as plain text (the workbook's 説明 sheet says it too)."""
    check = run.check
    if check is None:
        return (
            "割合は、回答を自動で分類して数えた割合（自動の割合）です。職員の確認による補正は"
            "していないため、分類の誤りは95%区間に含まれていません。"
        )
    sentence = (
        f"割合は、**職員が {check.checked:,} 件を確認して補正した割合**です。自動の分類で"
        "数えた割合を、無作為に選んだ回答を職員が確認した結果で補正しています"
        "（95%区間は、どの回答を確認したかによる揺れも含みます）。"
    )
    if check.planted:
        sentence += (
            "この町はサンプルのため、確認の結果は仕込んだ正しい分類から自動で記入したものです。"
        )
    return sentence


def is_corrected(gaps: pd.DataFrame) -> bool:
    """Whether a gap table's rates are corrected by a check."""
    return "corrected" in gaps.columns and bool(gaps["corrected"].fillna(False).astype(bool).any())


def disclosure_note(run: RunData) -> Markdown:
    """The disclosure rule in one sentence, with the run's threshold, for a handout."""
    return Markdown(run.disclosure.sentence())


def percent(value: object) -> str:
    return "—" if pd.isna(value) else f"{float(value) * 100:.1f}%"


def area_counts(run: RunData) -> pd.DataFrame:
    """Respondents and answers with text per 圏域 (in the config's order), with the status of
    each count under the disclosure rule as the gap table is protected
    (:func:`~needs_analysis.privacy.disclosure.protect_gaps`): every page that prints an
    area's n takes it, and whether it is shown, from here.

    Columns: area, respondents, respondents_status, written, written_status.
    """
    published = protect_gaps(year_tables(run).gaps, run.disclosure)
    areas = published.drop_duplicates("area")
    return pd.DataFrame(
        {
            "area": areas["area"].tolist(),
            "respondents": areas["respondents"].astype(int).tolist(),
            "respondents_status": areas["respondents_status"].tolist(),
            "written": areas["n"].astype(int).tolist(),
            "written_status": areas["n_status"].tolist(),
        }
    )


def respondent_table(run: RunData) -> pd.DataFrame:
    """Respondents and answers with text per 圏域, with the 65+ population, and the 町全体 row.

    The 圏域 add up to the 町全体 row, so each count column is protected as a group
    (:func:`area_counts`): a cell holds the count where it is published and 「5未満」 /
    「非表示」 where not. The overview, the handouts and the workbook all show this one table.
    """
    rule = run.disclosure
    responses = run.responses
    rows = [
        {
            "圏域": row.area,
            "回答者数": rule.cell(row.respondents, row.respondents_status),
            "自由記述あり": rule.cell(row.written, row.written_status),
            "65歳以上人口": run.populations.get(row.area),
        }
        for row in area_counts(run).itertuples(index=False)
    ]
    rows.append(
        {
            "圏域": "町全体",
            "回答者数": rule.cell(len(responses)),
            "自由記述あり": rule.cell(int(responses["has_text"].sum())),
            "65歳以上人口": sum(v for v in run.populations.values() if v) or None,
        }
    )
    return pd.DataFrame(rows).astype(object)


def _p(value: object) -> str:
    if pd.isna(value):
        return "—"
    return f"{float(value):.1e}" if float(value) < 0.001 else f"{float(value):.3f}"


def published_reason(row) -> str:
    """The reason sentence, or a sentence without numbers where the cell's figures are hidden."""
    if row.shown:
        return row.reason
    if row.n == 0:
        return VERDICT_NO_DATA
    if row.verdict == VERDICT_TOO_FEW:
        return VERDICT_TOO_FEW
    hidden = "人数が少ないため、このセルの割合や検定の数字は載せていません"
    return f"{VERDICT_GAP}（{hidden}）" if row.flag else hidden


def gap_display_table(gaps: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """The flagged gaps, ranked, with n, rates, p and q, and provision (Japanese headers)."""
    ranked = ranked_gaps(protect_gaps(gaps, Disclosure(min_count)))
    corrected = is_corrected(gaps)
    return pd.DataFrame(
        {
            "順位": ranked["rank"].astype(int),
            "圏域": ranked["area"],
            "分類": ranked["category"],
            "自動の該当/自由記述" if corrected else "該当/自由記述": [
                f"{c} / {n}" for c, n in zip(ranked["count_label"], ranked["n_label"], strict=True)
            ],
            "補正した割合" if corrected else "割合": ranked["rate"].map(percent),
            "95%区間": [
                f"{percent(lo)}〜{percent(hi)}"
                for lo, hi in zip(ranked["ci_low"], ranked["ci_high"], strict=True)
            ],
            "町全体": ranked["municipal_rate"].map(percent),
            "p値": ranked["p_value"].map(_p),
            "q値": ranked["q_value"].map(_p),
            "提供（65歳以上千人あたり）": [
                format_density(unit, value)
                for unit, value in zip(ranked["supply_unit"], ranked["per_1000"], strict=True)
            ],
            "町全体の提供": [
                format_density(unit, value)
                for unit, value in zip(
                    ranked["supply_unit"], ranked["municipal_per_1000"], strict=True
                )
            ],
            "判定の理由": [published_reason(row) for row in ranked.itertuples(index=False)],
        }
    )


def area_rate_table(gaps: pd.DataFrame, area: str, min_count: int) -> pd.DataFrame:
    """One 圏域's need per category against the municipal rate (Japanese headers)."""
    published = protect_gaps(gaps, Disclosure(min_count))
    rows = published[published["area"] == area]
    corrected = is_corrected(gaps)
    return pd.DataFrame(
        {
            "分類": rows["category"],
            "自動の該当" if corrected else "該当": rows["count_label"],
            "自由記述": rows["n_label"],
            "補正した割合" if corrected else "割合": rows["rate"].map(percent),
            "95%区間": [
                f"{percent(lo)}〜{percent(hi)}"
                for lo, hi in zip(rows["ci_low"], rows["ci_high"], strict=True)
            ],
            "町全体": rows["municipal_rate"].map(percent),
            "資源（65歳以上千人あたり）": [
                supply_short(row) for row in rows.itertuples(index=False)
            ],
            "判定": rows["verdict"],
        }
    )


def supply_display_table(
    gaps: pd.DataFrame, areas: list[str], labels: tuple[str, ...]
) -> pd.DataFrame:
    """Resources per 圏域 and category, with the monthly provision per 1,000 aged 65+."""
    table = gaps.set_index(["area", "category"])
    rows = []
    for area in areas:
        row: dict[str, object] = {"圏域": area}
        for label in labels:
            if (area, label) in table.index:
                cell = table.loc[(area, label)]
                density = format_density(cell["supply_unit"], cell["per_1000"])
                row[label] = f"{int(cell['resources'])}か所（{density}）"
            else:
                row[label] = "—"
        rows.append(row)
    return pd.DataFrame(rows)
