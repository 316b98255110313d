"""The tables and notes the report notebooks show: respondents, gaps, rates, provision."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
from IPython.display import HTML, Markdown

from needs_analysis.gaps.change import ranked_gaps
from needs_analysis.gaps.table import VERDICT_GAP, VERDICT_NO_DATA, VERDICT_TOO_FEW
from needs_analysis.privacy.disclosure import Disclosure, protect_gaps
from needs_analysis.report.plain import (
    NOT_JUDGED,
    RANGE_HEADER,
    level_words,
    provision_level,
    short_reason,
    verdict_words,
    what_is_there,
)
from needs_analysis.report.rundata import RunData, year_tables

HIGHER_SHORT = "たくさんの組み合わせを同時に比べても残る差"

# --------------------------------------------------------------------------- display


def table_html(frame: pd.DataFrame, max_rows: int | None = None) -> HTML:
    """A table for a handout: no index, Japanese headers as given, text escaped,
    whole numbers with a thousands separator, fractions rounded to three decimals (a
    percentage column stays as it was built), and no Japanese word broken over two lines
    (:func:`needs_analysis.report.pages.print_table`)."""
    from needs_analysis.report.pages import print_table

    shown = frame.head(max_rows) if max_rows else frame
    shown = shown.map(lambda v: _short_float(v) if isinstance(v, float) and not pd.isna(v) else v)
    return print_table(shown)


def _short_float(value: float) -> str:
    if value != 0 and abs(value) < 0.001:
        return "0.001未満"  # never computer notation (5.4e-21) on council paper
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def gap_rule_note(run: RunData) -> Markdown:
    """How a gap is flagged, in one plain paragraph, with the run's settings (the test and
    its level are in the workbook's 説明 sheet and ``docs/method.md``)."""
    settings = run.gap_settings
    return Markdown(
        f"困りごとの割合がほかの圏域より高く、その差が偶然とは考えにくい（{HIGHER_SHORT}）うえに、"
        "その困りごとに対応する資源の月あたりの量が、65歳以上の人数あたりで町全体の"
        f"{settings.supply_margin:.0%}に届かない（または資源がない）組み合わせを「{VERDICT_GAP}」と"
        f"しています。自由記述が{settings.min_answers}人未満の圏域は、{NOT_JUDGED}。"
    )


def technical_rule_note(run: RunData) -> str:
    """The same rule with its statistics, for the workbook's 説明 sheet."""
    settings = run.gap_settings
    return (
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
            "割合は、回答を自動で分類して数えたもの（自動の割合）です。職員の確認による補正は"
            "していないので、自動の分類の誤りは割合の幅に入っていません。"
        )
    sentence = (
        f"割合は、**職員が {check.checked:,} 件を確認して補正した割合**です。"
        "無作為に選んだ回答を職員が読んで確かめ、自動の分類の誤りを割合から差し引いています"
        "（割合の幅には、どの回答を確かめたかによる揺れも入っています）。"
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
    """The flagged gaps, ranked, with n, rates and their range, and the resources against
    the town's level, in plain words (the tests' figures are in the workbook)."""
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
            RANGE_HEADER: [
                f"{percent(lo)}〜{percent(hi)}"
                for lo, hi in zip(ranked["ci_low"], ranked["ci_high"], strict=True)
            ],
            "町全体": ranked["municipal_rate"].map(percent),
            "この圏域の資源": [what_is_there(row) for row in ranked.itertuples(index=False)],
            "判定の理由": [short_reason(row) for row in ranked.itertuples(index=False)],
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
            RANGE_HEADER: [
                f"{percent(lo)}〜{percent(hi)}"
                for lo, hi in zip(rows["ci_low"], rows["ci_high"], strict=True)
            ],
            "町全体": rows["municipal_rate"].map(percent),
            "資源の量（町全体＝1）": [
                level_words(provision_level(row), short=True)
                for row in rows.itertuples(index=False)
            ],
            "判定": [verdict_words(row) for row in rows.itertuples(index=False)],
        }
    )


def supply_display_table(
    gaps: pd.DataFrame, areas: list[str], labels: tuple[str, ...]
) -> pd.DataFrame:
    """Resources per 圏域 and category, as the inventory counts them: 「3か所・月16回」."""
    table = gaps.set_index(["area", "category"])
    rows = []
    for area in areas:
        row: dict[str, object] = {"圏域": area}
        for label in labels:
            if (area, label) in table.index:
                cell = table.loc[(area, label)]
                row[label] = what_is_there(SimpleNamespace(**cell.to_dict()))
            else:
                row[label] = "—"
        rows.append(row)
    return pd.DataFrame(rows)
