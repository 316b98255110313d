"""Many towns' surveys together on dask.distributed: read, classify, then each town's gaps.

A pool file (TOML) lists the member towns' configs, each unchanged. Every town's survey is
read on a worker with :func:`~needs_analysis.ingest.survey.load_survey`, split into one or more
partitions of one ``dask.dataframe`` (the town is a column), and classified partition by
partition with :func:`~needs_analysis.classify.model.classify_responses`. The classifier is built
once per worker process from the town's config (from the model cache that the client fills
beforehand), so no model and no tagger travels between processes. Each town's gap table is
then computed on the client with :func:`~needs_analysis.report.rundata.year_tables`, the function a
single-town run uses, so a town's tables are the same in the pool as on its own.

A town that cannot be read is reported with its reason and the others complete. A worker
lost mid-run is recovered by the scheduler, which recomputes that worker's partitions; the
result holds every partition exactly once, so nothing is counted twice.

The pool file is read by :mod:`needs_analysis.pool.members`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from needs_analysis.config.load import load_config
from needs_analysis.config.settings import Config
from needs_analysis.errors import ConfigError, NeedsAnalysisError
from needs_analysis.ingest.intake import IngestSummary
from needs_analysis.ingest.rejects import MaskedRejects
from needs_analysis.paths import usable_cpus
from needs_analysis.pool.members import Pool
from needs_analysis.progress import Progress, Stopwatch, quiet

ROWS_PER_PARTITION = 50_000
PARTITION_COLUMNS = ["town", "area", "text"]
CLASSIFIED_COLUMNS = ["town", "area", "has_text", "categories"]


# --------------------------------------------------------------------------- results


@dataclass
class TownResult:
    """One town's outcome: its tables, or why it was not processed.

    ``town`` is what the overview calls it: the municipality, or for a config that cannot
    be read the config's path as the pool file writes it. ``key`` identifies the town in
    the pool: its position in the pool file and its config's path, never a name, so two
    towns never share a row.
    """

    town: str
    config_path: Path
    fiscal_year: int | None
    min_count: int
    error: str = ""
    key: str = ""
    summary: IngestSummary | None = None
    rejects: MaskedRejects | None = None
    classified_rows: int = 0
    gaps: pd.DataFrame | None = None
    labels: tuple[str, ...] = ()

    @property
    def processed(self) -> bool:
        return not self.error


@dataclass
class PoolResult:
    """Every town of the pool, in the pool file's order, and the partition count."""

    pool: Pool
    towns: list[TownResult]
    partitions: int = 0
    timings: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class _Town:
    """What a worker needs to read one town: small and picklable (``name``: the town's key)."""

    name: str
    config_path: str
    fiscal_year: int


def run_pool(
    pool: Pool,
    client,
    fast: bool = False,
    rows_per_partition: int = ROWS_PER_PARTITION,
    show_progress: bool = False,
    progress: Progress = quiet,
) -> PoolResult:
    """Read, classify and analyse every town of ``pool`` on the cluster behind ``client``."""
    from needs_analysis.pool.tasks import prepare_models

    watch = Stopwatch()
    results, towns = _load_configs(pool)
    if len(results) != len(pool.members):
        raise AssertionError("a town of the pool file has no row")  # a bug, not a user error
    progress(f"町の設定を読みました（{len(towns)}町、処理できない町 {len(results) - len(towns)}）")
    models = prepare_models({key: config for key, (config, _) in towns.items()}, fast)
    for key, reason in models.items():
        results[key].error = reason
        del towns[key]
    watch.lap("設定と分類モデル")
    if not towns:
        raise NeedsAnalysisError("処理できる町がありません。" + _reasons(results))
    progress(f"調査を読み込んでいます（{len(towns)}町）")
    classified, partitions = _read_and_classify(
        client, results, towns, fast, rows_per_partition, show_progress, progress
    )
    watch.lap("読み込みと分類")
    progress("町ごとの困りごとと不足の候補を計算しています")
    by_town = dict(iter(classified.groupby("town", sort=False)))
    for result in results.values():
        if result.processed:
            try:
                rows = by_town.get(result.key, classified.iloc[:0])
                _town_tables(result, towns[result.key][0], rows)
            except NeedsAnalysisError as error:  # e.g. the town's resource list
                result.error, result.gaps = str(error), None
    watch.lap("集計")
    return PoolResult(pool, list(results.values()), partitions, watch.timings)


def _load_configs(pool: Pool) -> tuple[dict[str, TownResult], dict[str, tuple[Config, int]]]:
    """Each member's config, keyed by :func:`town_key`; a broken config makes that town
    "not processed", named by its config's path."""
    results: dict[str, TownResult] = {}
    towns: dict[str, tuple[Config, int]] = {}
    names: dict[str, int] = {}
    for position, member in enumerate(pool.members, start=1):
        key = town_key(position, member.config_path)
        try:
            config = load_config(member.config_path)
            year = member.fiscal_year or config.fiscal_year
            config.survey(year)
        except NeedsAnalysisError as error:
            label = _written_path(pool, member.config_path)
            results[key] = TownResult(
                label, member.config_path, member.fiscal_year, 0, str(error), key
            )
            continue
        name = config.municipality
        if name in names:
            raise ConfigError(
                pool.path,
                f"町「{name}」が2回あります（{names[name]}番目と{position}番目）。",
                "towns",
            )
        names[name] = position
        results[key] = TownResult(name, member.config_path, year, config.min_count, key=key)
        towns[key] = (config, year)
    return results, towns


def town_key(position: int, config_path: Path) -> str:
    """A town's key in the pool: its position in the pool file and its config's path."""
    return f"{position:04d}:{config_path.as_posix()}"


def _written_path(pool: Pool, config_path: Path) -> str:
    """The config's path relative to the pool file where it lies below it (as written)."""
    try:
        return config_path.relative_to(pool.path.parent).as_posix()
    except ValueError:
        return config_path.as_posix()


def _reasons(results: dict[str, TownResult]) -> str:
    return "".join(f"\n  {r.town}: {r.error}" for r in results.values() if r.error)


def _read_and_classify(client, results, towns, fast, rows_per_partition, show_progress, progress):
    """Read every town on the workers, build one dask.dataframe and classify it.

    Returns the classified rows (town, area, has_text, categories) and the partition count.
    """
    import dask
    import dask.dataframe as dd
    from distributed import progress as progress_bar

    from needs_analysis.pool.tasks import classify_partition, read_town, town_partition

    specs = [_Town(name, str(config.path), year) for name, (config, year) in towns.items()]
    reads = client.map(read_town, specs, key=[f"read-{s.name}" for s in specs])
    outcomes = client.gather(client.map(_outcome, reads, key=[f"outcome-{s.name}" for s in specs]))
    parts = []
    for spec, read, (error, summary, rejects) in zip(specs, reads, outcomes, strict=True):
        result = results[spec.name]
        if error:
            result.error = error
            continue
        result.summary, result.rejects = summary, rejects
        count = max(1, math.ceil(summary.accepted / rows_per_partition))
        parts += [
            client.submit(town_partition, read, k, count, key=f"part-{spec.name}-{k}")
            for k in range(count)
        ]
    if not parts:
        raise NeedsAnalysisError("処理できる町がありません。" + _reasons(results))
    configs = {s.name: s.config_path for s in specs}
    meta = pd.DataFrame({c: pd.Series(dtype=object) for c in PARTITION_COLUMNS})
    classified_meta = pd.DataFrame(
        {c: pd.Series(dtype=bool if c == "has_text" else object) for c in CLASSIFIED_COLUMNS}
    )
    with dask.config.set({"dataframe.convert-string": False}):
        frame = dd.from_delayed(parts, meta=meta, verify_meta=False)
        classified = frame.map_partitions(classify_partition, configs, fast, meta=classified_meta)
        progress(f"回答を分類しています（{len(parts)}区画）")
        future = client.compute(classified)
        if show_progress:
            progress_bar(future)
        table = future.result()
    for read in reads:
        read.release()
    return table.reset_index(drop=True), len(parts)


def _outcome(read) -> tuple[str, IngestSummary | None, MaskedRejects | None]:
    """The small part of a town's read that the client needs: error, counts, masked rejects."""
    return read.error, read.summary, read.rejects


def _town_tables(result: TownResult, config: Config, rows: pd.DataFrame) -> None:
    """The town's gap table from its classified rows, computed as a single-town run does."""
    from needs_analysis.report.rundata import year_tables

    result.classified_rows = len(rows)
    if result.summary is not None and result.classified_rows != result.summary.accepted:
        raise AssertionError("classified rows differ from accepted rows")  # a bug
    run = town_run(config, result.fiscal_year, rows.drop(columns="town"), result.summary)
    result.gaps = year_tables(run).gaps
    result.labels = run.taxonomy.labels


def town_run(config: Config, year: int, responses: pd.DataFrame, summary: IngestSummary):
    """The :class:`~needs_analysis.report.rundata.RunData` of one town and year from rows classified
    elsewhere, with the town's resources, populations and taxonomy (no previous year)."""
    from needs_analysis.ingest.inventory import load_resources
    from needs_analysis.report.rundata import run_data

    resources = load_resources(config) if config.resources is not None else None
    return run_data(config, year, responses.reset_index(drop=True), summary, resources)


# --------------------------------------------------------------------------- the cluster


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator:
    """A ``distributed.Client``: to the scheduler at ``scheduler``, or to a LocalCluster of
    ``workers`` single-threaded worker processes (default: one per core), closed on exit."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise NeedsAnalysisError(
                f"スケジューラ {scheduler} に接続できません（{error}）。アドレスを確認してください。"
            ) from None
        with client:
            yield client
        return
    count = workers if workers is not None else usable_cpus()
    if count < 1:
        raise NeedsAnalysisError("--workers には1以上の数を指定してください。")
    with (
        LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
