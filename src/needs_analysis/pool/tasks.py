"""What runs on a Dask worker for the pool: read a town, classify a part of it, and compute
the town's tables.

Every task takes small picklable arguments (paths, names, numbers) and builds what it needs
in its own process. The classifier of a config is loaded once per worker process and kept
in a module-level cache: a fitted model is large, and its tokenizer holds a MeCab tagger
that cannot be pickled, so neither is ever sent between processes. A town's gap table is
computed on a worker too, from its classified parts, so that the client only receives the
tables.

A worker process is daemonic and may not start processes of its own, so a partition is
classified in the worker's process (``workers=1``; the cluster supplies the parallelism).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.ingest.intake import IngestSummary

if TYPE_CHECKING:
    from needs_analysis.classify.model import NeedClassifier
    from needs_analysis.config.settings import Config
    from needs_analysis.ingest.rejects import MaskedRejects

# config path -> the key of the model its classifier is fitted from (the hashes of its
# labeled data, rules, taxonomy and user dictionary) and whether the config asks for the
# fast path; towns whose files have the same contents share one model.
_sources: dict[str, tuple[str, bool]] = {}
_models: dict[tuple[str, bool], NeedClassifier] = {}


@dataclass
class TownRead:
    """A town's accepted rows (town, area, text), its counts and masked rejects, or why not."""

    error: str = ""
    responses: pd.DataFrame | None = None
    summary: IngestSummary | None = None
    rejects: MaskedRejects | None = None


def read_town(town) -> TownRead:
    """Read and check one town's survey on a worker; a broken file becomes ``error``.

    Only the columns the pool needs are kept (no respondent ID or attributes travel), and
    the rejected rows are masked here with the town's tokenizer (its user dictionary), so
    no raw answer reaches the client.
    """
    from needs_analysis.config.load import load_config
    from needs_analysis.ingest.places import town_tokenizer
    from needs_analysis.ingest.rejects import mask_rejects
    from needs_analysis.ingest.survey import load_survey

    try:
        config = load_config(town.config_path)
        survey = load_survey(config, town.fiscal_year)
    except NeedsAnalysisError as error:
        return TownRead(error=str(error))
    except Exception as error:  # an unreadable file that the reader did not expect
        return TownRead(error=f"調査ファイルを読めませんでした（{type(error).__name__}）。")
    responses = survey.responses[["area", "text"]].astype(object)
    responses.insert(0, "town", town.name)
    rejects = mask_rejects(survey.rejects, survey.summary.path, town_tokenizer(config))
    return TownRead(responses=responses, summary=survey.summary, rejects=rejects)


def town_partition(read: TownRead, number: int, count: int) -> pd.DataFrame:
    """Part ``number`` of ``count`` of a town's rows, in file order."""
    assert read.responses is not None
    size = -(-len(read.responses) // count)
    return read.responses.iloc[number * size : (number + 1) * size].reset_index(drop=True)


def classify_partition(
    read: TownRead, number: int, count: int, config_path: str, fast: bool
) -> pd.DataFrame:
    """Classify part ``number`` of ``count`` of a town's rows with the town's classifier, as
    a single-town run does; its area, has_text and categories."""
    from needs_analysis.classify.predictions import classify_responses

    rows = town_partition(read, number, count)
    # A Dask worker is daemonic and cannot fork: predict in this process.
    classified = classify_responses(rows, worker_model(config_path, fast), workers=1)
    return classified[["area", "has_text", "categories"]]


@dataclass
class TownTables:
    """A town's gap table and labels from its classified rows, or why not."""

    error: str = ""
    gaps: pd.DataFrame | None = None
    labels: tuple[str, ...] = ()
    classified_rows: int = 0


def town_tables(town, summary: IngestSummary, *parts: pd.DataFrame) -> TownTables:
    """The town's gap table from its classified parts, computed as a single-town run does
    (its resources, populations and taxonomy, on this worker)."""
    from needs_analysis.config.load import load_config
    from needs_analysis.report.rundata import year_tables

    rows = pd.concat(parts, ignore_index=True)
    if len(rows) != summary.accepted:
        raise AssertionError("classified rows differ from accepted rows")  # a bug
    try:
        run = town_run(load_config(town.config_path), town.fiscal_year, rows, summary)
    except NeedsAnalysisError as error:  # e.g. the town's resource list
        return TownTables(error=str(error), classified_rows=len(rows))
    return TownTables("", year_tables(run).gaps, tuple(run.taxonomy.labels), len(rows))


def town_run(config: Config, year: int, responses: pd.DataFrame, summary: IngestSummary):
    """The :class:`~needs_analysis.report.rundata.RunData` of one town and year from rows classified
    elsewhere, with the town's resources, populations and taxonomy (no previous year)."""
    from needs_analysis.ingest.inventory import load_resources
    from needs_analysis.report.rundata import run_data

    resources = load_resources(config) if config.resources is not None else None
    return run_data(config, year, responses.reset_index(drop=True), summary, resources)


def worker_model(config_path: str, fast: bool) -> NeedClassifier:
    """The classifier of a config, loaded once per process (from the model cache) and
    shared by every town whose labeled data, rules, taxonomy and user dictionary are the
    same."""
    from needs_analysis.classify.sources import ModelSources
    from needs_analysis.classify.store import model_cache_path
    from needs_analysis.config.load import load_config

    if config_path not in _sources:
        config = load_config(config_path)
        fingerprint = ModelSources.from_config(config).fingerprint()
        _sources[config_path] = (model_cache_path(fingerprint).name, config.classifier_fast)
    model_key, config_fast = _sources[config_path]
    key = (model_key, fast or config_fast)
    if key not in _models:
        _models[key] = build_classifier(load_config(config_path), fast)
    return _models[key]


def uses_fast_path(config: Config, fast: bool) -> bool:
    """The pool's ``--fast`` puts every town on the fast path; a town's own config
    (``[classifier] fast``) can ask for it too."""
    return fast or config.classifier_fast


def build_classifier(config: Config, fast: bool) -> NeedClassifier:
    """The classifier a single-town run builds for this config; with ``fast``, the fast
    path (rules and bag of words, no sentence encoder)."""
    from needs_analysis.classify.store import get_classifier

    return get_classifier(config, fast=uses_fast_path(config, fast))


def prepare_models(configs: dict[str, Config], fast: bool) -> dict[str, str]:
    """Make sure each distinct classifier is in the model cache, so that the workers only
    load it: a model already there is not opened here; one that is not is fitted once, on
    the client. Towns whose files have the same contents share one model. Returns the towns
    whose classifier cannot be built, with why."""
    from needs_analysis.classify.sources import ModelSources
    from needs_analysis.classify.store import model_cache_path

    failed: dict[str, str] = {}
    built: dict[Path, str] = {}
    for town, config in configs.items():
        try:
            on_fast = uses_fast_path(config, fast)
            cache = model_cache_path(ModelSources.from_config(config).fingerprint(), on_fast)
        except NeedsAnalysisError as error:  # e.g. a user dictionary that cannot be read
            failed[town] = str(error)
            continue
        if cache not in built:
            built[cache] = _model_in_cache(config, fast, cache)
        if built[cache]:
            failed[town] = built[cache]
    return failed


def _model_in_cache(config: Config, fast: bool, cache: Path) -> str:
    """Fit the config's classifier into the cache unless it is there; why not, or ""."""
    if cache.is_file():
        return ""
    try:
        build_classifier(config, fast)
    except NeedsAnalysisError as error:
        return str(error)
    return ""
