"""Checking a town's input files before a run: every row counted, rejected rows written out.

``needs-analysis check`` reads the year's survey (or another survey file with that year's
column mapping) and, for the year's own survey, the resource inventory. Each file's rejected
rows are written as a CSV with the answers masked, so the coordinator can fix the export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from needs_analysis.config.load import load_config
from needs_analysis.config.settings import Config
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.ingest.intake import IngestSummary
from needs_analysis.ingest.inventory import load_resources
from needs_analysis.ingest.places import town_tokenizer
from needs_analysis.ingest.rejects import mask_rejects, rejects_file_name, write_rejects
from needs_analysis.ingest.survey import load_survey
from needs_analysis.outputs import CHECK, folder_lock, output_file, record_written, report_root
from needs_analysis.text.mecab import Tokenizer

SURVEY = "調査ファイル"
RESOURCES = "資源一覧"


@dataclass(frozen=True)
class CheckedFile:
    """One input file after the check: what it is, its counts, where its rejects went."""

    kind: str  # SURVEY or RESOURCES
    fiscal_year: int
    summary: IngestSummary
    rejects_path: Path | None  # None when no row was rejected
    # RESOURCES only: each resource type, how many accepted rows have it, and the
    # categories it counts for (none: it supplies no need)
    supplies: tuple[tuple[str, int, tuple[str, ...]], ...] = ()


def check_inputs(
    config_path: Path | None,
    fiscal_year: int | None = None,
    *,
    survey: Path | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    rejects: Path | None = None,
    on_file: Callable[[CheckedFile], None] = lambda checked: None,
) -> list[CheckedFile]:
    """Read and count the survey (and, for the year's own survey, the resources).

    ``on_file`` is called with each file as soon as it is checked, before the next one is
    read. Where the rejected rows go is checked before a file is read.
    """
    if survey is not None and config_path is None:
        raise NeedsAnalysisError(
            f"{survey} を検査するには、その町の圏域表がある設定ファイルを --config で"
            "指定してください（省略すると同梱のサンプル町の圏域で検査してしまいます）。"
        )
    config = load_config(config_path)
    year = fiscal_year or config.fiscal_year
    folder = report_root(config) / str(year)
    target = rejects_target(rejects, folder, Path(survey or config.survey(year).path))
    data = load_survey(config, fiscal_year, path=survey, encoding=encoding, sheet=sheet)
    tokenizer = town_tokenizer(config)
    town = _Town(config.municipality, year, folder if rejects is None else None)
    checked = [_checked(SURVEY, data.summary, data.rejects, target, tokenizer, town)]
    on_file(checked[-1])
    if survey is None and config.resources is not None:
        resources = load_resources(config)
        target = rejects_target(None, folder, resources.summary.path)
        summary = resources.summary
        town = _Town(config.municipality, year, folder)
        done = _checked(RESOURCES, summary, resources.rejects, target, tokenizer, town)
        checked.append(replace(done, supplies=resource_supplies(resources.resources, config)))
        on_file(checked[-1])
    return checked


def resource_supplies(
    resources: pd.DataFrame, config: Config
) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    """Each resource type of the inventory (then each type the config maps but the inventory
    lacks, with 0 rows): how many rows, and the categories it supplies."""
    counts = resources["type"].value_counts(sort=False).to_dict() if len(resources) else {}
    kinds = list(dict.fromkeys([*counts, *config.resource_categories]))
    return tuple(
        (kind, int(counts.get(kind, 0)), tuple(config.resource_categories.get(kind, ())))
        for kind in kinds
    )


def rejects_target(option: Path | None, folder: Path, source: Path) -> Path:
    """Where a file's rejected rows go (by default the town's report folder of the year),
    checked before the file is read."""
    name = rejects_file_name(source)
    if option is None:
        return output_file(folder / "rejects" / name, "除外した行の書き出し先", create_folder=True)
    if option.is_dir():
        option = option / name
    return output_file(option, "--rejects")


@dataclass(frozen=True)
class _Town:
    """Whose rejects are written, and the report folder whose record lists them (None
    when the user named where they go)."""

    name: str
    year: int
    folder: Path | None


def _checked(
    kind: str,
    summary: IngestSummary,
    rejects: pd.DataFrame,
    target: Path,
    tokenizer: Tokenizer,
    town: _Town,
) -> CheckedFile:
    masked = mask_rejects(rejects, summary.path, tokenizer)
    if masked is None:
        return CheckedFile(kind, town.year, summary, None)
    if town.folder is None:
        return CheckedFile(kind, town.year, summary, write_rejects(masked, target))
    # Into the town's report folder: not while a run writes there, and recorded as this
    # town's, so that its next run may replace it.
    with folder_lock(town.folder):
        written = write_rejects(masked, target)
        record_written(town.folder, [written], town.name, town.year, CHECK)
    return CheckedFile(kind, town.year, summary, written)
