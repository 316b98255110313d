"""The report's sentences and sections: summaries, council questions, gap sections, the plan table."""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython.display import HTML, Markdown

from needs_analysis.gaps.change import CHANGE_CLOSED, CHANGE_DROPPED, ranked_gaps
from needs_analysis.gaps.table import VERDICT_GAP, VERDICT_NO_DATA, VERDICT_TOO_FEW
from needs_analysis.privacy.disclosure import SHOWN, Disclosure, people, protect_gaps
from needs_analysis.report.plain import NOT_JUDGED, plain_reason, tied_first
from needs_analysis.report.plan import plan_table, plan_table_for_display
from needs_analysis.report.rundata import (
    RunData,
)
from needs_analysis.report.views import respondent_table


def council_questions(
    gaps: pd.DataFrame, area: str, most: int = 3, min_count: int = 5
) -> list[str]:
    """Two or three questions for the 第2層 council: one per flagged gap (the highest
    ranked first), one on the area's most frequent need when nothing is flagged, and one
    to close."""
    flagged = ranked_gaps(gaps)
    flagged = flagged[flagged["area"] == area].head(most - 1)
    questions = []
    if flagged.empty:
        questions.append(_top_need_question(gaps, area, min_count))
    for row in flagged.itertuples(index=False):
        if row.resources == 0:
            questions.append(
                f"「{row.category}」の困りごとが町全体より多く、この圏域には対応する資源がありません。"
                "近所の助け合いや既存の活動で、まず何ができそうでしょうか。"
            )
        else:
            questions.append(
                f"「{row.category}」の困りごとが町全体より多い一方、資源は町全体の水準より少なめです。"
                "今ある活動を広げるには、何が足りないでしょうか（担い手・場所・回数）。"
            )
    questions.append(
        "この資料に表れていない困りごとや、すでに地域で始まっている取り組みはありますか。"
    )
    return questions


def _top_need_question(gaps: pd.DataFrame, area: str, min_count: int) -> str:
    # Only a category whose count is published may be named (a hidden count, even the
    # largest, is not); a tie at the top is said as a tie.
    published = protect_gaps(gaps, Disclosure(min_count)).set_index(["area", "category"])
    rows = gaps[(gaps["area"] == area) & gaps["rate"].notna() & (gaps["count"] >= min_count)]
    top = rows[rows["count"] == rows["count"].max()]
    status = [published.loc[(area, name), "count_status"] for name in top["category"]]
    if top.empty or any(value != SHOWN for value in status):
        return "この圏域で、いま一番困っていそうなことは何でしょうか。"
    names = [str(name) for name in top["category"]]
    what = "いちばん多い困りごとは" if len(names) == 1 else "多い困りごとは"
    return (
        f"この圏域で{what}{tied_first(names)}でした。"
        "今ある支えで足りているか、足りないとしたら誰に何をお願いできそうでしょうか。"
    )


def questions_markdown(questions: list[str]) -> Markdown:
    return Markdown("\n".join(f"{i}. {q}" for i, q in enumerate(questions, start=1)))


def summary_line(run: RunData) -> Markdown:
    """Respondents, answers with text, and the previous survey's figures, in one sentence."""
    responses = run.responses
    line = (
        f"回答者 **{len(responses):,}人**、うち自由記述あり **{int(responses['has_text'].sum()):,}人**"
        f"（{run.year_label}）。"
    )
    if run.previous_responses is not None:
        previous = run.previous_responses
        line += (
            f"前回（{run.previous_year_label}）は回答者 {len(previous):,}人、"
            f"自由記述あり {int(previous['has_text'].sum()):,}人。"
        )
    return Markdown(line)


def change_note(run: RunData) -> Markdown:
    if run.previous_fiscal_year is None:
        return Markdown("前回の調査が設定されていないため、変化は示せません。")
    basis = ""
    if run.check is not None:
        basis = (
            "前回の回答は確認していないため、比較は両年とも自動の割合（補正前）で"
            "行っています（上の表の補正した割合とは少し違うことがあります）。"
        )
    return Markdown(
        f"{run.previous_year_label}と{run.year_label}の比較です。同じ方法で両年を集計し、"
        "資源はそれぞれの年度に始まっていたものだけを数えています。"
        f"「{CHANGE_CLOSED}」は、前回は不足の候補で、今回は割合が町全体の水準まで下がった"
        f"組み合わせです。「{CHANGE_DROPPED}」は、候補ではなくなったものの、割合はまだ町全体より"
        "高い組み合わせです（資源が増えたか、差が偶然と区別できなくなったため）。" + basis
    )


def area_people(run: RunData, area: str) -> tuple[str, str]:
    """The area's respondents and answers with text as printed: 「123人」, 「5未満」 or 「非表示」.

    The same statuses as :func:`respondent_table`, so a handout never shows what the
    overview hides.
    """
    row = respondent_table(run).set_index("圏域").loc[area]
    cells = (row["回答者数"], row["自由記述あり"])
    return tuple(f"{cell:,}人" if isinstance(cell, int) else cell or "—" for cell in cells)


def area_summary(run: RunData, area: str) -> Markdown:
    """Respondents and answers in the area, and its 65+ population."""
    population = run.populations.get(area)
    residents = "未設定" if population is None else f"{population:,}人"
    many, some = area_people(run, area)
    return Markdown(
        f"回答者 **{many}**、うち自由記述あり **{some}**。"
        f"65歳以上人口 {residents}。割合は、自由記述を書いた人に占める割合です。"
    )


def gap_sections(run: RunData, gaps: pd.DataFrame, area: str) -> HTML:
    """Each flagged gap of the area with its two numbers in plain words; where nothing is
    flagged, one sentence on why (too few answers, or no difference beyond chance).

    Written as escaped HTML, never as Markdown.
    """
    published = protect_gaps(gaps, run.disclosure)
    in_area = published[published["area"] == area]
    if in_area.empty or in_area["n"].eq(0).all():
        return HTML(f"<p>{escape(VERDICT_NO_DATA)}。</p>")
    if (in_area["verdict"] == VERDICT_TOO_FEW).any():
        return HTML(
            f"<p>{NOT_JUDGED}：自由記述が{run.gap_settings.min_answers}人未満のため、"
            "この圏域は町全体と比べた判定をしていません。「問題がない」という意味ではありません。"
            "上の困りごとの順番と寄せられた声を、話し合いの手がかりにしてください。</p>"
        )
    flagged = ranked_gaps(published)
    flagged = flagged[flagged["area"] == area]
    if flagged.empty:
        return HTML(f"<p>{escape(nothing_flagged(in_area))}</p>")
    parts = []
    for row in flagged.itertuples(index=False):
        counted = "自動の該当" if run.check is not None else "該当"
        parts.append(
            f'<div class="na-gap"><h3>{escape(row.category)}：{VERDICT_GAP}'
            f'<span class="na-note">（町全体での順位 {int(row.rank)}位）</span></h3>'
            f"<p>{counted} {people(run.disclosure, row.count, row.count_status)} / "
            f"自由記述 {people(run.disclosure, row.n, row.n_status)}。"
            f"{escape(plain_reason(row, run.gap_settings.supply_margin, prefix=False))}。</p></div>"
        )
    return HTML("".join(parts))


def nothing_flagged(in_area: pd.DataFrame) -> str:
    """Why no need of a judged area is a candidate, naming the needs that are higher than
    the town's but not beyond chance: 「回答が少ないため差を判断できません」 where the
    rate's range is wider than the town's rate itself (too few answers to tell), else that
    the difference is small."""
    shown = in_area[in_area["shown"].astype(bool) & in_area["rate"].notna()]
    above = shown[shown["above"].astype(bool)]
    higher = shown[~shown["above"].astype(bool) & (shown["rate"] > shown["municipal_rate"])]
    sentence = "この圏域には、不足の候補（町全体より高く、資源も少ない組み合わせ）はありません。"
    if not above.empty:
        names = "・".join(above["category"])
        sentence += f"{names}は町全体より高い（偶然とは考えにくい差）ですが、資源は町全体の水準近くあります。"
    wide = (higher["ci_high"] - higher["ci_low"]) > higher["municipal_rate"]
    if wide.any():
        names = "・".join(higher.loc[wide, "category"])
        sentence += (
            f"{names}は町全体より高めですが、{NOT_JUDGED}（この人数では偶然の差と区別できません）。"
        )
    if (~wide).any():
        names = "・".join(higher.loc[~wide, "category"])
        sentence += f"{names}は町全体より高めですが、差はわずかで、偶然の差と区別できません。"
    return sentence


def plan_display_table(run: RunData, use_rollup: bool = False, examples: int = 4) -> pd.DataFrame:
    """The plan table (項目 / 困りごとの例 / 件数) of the run's year: one row per category,
    or per roll-up heading named with the categories it holds."""
    table = plan_table(
        run.answers,
        run.taxonomy.labels,
        run.min_count,
        rollup=run.taxonomy.rollup if use_rollup else None,
        examples=examples,
        masked=True,
    )
    shown = plan_table_for_display(table)
    return shown.rename(columns={"件数": PLAN_COUNT_HEADER})


def plan_block(run: RunData, use_rollup: bool = False, examples: int = 4) -> HTML:
    """The plan table as printed on A4 landscape: one example per line, in a size that
    fills the sheet."""
    from needs_analysis.report.pages import print_table

    return print_table(plan_display_table(run, use_rollup, examples), "na-plan")


PLAN_COUNT_HEADER = "件数（自動の分類）"


def plan_note(run: RunData) -> Markdown:
    """What the plan table's 件数 counts: the automatic classification, whatever the check."""
    note = (
        f"「{PLAN_COUNT_HEADER}」は、回答を自動で分類して数えた、その項目に当てはまる回答をした"
        "人の数です（1人の回答が複数の項目に当てはまることがあります）。困りごとの例は、"
        "寄せられた回答から選び、個人が特定されないよう伏せ字にしています。"
    )
    if run.check is not None:
        note += (
            f"全体資料の割合は、職員が {run.check.checked:,} 件を確認して補正した割合です。"
            "件数は補正していません。"
        )
    return Markdown(note)
