"""The report's sentences and sections: summaries, council questions, gap sections, the plan table."""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython.display import HTML, Markdown

from needs_analysis.gaps.change import ranked_gaps
from needs_analysis.gaps.corrected import CHECKED_COLUMN, is_checked
from needs_analysis.gaps.table import VERDICT_GAP, VERDICT_NO_DATA, VERDICT_TOO_FEW
from needs_analysis.privacy.disclosure import SHOWN, people, protect_gaps
from needs_analysis.report.plan import (
    choose_examples,
    is_repeat,
    plan_table,
    plan_table_for_display,
)
from needs_analysis.report.rundata import (
    RunData,
)
from needs_analysis.report.views import (
    published_reason,
    respondent_table,
)


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
    # Only a category counted at or above the disclosure threshold may be named.
    rows = gaps[(gaps["area"] == area) & gaps["rate"].notna() & (gaps["count"] >= min_count)]
    if rows.empty:
        return "この圏域で、いま一番困っていそうなことは何でしょうか。"
    top = rows.sort_values(["rate", "category"], ascending=[False, True]).iloc[0]
    return (
        f"この圏域でいちばん多い困りごとは「{top['category']}」でした。"
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
        "「解消」は前回は不足の候補だったが今回は該当しない組み合わせです。" + basis
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
        f"65歳以上人口 {residents}。割合の分母は自由記述のある人です。"
    )


def gap_sections(run: RunData, gaps: pd.DataFrame, area: str, examples: int = 3) -> HTML:
    """Each flagged gap of the area with its two numbers and a few masked example answers.

    An area that cannot be judged says so instead of "nothing found". Answers are written
    as escaped HTML, never as Markdown: a resident's 「*」 or 「#」 must print as written.
    """
    published = protect_gaps(gaps, run.disclosure)
    in_area = published[published["area"] == area]
    verdicts = set(in_area["verdict"])
    if VERDICT_NO_DATA in verdicts and in_area["n"].eq(0).all():
        return HTML(f"<p>{escape(VERDICT_NO_DATA)}。</p>")
    if VERDICT_TOO_FEW in verdicts:
        return HTML(
            f"<p>{escape(VERDICT_TOO_FEW)}。自由記述が{run.gap_settings.min_answers}人未満のため、"
            "この圏域は統計の判定をしていません。「問題がない」という意味ではありません。</p>"
        )
    flagged = ranked_gaps(published)
    flagged = flagged[flagged["area"] == area]
    if flagged.empty:
        return HTML(
            "<p>この圏域では、町全体と比べて困りごとが有意に多く、かつ提供が少ない組み合わせは"
            "見つかりませんでした。上の表と資源の一覧で、気になる分類を確かめてください。</p>"
        )
    written = area_answers(run, area)
    parts = []
    for row in flagged.itertuples(index=False):
        picked = (
            area_examples(written, row.category, examples)
            if row.count_status == SHOWN and row.count > 0
            else ()
        )
        voices = "".join(f"<li>{escape(text)}</li>" for text in picked)
        voices = f"<ul>{voices}</ul>" if voices else "<p>（回答例は載せていません）</p>"
        parts.append(
            f'<div class="na-gap"><h3>{escape(row.category)}：{VERDICT_GAP}'
            f'<span class="na-note">（町全体での順位 {int(row.rank)}位）</span></h3>'
            f"<p>{'自動の該当' if run.check is not None else '該当'} "
            f"{people(run.disclosure, row.count, row.count_status)} / "
            f"自由記述 {people(run.disclosure, row.n, row.n_status)}。"
            f"{escape(published_reason(row))}。</p>"
            f"<p>寄せられた声（個人が特定されないよう伏せ字にしています）:</p>{voices}</div>"
        )
    return HTML("".join(parts))


def area_answers(run: RunData, area: str) -> pd.DataFrame:
    """The area's answers with text, each with the coordinator's categories where it was
    checked (``checked``: the categories, or None)."""
    answers = run.answers
    written = answers[(answers["area"] == area) & answers["has_text"]]
    checked = pd.Series([None] * len(written), index=written.index, dtype=object)
    if run.check is not None and CHECKED_COLUMN in run.responses.columns:
        marks = run.responses.set_index("respondent_id")[CHECKED_COLUMN]
        checked = written["respondent_id"].map(marks).where(lambda v: v.map(is_checked), None)
    return written.assign(checked=checked)


def area_examples(written: pd.DataFrame, category: str, limit: int) -> tuple[str, ...]:
    """Example answers of a category: answers a coordinator checked and found to carry it
    first (they are known to be right), then the model's, never one a check found not to
    carry it."""
    checked = written["checked"].map(is_checked)
    confirmed = checked & written["checked"].map(
        lambda found: is_checked(found) and category in found
    )
    labelled = ~checked & written["categories"].map(lambda found: category in found)
    known = written[confirmed].assign(categories=written.loc[confirmed, "checked"])
    first = choose_examples(known, (category,), limit, masked=True)
    if len(first) >= limit:
        return first
    rest = choose_examples(written[labelled], (category,), limit + len(first), masked=True)
    more = [text for text in rest if not any(is_repeat(text, seen) for seen in first)]
    return (*first, *more[: limit - len(first)])


def plan_display_table(run: RunData, use_rollup: bool = True, examples: int = 4) -> pd.DataFrame:
    """The plan table (項目 / 困りごとの例 / 件数) of the run's year."""
    table = plan_table(
        run.answers,
        run.taxonomy.labels,
        run.min_count,
        rollup=run.taxonomy.rollup if use_rollup else None,
        examples=examples,
        masked=True,
    )
    shown = plan_table_for_display(table)
    shown["困りごとの例"] = shown["困りごとの例"].str.replace("\n", "　", regex=False)
    return shown
