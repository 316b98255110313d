"""Many towns' surveys together on dask.distributed: read, classify, then each town's gaps.

A pool file (TOML) lists the member towns' configs, each unchanged. The client reads the
configs and makes sure each distinct classifier is in the model cache (fitting it only if
it is not there) while the cluster starts. Then everything else runs on the workers, town by
town as each town's read finishes: the survey is read with
:func:`~needs_analysis.ingest.survey.load_survey`, cut into partitions of at most
``rows_per_partition`` rows, each classified with
:func:`~needs_analysis.classify.predictions.classify_responses`, and the town's gap table
computed from its classified partitions with
:func:`~needs_analysis.report.rundata.year_tables`, the function a single-town run uses, so a
town's tables are the same in the pool as on its own. The classifier is loaded once per
worker process from the model cache, so no model and no tagger travels between processes,
and only the towns' counts, masked rejects and gap tables reach the client.

A town that cannot be read is reported with its reason and the others complete. A worker
lost mid-run is recovered by the scheduler, which recomputes the tasks it held or was
running; each town's table is made from each of its partitions exactly once, so nothing is
counted twice.

The pool file is read by :mod:`needs_analysis.pool.members`.
"""

from __future__ import annotations

import math
import threading
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
    """Read, classify and analyse every town of ``pool`` on the cluster behind ``client`` (a
    ``distributed.Client``, or a :class:`ClusterStart` whose cluster is still starting)."""
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
    client = client.client() if isinstance(client, ClusterStart) else client
    count = len(client.scheduler_info().get("workers", {}))
    progress(f"Dask のワーカー: {count}　ダッシュボード: {client.dashboard_link}")
    watch.lap("クラスタの起動を待つ")
    progress(f"調査を読み込み、分類し、集計しています（{len(towns)}町）")
    partitions = _process_towns(client, results, towns, fast, rows_per_partition, show_progress)
    watch.lap("読み込み・分類・集計")
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


def _process_towns(client, results, towns, fast, rows_per_partition, show_progress) -> int:
    """Read every town on the workers; as each read finishes, classify its partitions and
    compute its tables there. Fills each town's result; returns the partition count."""
    from distributed import as_completed
    from distributed import progress as progress_bar

    from needs_analysis.pool.tasks import classify_partition, read_town, town_tables

    specs = {name: _Town(name, str(config.path), year) for name, (config, year) in towns.items()}
    reads = {
        name: client.submit(read_town, spec, key=f"read-{name}") for name, spec in specs.items()
    }
    outcomes = {client.submit(_outcome, reads[name], key=f"outcome-{name}"): name for name in reads}
    tables, partitions = {}, 0
    for done in as_completed(list(outcomes)):
        name = outcomes[done]
        result = results[name]
        result.error, result.summary, result.rejects = done.result()
        if result.error:
            continue
        count = max(1, math.ceil(result.summary.accepted / rows_per_partition))
        parts = [
            client.submit(
                classify_partition,
                reads[name],
                k,
                count,
                specs[name].config_path,
                fast,
                key=f"classify_partition-{name}-{k}",
            )
            for k in range(count)
        ]
        partitions += count
        tables[name] = client.submit(
            town_tables, specs[name], result.summary, *parts, key=f"tables-{name}"
        )
    if show_progress and tables:
        progress_bar(list(tables.values()))
    for name, future in tables.items():
        made = future.result()
        result = results[name]
        result.classified_rows, result.labels = made.classified_rows, made.labels
        result.error, result.gaps = made.error, made.gaps
    for future in reads.values():
        future.release()
    if not tables:
        raise NeedsAnalysisError("処理できる町がありません。" + _reasons(results))
    return partitions


def _outcome(read) -> tuple[str, IngestSummary | None, MaskedRejects | None]:
    """The small part of a town's read that the client needs: error, counts, masked rejects."""
    return read.error, read.summary, read.rejects


# --------------------------------------------------------------------------- the cluster


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator:
    """A ``distributed.Client``: to the scheduler at ``scheduler``, or to a LocalCluster of
    ``workers`` single-threaded worker processes (default: one per core), closed on exit."""
    client, cluster = _open(scheduler, workers)
    try:
        yield client
    finally:
        _close(client, cluster)


def _open(scheduler: str | None, workers: int | None):
    """(client, the LocalCluster it started or None)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as error:
            raise NeedsAnalysisError(
                f"スケジューラ {scheduler} に接続できません（{error}）。アドレスを確認してください。"
            ) from None
    count = workers if workers is not None else usable_cpus()
    if count < 1:
        raise NeedsAnalysisError("--workers には1以上の数を指定してください。")
    cluster = LocalCluster(
        n_workers=count, threads_per_worker=1, processes=True, silence_logs=logging.ERROR
    )
    try:
        return Client(cluster), cluster
    except BaseException:
        cluster.close()
        raise


def _close(client, cluster) -> None:
    try:
        client.close()
    finally:
        if cluster is not None:
            cluster.close()


class ClusterStart:
    """A cluster being started (or a scheduler being connected to) in a background thread,
    so that the client reads the configs and checks the models meanwhile;
    :meth:`client` waits for it. Made by :func:`starting_cluster`."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        if not scheduler and workers is not None and workers < 1:
            raise NeedsAnalysisError("--workers には1以上の数を指定してください。")
        self._opened = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._start, args=(scheduler, workers), name="cluster-start", daemon=True
        )
        self._thread.start()

    def _start(self, scheduler: str | None, workers: int | None) -> None:
        try:
            self._opened = _open(scheduler, workers)
        except BaseException as error:  # raised again in the thread that asks for the client
            self._error = error

    def client(self):
        """The ``distributed.Client``, once the cluster is up."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._opened[0]

    def close(self) -> None:
        self._thread.join()
        if self._opened is not None:
            _close(*self._opened)


@contextmanager
def starting_cluster(scheduler: str | None = None, workers: int | None = None) -> Iterator:
    """:func:`connect`, started in the background: yields a :class:`ClusterStart` at once
    (:func:`run_pool` takes it in place of a client), closed on exit."""
    start = ClusterStart(scheduler, workers)
    try:
        yield start
    finally:
        start.close()
