"""The saved run: what the notebooks read, how it is saved and loaded, and its year tables.

:func:`needs_analysis.run.pipeline.prepare_run` computes a :class:`RunData` once per run;
:func:`save_run` writes it beside the reports and every notebook reads it back with
:func:`load_run`. Nothing here classifies, tokenises or reads a survey: a notebook that
finds no saved run says how to make one.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from needs_analysis import __version__
from needs_analysis.config.load import format_fiscal_year
from needs_analysis.config.settings import GapSettings
from needs_analysis.config.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.gaps.change import year_over_year
from needs_analysis.gaps.corrected import has_checks, without_checks
from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.privacy.disclosure import Disclosure, protect_gaps

if TYPE_CHECKING:
    from collections.abc import Mapping

    from needs_analysis.config.settings import Config
    from needs_analysis.ingest.intake import IngestSummary
    from needs_analysis.ingest.inventory import ResourceData
    from needs_analysis.ingest.rejects import MaskedRejects

RUN_FILE = "run.pkl"


@dataclass(frozen=True)
class YearTables:
    """The gap tables of the run's year, of the previous year, and the change between them.

    ``gaps`` and ``previous_gaps`` hold every figure; ``change`` is computed from the tables
    as published (:func:`needs_analysis.privacy.masking.protect_gaps`), so no change is shown for a
    cell whose figures are hidden in either year. When the year's rates are corrected by a
    check (``gaps["corrected"]``), ``automatic`` holds the year's automatic gap table, and
    the change compares it with the previous year's (automatic) one: the same method in
    both years.
    """

    gaps: pd.DataFrame
    previous_gaps: pd.DataFrame | None
    change: pd.DataFrame
    automatic: pd.DataFrame | None = None

    @property
    def change_gaps(self) -> pd.DataFrame:
        """The year's gap table the change is computed from."""
        return self.gaps if self.automatic is None else self.automatic


@dataclass(frozen=True)
class CheckInfo:
    """The coordinator's check the year's rates are corrected with.

    ``file``: the check sheet's name; ``checked``: the answers checked; ``planted``: the
    sample town's sheet, filled from its planted labels rather than by a person.
    """

    file: str
    checked: int
    planted: bool = False


@dataclass
class RunData:
    """Everything the notebooks need for one municipality and fiscal year.

    ``responses`` has one row per accepted respondent with the masked answer; ``documents``
    the same answers as the word views read them (normalised and masked, with their words;
    see :func:`needs_analysis.textstats.build_documents`); ``rejects`` the rejected rows of
    each input file, masked; ``tables`` the gap tables. With a coordinator's check
    (``check``), ``responses`` also holds each checked answer's categories and inclusion
    probability (the columns of :mod:`needs_analysis.gaps.corrected`).
    """

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
    documents: pd.DataFrame | None = None
    rejects: list[MaskedRejects] = field(default_factory=list)
    tables: YearTables | None = None
    check: CheckInfo | None = None

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

    @property
    def answers(self) -> pd.DataFrame:
        """The masked answers examples are chosen from: the documents, else the responses."""
        return self.responses if self.documents is None else self.documents


def run_data(
    config: Config,
    year: int,
    responses: pd.DataFrame,
    survey_summary: IngestSummary,
    resources: ResourceData | None,
    *,
    previous_responses: pd.DataFrame | None = None,
    previous_summary: IngestSummary | None = None,
    model_metadata: Mapping[str, object] | None = None,
) -> RunData:
    """The run data of one town and year: the config's areas, populations, taxonomy and
    settings around classified (and masked) responses and the resource inventory."""
    previous_year = config.previous_fiscal_year(year) if previous_responses is not None else None
    return RunData(
        municipality=config.municipality,
        fiscal_year=year,
        previous_fiscal_year=previous_year,
        min_count=config.min_count,
        areas=[area.name for area in config.areas],
        populations={area.name: area.population_in(year) for area in config.areas},
        previous_populations={
            area.name: area.population_in(previous_year) if previous_year else None
            for area in config.areas
        },
        taxonomy=load_taxonomy(config.taxonomy_path),
        responses=responses,
        previous_responses=previous_responses,
        resources=resources.resources if resources is not None else _empty_resources(),
        resource_categories=dict(config.resource_categories),
        survey_summary=survey_summary,
        previous_summary=previous_summary,
        resources_summary=resources.summary if resources is not None else None,
        model_metadata=dict(model_metadata or {}),
        rules_path=str(config.rules_path),
        user_dictionary=str(config.user_dictionary or ""),
        gap_settings=config.gaps,
    )


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


def load_run(directory: Path | str = "") -> RunData:
    """The run saved in ``directory`` by ``needs-analysis run``.

    A notebook never classifies: with no directory it stops and says how to prepare the run.
    A run saved by another version of the package is not read (its classes may have moved or
    changed): the message says to run it again.
    """
    if not directory:
        raise NeedsAnalysisError(
            "集計済みのデータ（run.pkl）のフォルダが指定されていません。"
            "先に `needs-analysis run --config 設定ファイル` を実行して、"
            "できた reports/<年度>/data フォルダを data_dir に指定してください。"
        )
    path = Path(directory) / RUN_FILE
    if not path.is_file():
        raise NeedsAnalysisError(
            f"{path} がありません。先に `needs-analysis run` を実行してください。"
        )
    stale = NeedsAnalysisError(
        f"{path} は別の版の needs-analysis で作られたため読めません。"
        "`needs-analysis run` をもう一度実行して作り直してください。"
    )
    try:
        with path.open("rb") as handle:
            run = pickle.load(handle)
    except (ImportError, AttributeError, TypeError, EOFError, pickle.UnpicklingError):
        raise stale from None  # a class moved or changed since the run was saved
    if not isinstance(run, RunData) or run.package_version != __version__:
        raise stale
    return run


def year_tables(run: RunData) -> YearTables:
    """The run's gap tables: as saved with the run, else computed (:func:`compute_year_tables`)."""
    return run.tables if run.tables is not None else compute_year_tables(run)


def compute_year_tables(run: RunData) -> YearTables:
    """Gap analysis of both years (the same method, each with its own population and
    the resources that had started by then) and the year-over-year table.

    Where the year's answers carry a coordinator's check, the year's table is corrected
    and the change is computed from its automatic table (see :class:`YearTables`)."""

    def year_gaps(responses: pd.DataFrame) -> pd.DataFrame:
        return analyse_gaps(
            responses,
            run.resources,
            run.populations,
            run.resource_categories,
            run.taxonomy.labels,
            run.fiscal_year,
            run.areas,
            run.gap_settings,
        )

    current = year_gaps(run.responses)
    automatic = year_gaps(without_checks(run.responses)) if has_checks(run.responses) else None
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
            run.gap_settings,
        )
    rule = run.disclosure
    basis = current if automatic is None else automatic
    change = year_over_year(
        protect_gaps(basis, rule), None if previous is None else protect_gaps(previous, rule)
    )
    return YearTables(current, previous, change, automatic)
