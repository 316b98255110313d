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
from needs_analysis.config import Config, format_fiscal_year, load_config
from needs_analysis.gaps import CHANGE_NONE, analyse_gaps, ranked_gaps, year_over_year
from needs_analysis.io import IngestSummary, load_resources, load_survey, write_csv
from needs_analysis.plan import choose_examples, plan_table, plan_table_for_display
from needs_analysis.privacy import mask_personal_data, mask_table, suppress_count
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
    """The gap tables of the run's year, of the previous year, and the change between them."""

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
        )
    return YearTables(current, previous, year_over_year(current, previous))


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
    if pd.isna(count):
        return "—"
    return suppress_count(int(count), threshold)


def percent(value: object) -> str:
    return "—" if pd.isna(value) else f"{float(value) * 100:.1f}%"


def respondent_table(run: RunData) -> pd.DataFrame:
    """Respondents and answers per 圏域 with the 65+ population (Japanese headers)."""
    responses = run.responses
    rows = []
    for area in run.areas:
        in_area = responses[responses["area"] == area]
        rows.append(
            {
                "圏域": area,
                "回答者数": suppressed(len(in_area), run.min_count),
                "自由記述あり": suppressed(int(in_area["has_text"].sum()), run.min_count),
                "65歳以上人口": "—"
                if run.populations.get(area) is None
                else f"{run.populations[area]:,}",
            }
        )
    rows.append(
        {
            "圏域": "町全体",
            "回答者数": f"{len(responses):,}",
            "自由記述あり": f"{int(responses['has_text'].sum()):,}",
            "65歳以上人口": f"{sum(v for v in run.populations.values() if v):,}",
        }
    )
    return pd.DataFrame(rows)


def gap_display_table(gaps: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """The flagged gaps, ranked, with n, rates, interval and supply (Japanese headers)."""
    ranked = _hide_small_rates(ranked_gaps(gaps), min_count)
    return pd.DataFrame(
        {
            "順位": ranked["rank"].astype(int),
            "圏域": ranked["area"],
            "分類": ranked["category"],
            "該当/自由記述": [
                f"{suppressed(c, min_count)} / {n}"
                for c, n in zip(ranked["count"], ranked["n"], strict=True)
            ],
            "割合": ranked["rate"].map(percent),
            "95%区間": [
                f"{percent(lo)}〜{percent(hi)}"
                for lo, hi in zip(ranked["ci_low"], ranked["ci_high"], strict=True)
            ],
            "町全体": ranked["municipal_rate"].map(percent),
            "資源（千人あたり）": [
                f"{r}か所（{'—' if pd.isna(p) else f'{p:.2f}'}）"
                for r, p in zip(ranked["resources"], ranked["per_1000"], strict=True)
            ],
            "町全体の密度": ranked["municipal_per_1000"].map(
                lambda v: "—" if pd.isna(v) else f"{v:.2f}"
            ),
            "判定の理由": ranked["reason"],
        }
    )


def _hide_small_rates(frame: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Blank the rate and interval of cells whose count is under the threshold: a rate
    with its n would give the suppressed count away."""
    small = (frame["count"] > 0) & (frame["count"] < min_count)
    hidden = frame.copy()
    for column in ("rate", "ci_low", "ci_high"):
        if column in hidden.columns:
            hidden[column] = hidden[column].where(~small)
    return hidden


def area_rate_table(gaps: pd.DataFrame, area: str, min_count: int) -> pd.DataFrame:
    """One 圏域's need per category against the municipal rate (Japanese headers)."""
    rows = _hide_small_rates(gaps[gaps["area"] == area], min_count)
    return pd.DataFrame(
        {
            "分類": rows["category"],
            "該当": [suppressed(c, min_count) for c in rows["count"]],
            "自由記述": rows["n"],
            "割合": rows["rate"].map(percent),
            "95%区間": [
                f"{percent(lo)}〜{percent(hi)}"
                for lo, hi in zip(rows["ci_low"], rows["ci_high"], strict=True)
            ],
            "町全体": rows["municipal_rate"].map(percent),
            "資源": rows["resources"].astype(int).astype(str) + "か所",
            "不足の候補": rows["flag"].map({True: "●", False: ""}),
        }
    )


def area_resources(run: RunData, area: str) -> pd.DataFrame:
    """The resources of one 圏域 that count in the run's year, with the needs they meet."""
    resources = run.resources[run.resources["area"] == area]
    started = pd.to_numeric(resources["started"], errors="coerce")
    resources = resources[started.isna() | (started <= run.fiscal_year)]
    return pd.DataFrame(
        {
            "資源名": resources["name"],
            "種別": resources["type"],
            "対応する困りごと": resources["type"].map(
                lambda kind: "・".join(run.resource_categories.get(kind, ()))
            ),
            "月あたり回数": resources["per_month"].map(lambda v: "—" if pd.isna(v) else f"{v:g}"),
        }
    )


def supply_display_table(
    gaps: pd.DataFrame, areas: list[str], labels: tuple[str, ...]
) -> pd.DataFrame:
    """Resources per 圏域 and category as counts, with the density per 1,000 aged 65+."""
    table = gaps.set_index(["area", "category"])
    rows = []
    for area in areas:
        row: dict[str, object] = {"圏域": area}
        for label in labels:
            if (area, label) in table.index:
                cell = table.loc[(area, label)]
                density = "—" if pd.isna(cell["per_1000"]) else f"{cell['per_1000']:.2f}"
                row[label] = f"{int(cell['resources'])}（{density}）"
            else:
                row[label] = "—"
        rows.append(row)
    return pd.DataFrame(rows)


def change_display_table(change: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Rows whose flag changed or stayed, with both years' rates (Japanese headers)."""
    moved = change[change["flag_change"] != CHANGE_NONE]
    return pd.DataFrame(
        {
            "圏域": moved["area"],
            "分類": moved["category"],
            "前回の割合": moved["rate_previous"].map(percent),
            "今回の割合": moved["rate"].map(percent),
            "前回の資源": moved["resources_previous"].map(
                lambda v: "—" if pd.isna(v) else f"{int(v)}か所"
            ),
            "今回の資源": moved["resources"].map(lambda v: "—" if pd.isna(v) else f"{int(v)}か所"),
            "不足の候補": moved["flag_change"],
        }
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
    return Markdown(
        f"{run.previous_year_label}と{run.year_label}の比較です。同じ方法で両年を集計し、"
        "資源はそれぞれの年度に始まっていたものだけを数えています。"
        "「解消」は前回は不足の候補だったが今回は該当しない組み合わせです。"
    )


def area_summary(run: RunData, area: str) -> Markdown:
    """Respondents and answers in the area, and its 65+ population."""
    in_area = run.responses[run.responses["area"] == area]
    population = run.populations.get(area)
    people = "未設定" if population is None else f"{population:,}人"
    return Markdown(
        f"回答者 **{suppressed(len(in_area), run.min_count)}人**、"
        f"うち自由記述あり **{suppressed(int(in_area['has_text'].sum()), run.min_count)}人**。"
        f"65歳以上人口 {people}。割合の分母は自由記述のある人です。"
    )


def gap_sections(run: RunData, gaps: pd.DataFrame, area: str, examples: int = 3) -> HTML:
    """Each flagged gap of the area with its reason and a few masked example answers.

    Answers are written as escaped HTML, never as Markdown: a resident's 「*」 or 「#」 must
    print as written.
    """
    flagged = ranked_gaps(gaps)
    flagged = flagged[flagged["area"] == area]
    if flagged.empty:
        return HTML(
            "<p>この圏域では、町全体と比べて困りごとが有意に多く、かつ資源が少ない組み合わせは"
            "見つかりませんでした。上の表と資源の一覧で、気になる分類を確かめてください。</p>"
        )
    written = run.responses[(run.responses["area"] == area) & run.responses["has_text"]]
    parts = []
    for row in flagged.itertuples(index=False):
        carries = written["categories"].map(lambda found, label=row.category: label in found)
        picked = (
            ()
            if row.count < run.min_count
            else choose_examples(written[carries], (row.category,), examples)
        )
        voices = "".join(f"<li>{escape(text)}</li>" for text in picked)
        voices = f"<ul>{voices}</ul>" if voices else "<p>（回答例は載せていません）</p>"
        parts.append(
            f'<div class="na-gap"><h3>{escape(row.category)}'
            f'<span class="na-note">（町全体での順位 {int(row.rank)}位）</span></h3>'
            f"<p>該当 {suppressed(row.count, run.min_count)}人 / 自由記述 {row.n}人。"
            f"{escape(row.reason)}。</p>"
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
    return pd.DataFrame(rows)


def write_run_workbook(run: RunData, tables: YearTables, path: Path) -> Path:
    """The run's workbook: numbers with formats, a 説明 sheet, print setup per sheet."""
    import datetime

    from needs_analysis import workbook

    return workbook.write_workbook(
        workbook.workbook_sheets(run, tables),
        path,
        header=f"{run.municipality}　{run.year_label}",
        # The start of the fiscal year: the same on every rerun of the same year.
        stamp=datetime.datetime(run.fiscal_year, 4, 1),
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
                f"handout_{number:02d}_{area}",
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

    data_dir = (out_dir / "data").resolve()
    files = [save_run(run, data_dir)]
    survey = load_survey(config, year)
    rejected = write_rejects(
        survey.rejects, out_dir / "rejects" / f"{survey.summary.path.stem}_rejects.csv"
    )
    files += [rejected] if rejected else []
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
