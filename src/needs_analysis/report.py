"""The year's run: read, classify, mask, and hand the results to the report notebooks.

``prepare_run`` does the heavy work once (reading both fiscal years, classifying every
answer); the notebooks load its result with :func:`load_run` and only compute tables and
draw. Answers are masked before the run data is written, so nothing under ``reports/``
holds an unmasked answer.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown

from needs_analysis import __version__
from needs_analysis.config import Config, GapSettings, format_fiscal_year, load_config
from needs_analysis.csv_output import write_csv
from needs_analysis.gaps import (
    VERDICT_GAP,
    VERDICT_NO_DATA,
    VERDICT_TOO_FEW,
    analyse_gaps,
    ranked_gaps,
    supply_short,
    year_over_year,
)
from needs_analysis.io import IngestSummary, load_resources, load_survey
from needs_analysis.outputs import record_run, safe_file_name
from needs_analysis.pages import model_note
from needs_analysis.plan import choose_examples, plan_table, plan_table_for_display
from needs_analysis.privacy import (
    SHOWN,
    Disclosure,
    mask_personal_data,
    mask_table,
    people,
    protect_gaps,
)
from needs_analysis.provision import format_density
from needs_analysis.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.tokenize import Tokenizer

RUN_FILE = "run.pkl"
PLOTLY_JS = "plotly.min.js"


@dataclass
class RunData:
    """Everything the notebooks need for one municipality and fiscal year."""

    municipality: str
    fiscal_year: int
    previous_fiscal_year: int | None
    min_count: int
    areas: list[str]
    populations: dict[str, int | None]
    previous_populations: dict[str, int | None]
    taxonomy: Taxonomy
    responses: pd.DataFrame
    previous_responses: pd.DataFrame | None
    resources: pd.DataFrame
    resource_categories: dict[str, tuple[str, ...]]
    survey_summary: IngestSummary
    previous_summary: IngestSummary | None
    resources_summary: IngestSummary | None
    package_version: str = __version__
    model_metadata: dict[str, object] = field(default_factory=dict)
    rules_path: str = ""
    user_dictionary: str = ""
    gap_settings: GapSettings = field(default_factory=GapSettings)

    @property
    def settings(self) -> GapSettings:
        """The gap settings (a run saved before they existed gets the defaults)."""
        return self.__dict__.get("gap_settings") or GapSettings()

    @property
    def disclosure(self) -> Disclosure:
        """The disclosure rule every table, chart and sentence of the run asks."""
        return Disclosure(self.min_count)

    @property
    def year_label(self) -> str:
        return format_fiscal_year(self.fiscal_year)

    @property
    def previous_year_label(self) -> str | None:
        if self.previous_fiscal_year is None:
            return None
        return format_fiscal_year(self.previous_fiscal_year)


def prepare_run(config: Config, fiscal_year: int | None = None, progress=None) -> RunData:
    """Read, check, classify and mask one fiscal year (and the year before, if configured)."""
    # Imported here: the notebooks load this module and need no scikit-learn.
    from needs_analysis.classify import get_classifier

    say = progress or (lambda message: None)
    year = config.fiscal_year if fiscal_year is None else fiscal_year
    previous_year = config.previous_fiscal_year(year)
    taxonomy = load_taxonomy(config.taxonomy_path)

    say(f"調査を読み込んでいます（{format_fiscal_year(year)}）")
    survey = load_survey(config, year)
    for note in survey.summary.notes:  # lines re-read, merged cells filled, a renamed file
        say(f"注意: {note}")
    previous = load_survey(config, previous_year) if previous_year is not None else None
    resources = load_resources(config) if config.resources is not None else None

    say("分類モデルを準備しています")
    model = get_classifier(config)
    tokenizer = Tokenizer(config.user_dictionary)
    say(f"回答を分類しています（{survey.summary.with_text:,}件）")
    responses = _classified_and_masked(survey.responses, config, model, tokenizer)
    previous_responses = None
    if previous is not None:
        say(f"前回の回答を分類しています（{format_fiscal_year(previous_year)}）")
        previous_responses = _classified_and_masked(previous.responses, config, model, tokenizer)

    areas = [area.name for area in config.areas]
    return RunData(
        municipality=config.municipality,
        fiscal_year=year,
        previous_fiscal_year=previous_year,
        min_count=config.min_count,
        areas=areas,
        populations={area.name: area.population_in(year) for area in config.areas},
        previous_populations={
            area.name: area.population_in(previous_year) if previous_year else None
            for area in config.areas
        },
        taxonomy=taxonomy,
        responses=responses,
        previous_responses=previous_responses,
        resources=resources.resources if resources is not None else _empty_resources(),
        resource_categories=dict(config.resource_categories),
        survey_summary=survey.summary,
        previous_summary=previous.summary if previous is not None else None,
        resources_summary=resources.summary if resources is not None else None,
        model_metadata=dict(model.metadata),
        rules_path=str(config.rules_path),
        user_dictionary=str(config.user_dictionary or ""),
        gap_settings=config.gaps,
    )


def _classified_and_masked(
    responses: pd.DataFrame, config: Config, model, tokenizer: Tokenizer
) -> pd.DataFrame:
    from needs_analysis.classify import classify_responses

    classified = classify_responses(responses, config, model=model)
    # The raw answer never leaves this function: only the masked text is kept.
    classified["text"] = [
        mask_personal_data(text, tokenizer) if has_text else ""
        for text, has_text in zip(classified["text"], classified["has_text"], strict=True)
    ]
    return classified


def _empty_resources() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["name", "type", "area", "per_month", "capacity", "started", "source_row"]
    )


def save_run(run: RunData, directory: Path | str) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / RUN_FILE
    with path.open("wb") as handle:
        pickle.dump(run, handle)
    return path


def load_run(directory: Path | str = "", config_path: str = "", fiscal_year: int = 0) -> RunData:
    """The prepared run in ``directory``; with no directory, prepare it from the config.

    The second form lets a notebook run on its own with its default parameters.
    """
    if directory:
        path = Path(directory) / RUN_FILE
        with path.open("rb") as handle:
            return pickle.load(handle)
    config = load_config(config_path or None)
    return prepare_run(config, fiscal_year or None)


def write_rejects(rejects: pd.DataFrame, path: Path) -> Path | None:
    """Rejected rows with their reasons and row numbers, every text cell masked."""
    if rejects.empty:
        return None
    return write_csv(mask_table(rejects), path)


# --------------------------------------------------------------------------- year tables


@dataclass(frozen=True)
class YearTables:
    """The gap tables of the run's year, of the previous year, and the change between them.

    ``gaps`` and ``previous_gaps`` hold every figure; ``change`` is computed from the tables
    as published (:func:`needs_analysis.privacy.protect_gaps`), so no change is shown for a
    cell whose figures are hidden in either year.
    """

    gaps: pd.DataFrame
    previous_gaps: pd.DataFrame | None
    change: pd.DataFrame


def year_tables(run: RunData) -> YearTables:
    """Gap analysis of both years (the same method, each with its own population and
    the resources that had started by then) and the year-over-year table."""
    current = analyse_gaps(
        run.responses,
        run.resources,
        run.populations,
        run.resource_categories,
        run.taxonomy.labels,
        run.fiscal_year,
        run.areas,
        run.settings,
    )
    previous = None
    if run.previous_responses is not None and run.previous_fiscal_year is not None:
        previous = analyse_gaps(
            run.previous_responses,
            run.resources,
            run.previous_populations,
            run.resource_categories,
            run.taxonomy.labels,
            run.previous_fiscal_year,
            run.areas,
            run.settings,
        )
    rule = run.disclosure
    change = year_over_year(
        protect_gaps(current, rule), None if previous is None else protect_gaps(previous, rule)
    )
    return YearTables(current, previous, change)


# --------------------------------------------------------------------------- display


def table_html(frame: pd.DataFrame, max_rows: int | None = None) -> HTML:
    """A table for a handout: no index, Japanese headers as given, text escaped,
    fractions rounded to three decimals (a percentage column stays as it was built)."""
    shown = frame.head(max_rows) if max_rows else frame
    return HTML(
        shown.to_html(index=False, na_rep="—", escape=True, border=0, float_format=_short_float)
    )


def _short_float(value: float) -> str:
    if value != 0 and abs(value) < 0.001:
        return f"{value:.1e}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def suppressed(count: object, threshold: int) -> str:
    """A count on its own as printed (「5未満」 under the threshold)."""
    return Disclosure(threshold).label(count)


def gap_rule_note(run: RunData) -> Markdown:
    """How a gap is flagged, in one paragraph, with the run's settings."""
    settings = run.settings
    return Markdown(
        "困りごとの割合が町内のほかの圏域より統計的に高く（すべての圏域 × 分類をまとめて"
        f"多重比較の調整をしたq値が{settings.q:g}以下）、かつその分類の月あたりの提供が"
        f"65歳以上千人あたりで町全体の{settings.supply_margin:.0%}未満（またはない）の"
        "組み合わせを「不足の候補」としています。自由記述が"
        f"{settings.min_answers}人未満の圏域は「{VERDICT_TOO_FEW}」です。"
    )


def disclosure_note(run: RunData) -> Markdown:
    """The disclosure rule in one sentence, with the run's threshold, for a handout."""
    return Markdown(run.disclosure.sentence())


def percent(value: object) -> str:
    return "—" if pd.isna(value) else f"{float(value) * 100:.1f}%"


def respondent_counts(run: RunData) -> list[tuple[str, int, str, int, str]]:
    """Per 圏域: respondents and answers with text, each with its disclosure status.

    The 圏域 add up to the 町全体 figures, so each column is protected as a group.
    """
    responses = run.responses
    respondents = [int((responses["area"] == area).sum()) for area in run.areas]
    written = [
        int((responses["has_text"] & (responses["area"] == area)).sum()) for area in run.areas
    ]
    rule = run.disclosure
    return list(
        zip(
            run.areas,
            respondents,
            rule.statuses(respondents),
            written,
            rule.statuses(written),
            strict=True,
        )
    )


def respondent_table(run: RunData) -> pd.DataFrame:
    """Respondents and answers per 圏域 with the 65+ population (Japanese headers).

    The 圏域 add up to the 町全体 row, so both columns are protected as groups.
    """
    rule = run.disclosure
    responses = run.responses
    rows = []
    for area, many, many_status, some, some_status in respondent_counts(run):
        rows.append(
            {
                "圏域": area,
                "回答者数": rule.label(many, many_status),
                "自由記述あり": rule.label(some, some_status),
                "65歳以上人口": "—"
                if run.populations.get(area) is None
                else f"{run.populations[area]:,}",
            }
        )
    rows.append(
        {
            "圏域": "町全体",
            "回答者数": rule.label(len(responses)),
            "自由記述あり": rule.label(int(responses["has_text"].sum())),
            "65歳以上人口": f"{sum(v for v in run.populations.values() if v):,}",
        }
    )
    return pd.DataFrame(rows)


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
    return pd.DataFrame(
        {
            "順位": ranked["rank"].astype(int),
            "圏域": ranked["area"],
            "分類": ranked["category"],
            "該当/自由記述": [
                f"{c} / {n}" for c, n in zip(ranked["count_label"], ranked["n_label"], strict=True)
            ],
            "割合": ranked["rate"].map(percent),
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
    return pd.DataFrame(
        {
            "分類": rows["category"],
            "該当": rows["count_label"],
            "自由記述": rows["n_label"],
            "割合": rows["rate"].map(percent),
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
    return Markdown(
        f"{run.previous_year_label}と{run.year_label}の比較です。同じ方法で両年を集計し、"
        "資源はそれぞれの年度に始まっていたものだけを数えています。"
        "「解消」は前回は不足の候補だったが今回は該当しない組み合わせです。"
    )


def area_people(run: RunData, area: str) -> tuple[str, str]:
    """The area's respondents and answers with text as printed: 「123人」, 「5未満」 or 「非表示」.

    The same statuses as :func:`respondent_table`, so a handout never shows what the
    overview hides.
    """
    table = respondent_table(run).set_index("圏域")
    many, some = table.loc[area, "回答者数"], table.loc[area, "自由記述あり"]
    rule = run.disclosure
    hidden = (rule.small_label, "非表示", "—")
    return tuple(value if value in hidden else f"{value}人" for value in (many, some))


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
            f"<p>{escape(VERDICT_TOO_FEW)}。自由記述が{run.settings.min_answers}人未満のため、"
            "この圏域は統計の判定をしていません。「問題がない」という意味ではありません。</p>"
        )
    flagged = ranked_gaps(published)
    flagged = flagged[flagged["area"] == area]
    if flagged.empty:
        return HTML(
            "<p>この圏域では、町全体と比べて困りごとが有意に多く、かつ提供が少ない組み合わせは"
            "見つかりませんでした。上の表と資源の一覧で、気になる分類を確かめてください。</p>"
        )
    written = run.responses[(run.responses["area"] == area) & run.responses["has_text"]]
    parts = []
    for row in flagged.itertuples(index=False):
        carries = written["categories"].map(lambda found, label=row.category: label in found)
        picked = (
            choose_examples(written[carries], (row.category,), examples)
            if row.count_status == SHOWN and row.count > 0
            else ()
        )
        voices = "".join(f"<li>{escape(text)}</li>" for text in picked)
        voices = f"<ul>{voices}</ul>" if voices else "<p>（回答例は載せていません）</p>"
        parts.append(
            f'<div class="na-gap"><h3>{escape(row.category)}：{VERDICT_GAP}'
            f'<span class="na-note">（町全体での順位 {int(row.rank)}位）</span></h3>'
            f"<p>該当 {people(run.disclosure, row.count, row.count_status)} / "
            f"自由記述 {people(run.disclosure, row.n, row.n_status)}。"
            f"{escape(published_reason(row))}。</p>"
            f"<p>寄せられた声（個人が特定されないよう伏せ字にしています）:</p>{voices}</div>"
        )
    return HTML("".join(parts))


def plan_display_table(run: RunData, use_rollup: bool = True, examples: int = 4) -> pd.DataFrame:
    """The plan table (項目 / 困りごとの例 / 件数) of the run's year."""
    table = plan_table(
        run.responses,
        run.taxonomy.labels,
        run.min_count,
        rollup=run.taxonomy.rollup if use_rollup else None,
        examples=examples,
    )
    shown = plan_table_for_display(table)
    shown["困りごとの例"] = shown["困りごとの例"].str.replace("\n", "　", regex=False)
    return shown


# --------------------------------------------------------------------------- workbook


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


def write_run_workbook(run: RunData, tables: YearTables, path: Path) -> Path:
    """The run's workbook: numbers with formats, a 説明 sheet, print setup per sheet."""
    from needs_analysis import workbook

    return workbook.write_workbook(
        workbook.workbook_sheets(run, tables), path, header=f"{run.municipality}　{run.year_label}"
    )


# --------------------------------------------------------------------------- the whole run


@dataclass(frozen=True)
class RunResult:
    """What ``needs-analysis run`` wrote, and how long each stage took (seconds)."""

    out_dir: Path
    files: list[Path]
    timings: dict[str, float]
    note: str = ""


def notebook_jobs(run: RunData, data_dir: Path, explore: dict[str, str] | None = None) -> list:
    """The notebooks of a report: overview, one handout per 圏域, plan table, exploration.

    ``explore`` holds the exploration notebook's keywords and category (comma-separated).
    """
    from needs_analysis.notebooks import NotebookJob

    common = {"data_dir": str(data_dir), "plotly_js": PLOTLY_JS}
    jobs = [
        NotebookJob(
            "01_summarise_needs.ipynb",
            dict(common),
            "index",
            f"{run.municipality} {run.year_label} 困りごとと地域資源",
        ),
    ]
    for number, area in enumerate(run.areas, start=1):
        jobs.append(
            NotebookJob(
                "02_brief_area.ipynb",
                {**common, "area": area},
                f"handout_{number:02d}_{safe_file_name(area)}",
                f"{run.municipality} {area} {run.year_label}",
            )
        )
    jobs.append(
        NotebookJob(
            "03_tabulate_plan.ipynb",
            dict(common),
            "plan_table",
            f"{run.municipality} {run.year_label} 計画の表",
        )
    )
    jobs.append(
        NotebookJob(
            "04_explore_free_text.ipynb",
            {**common, **(explore or {})},
            "explore",
            f"{run.municipality} {run.year_label} 自由記述の探索",
        )
    )
    return jobs


def run_reports(
    config: Config,
    fiscal_year: int | None = None,
    out: Path | str = "reports",
    progress=None,
    workers: int = 2,
    pdf: bool | None = None,
    kwic: Sequence[str] | None = None,
    category: str | None = None,
) -> RunResult:
    """Classify, analyse, execute the notebooks and write ``<out>/<fiscal year>/``.

    ``pdf`` (default: the config's ``report.pdf``) prints a PDF beside each page; ``kwic``
    and ``category`` (default: the config's, else chosen from the answers) steer the
    exploration page's keyword views.
    """
    from needs_analysis.notebooks import execute_all

    say = progress or (lambda message: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    year = config.fiscal_year if fiscal_year is None else fiscal_year
    out_dir = Path(out) / str(year)
    out_dir.mkdir(parents=True, exist_ok=True)
    run = prepare_run(config, year, progress=say)
    lap("読み込みと分類")

    data_dir = Path("data")  # relative to the report folder, where the kernels run
    files = [save_run(run, out_dir / data_dir)]
    files += _write_all_rejects(config, year, out_dir)
    say("集計表を Excel に書き出しています")
    tables = year_tables(run)
    files.append(write_run_workbook(run, tables, out_dir / f"needs_analysis_{year}.xlsx"))
    lap("集計と Excel")

    jobs = notebook_jobs(run, data_dir, _explore_parameters(config, kwic, category))
    say(f"ノートブックを実行しています（{len(jobs)}件）")
    done = 0

    def notebook_done(job) -> None:
        nonlocal done
        done += 1
        say(f"  [{done}/{len(jobs)}] {job.output_stem}.html")

    pages = []
    for executed, html in execute_all(jobs, out_dir, workers=workers, progress=notebook_done):
        files += [executed, html]
        pages.append(html)
    lap("ノートブック")
    note = ""
    if config.report.pdf if pdf is None else pdf:
        say("PDF を書き出しています")
        printed, note = _print_pages(pages, workers)
        files += printed
        lap("PDF")
    record_run(out_dir, files)
    return RunResult(out_dir, files, timings, note)


def _explore_parameters(
    config: Config, kwic: Sequence[str] | None, category: str | None
) -> dict[str, str]:
    """The exploration notebook's keywords and category: the command line's, else the config's."""
    return {
        "keywords": ",".join(config.report.kwic if kwic is None else kwic),
        "category": config.report.category if category is None else category,
    }


def _print_pages(pages: list[Path], workers: int) -> tuple[list[Path], str]:
    """A PDF beside each page, and a note when they could not be printed."""
    from needs_analysis.pdf import write_pdfs

    printed = write_pdfs(pages, workers=workers)
    return list(printed.pdfs), printed.note


def _write_all_rejects(config: Config, year: int, out_dir: Path) -> list[Path]:
    """The rejects files of the survey and of the resource inventory (IDs kept, text masked)."""
    tokenizer = Tokenizer(config.user_dictionary)
    survey = load_survey(config, year)
    tables = [survey]
    if config.resources is not None:
        tables.append(load_resources(config))
    written = []
    for data in tables:
        if not data.rejects.empty:
            path = out_dir / "rejects" / f"{data.summary.path.stem}_rejects.csv"
            written.append(write_csv(mask_table(data.rejects, tokenizer), path))
    return written


def plotly_js_source() -> Path:
    """plotly.min.js as shipped inside the plotly package (no network needed)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


# --------------------------------------------------------------------------- exploration


def documents(run: RunData) -> pd.DataFrame:
    """The run's answers tokenised once for the word views, with the town's rules (synonyms)
    and user dictionary (place and service names stay one word)."""
    from needs_analysis.textstats import build_documents

    return build_documents(
        run.responses,
        rules=run.rules_path or None,
        tokenizer=Tokenizer(run.user_dictionary or None),
    )
