"""The saved run: what the notebooks read, how it is saved and loaded, and its year tables.

:func:`needs_analysis.run.pipeline.prepare_run` computes a :class:`RunData` once per run;
:func:`save_run` writes it beside the reports and every notebook reads it back with
:func:`load_run`. Nothing here classifies, tokenises or reads a survey: a notebook that
finds no saved run says how to make one.

The run is saved in parts, so that a notebook reads only what it shows: ``run.pkl`` holds
the settings, counts, responses, rejects and year tables (what the overview draws),
``answers.pkl`` the masked answers that examples are chosen from (handouts, plan table) and
``documents.pkl`` the documents table with every answer's words (the exploration page).
:func:`load_run` reads ``run.pkl`` alone; the other parts are read the first time
:attr:`RunData.answers` or :attr:`RunData.documents` is asked for, and then kept.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from needs_analysis import __version__
from needs_analysis.config.load import format_fiscal_year
from needs_analysis.config.settings import Area, GapSettings
from needs_analysis.config.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.gaps.change import year_over_year
from needs_analysis.gaps.corrected import has_checks, without_checks
from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.ingest.intake import resolve_area
from needs_analysis.privacy.disclosure import Disclosure, protect_gaps

if TYPE_CHECKING:
    from collections.abc import Mapping

    from needs_analysis.config.settings import Config
    from needs_analysis.ingest.intake import IngestSummary
    from needs_analysis.ingest.inventory import ResourceData
    from needs_analysis.ingest.rejects import MaskedRejects

RUN_FILE = "run.pkl"
# The parts read only where they are shown, and the file of each.
DOCUMENTS = "documents"
ANSWERS = "answers"
PART_FILES = {ANSWERS: "answers.pkl", DOCUMENTS: "documents.pkl"}
# The documents' columns that examples are chosen from (the answers part).
ANSWER_COLUMNS = (
    "respondent_id",
    "area",
    "has_text",
    "text",
    "categories",
    "confidence",
    "typicality",
)


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

    A run read by :func:`load_run` reads ``documents`` and ``answers`` from their own files
    the first time they are asked for. :func:`dataclasses.replace` gives a run without them.
    """

    municipality: str
    fiscal_year: int
    previous_fiscal_year: int | None
    min_count: int
    areas: list[str]
    # Each area's other spellings in the config, so that a notebook accepts them as well.
    area_aliases: dict[str, tuple[str, ...]]
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
    rejects: list[MaskedRejects] = field(default_factory=list)
    tables: YearTables | None = None
    check: CheckInfo | None = None
    # SHA-256 of each part's file, written by save_run: a part is read only with its run.
    part_digests: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._parts: dict[str, pd.DataFrame] = {}  # documents and answers held in memory
        self._saved_in: Path | None = None  # where load_run found the run and its parts

    def __getstate__(self) -> dict:
        """What ``run.pkl`` holds: everything but the parts and where they were read from."""
        state = dict(self.__dict__)
        state.pop("_parts", None)
        state.pop("_saved_in", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def documents(self) -> pd.DataFrame | None:
        """The documents table of the word views (read from its part once, when asked)."""
        return self._part(DOCUMENTS)

    @documents.setter
    def documents(self, frame: pd.DataFrame | None) -> None:
        self._parts.pop(ANSWERS, None)  # the answers are the documents' columns
        if frame is None:
            self._parts.pop(DOCUMENTS, None)
        else:
            self._parts[DOCUMENTS] = frame

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
        """The masked answers examples are chosen from (normalised, as in the documents):
        the documents when they are at hand, else their answers part, else the responses."""
        if DOCUMENTS in self._parts:
            return self._parts[DOCUMENTS]
        found = self._part(ANSWERS)
        return self.responses if found is None else found

    @property
    def parts_in_memory(self) -> tuple[str, ...]:
        """The parts held now (a loaded run: those read so far), by name."""
        return tuple(sorted(self._parts))

    def _part(self, name: str) -> pd.DataFrame | None:
        if name not in self._parts and self._saved_in is not None and name in self.part_digests:
            self._parts[name] = _read_part(self._saved_in, name, self.part_digests[name])
        return self._parts.get(name)

    def part_frames(self) -> dict[str, pd.DataFrame]:
        """The parts saved beside ``run.pkl``: the documents and their answers' columns."""
        documents = self.documents
        if documents is None:
            return {}
        answers = documents[[c for c in ANSWER_COLUMNS if c in documents.columns]]
        return {ANSWERS: answers, DOCUMENTS: documents}


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
        area_aliases={area.name: area.aliases for area in config.areas},
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


def save_run(run: RunData, directory: Path | str) -> list[Path]:
    """Write the run to ``directory``: ``run.pkl`` and its parts; the files written.

    A part this run does not have (a run without documents) is removed, so that no part of
    an earlier run is read with this one.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    frames = run.part_frames()
    digests = {}
    for name, file_name in PART_FILES.items():
        path = directory / file_name
        if name not in frames:
            path.unlink(missing_ok=True)
            continue
        data = pickle.dumps(frames[name], protocol=pickle.HIGHEST_PROTOCOL)
        path.write_bytes(data)
        digests[name] = hashlib.sha256(data).hexdigest()
        written.append(path)
    run.part_digests = digests
    path = directory / RUN_FILE
    path.write_bytes(pickle.dumps(run, protocol=pickle.HIGHEST_PROTOCOL))
    return [path, *written]


def load_run(directory: Path | str = "") -> RunData:
    """The run saved in ``directory`` by ``needs-analysis run`` (``run.pkl``; its other
    parts are read when first asked for).

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
    run = _unpickle(path)
    saved = set(vars(run)) if isinstance(run, RunData) else set()
    if not saved >= {item.name for item in fields(RunData)} or run.package_version != __version__:
        raise _stale(path)  # another version, or a run saved in another layout
    run._saved_in = Path(directory)
    return run


def chosen_area(run: RunData, value: str) -> str:
    """The area a notebook's ``area`` parameter names (its name or any other spelling the
    config gives it); "" for the whole town. An unknown area stops with one sentence."""
    areas = [Area(name, aliases=run.area_aliases.get(name, ())) for name in run.areas]
    return resolve_area(areas, value)


def _stale(path: Path) -> NeedsAnalysisError:
    return NeedsAnalysisError(
        f"{path} は別の版の needs-analysis で作られたため読めません。"
        "`needs-analysis run` をもう一度実行して作り直してください。"
    )


def _unpickle(path: Path) -> object:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (ImportError, AttributeError, TypeError, EOFError, pickle.UnpicklingError):
        raise _stale(path) from None  # a class moved or changed since the run was saved


def _read_part(directory: Path, name: str, digest: str) -> pd.DataFrame:
    """One part of a saved run, after checking it is the part saved with ``run.pkl``."""
    path = directory / PART_FILES[name]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NeedsAnalysisError(
            f"{path} がありません。`needs-analysis run` をもう一度実行してください。"
        ) from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise NeedsAnalysisError(
            f"{path} は {directory / RUN_FILE} と一緒に保存されたものではありません。"
            "`needs-analysis run` をもう一度実行して作り直してください。"
        )
    try:
        return pickle.loads(data)
    except (ImportError, AttributeError, TypeError, EOFError, pickle.UnpicklingError):
        raise _stale(path) from None


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
