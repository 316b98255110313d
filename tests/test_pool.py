"""The prefecture pool on a real two-worker LocalCluster.

Two towns: the sample municipality (its 令和7年度 Excel survey) and a copy of it under
another name analysing its 令和4年度 Shift_JIS CSV. Each town's pooled tables must equal
the tables of its own single-town run, a broken town must be reported while the others
complete, and a worker killed mid-run must leave the result unchanged.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from needs_analysis.cli.command import main
from needs_analysis.config.load import load_config
from needs_analysis.errors import ConfigError
from needs_analysis.paths import sample_config_path
from needs_analysis.pool.members import load_pool
from needs_analysis.pool.overview import accounting_table, gaps_side_by_side, town_rates
from needs_analysis.pool.runner import run_pool
from needs_analysis.report.rundata import year_tables
from needs_analysis.run.pipeline import prepare_run

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")

SAMPLE = sample_config_path().parent
PARTITION_ROWS = 700  # several partitions per town


def _copy_town(target: Path, name: str) -> Path:
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("pool"))
    config = target / "config.toml"
    text = config.read_text(encoding="utf-8").replace('name = "和泉ヶ原町"', f'name = "{name}"', 1)
    config.write_text(text, encoding="utf-8")
    return config


def _write_pool(path: Path, towns: list[tuple[Path, int | None]]) -> Path:
    lines = ['[pool]\nname = "テスト県"\n']
    for config, year in towns:
        lines.append(f'[[towns]]\nconfig = "{config.as_posix()}"\n')
        if year:
            lines.append(f"fiscal_year = {year}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def towns(tmp_path_factory) -> dict[str, tuple[Path, int]]:
    root = tmp_path_factory.mktemp("towns")
    north = _copy_town(root / "north", "架空北町")
    return {"和泉ヶ原町": (sample_config_path(), 2025), "架空北町": (north, 2022)}


@pytest.fixture(scope="module")
def pool_file(towns, tmp_path_factory) -> Path:
    return _write_pool(tmp_path_factory.mktemp("pool") / "pool.toml", list(towns.values()))


@pytest.fixture(scope="module")
def client():
    """A real two-worker LocalCluster; the lost-worker test (last) kills one of them."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def pooled(pool_file, client):
    return run_pool(load_pool(pool_file), client, rows_per_partition=PARTITION_ROWS)


def _by_town(result):
    return {town.town: town for town in result.towns}


def test_each_towns_tables_equal_its_single_town_run(pooled, towns):
    assert pooled.partitions >= len(towns) + 2  # more than one partition for each town
    for name, (path, year) in towns.items():
        single = year_tables(prepare_run(load_config(path), year))
        town = _by_town(pooled)[name]
        assert town.processed and town.fiscal_year == year
        pd.testing.assert_frame_equal(town.gaps, single.gaps)


def test_every_row_is_accounted_for_and_pool_totals_are_sums(pooled):
    table = accounting_table(pooled.towns)
    towns, total = table.iloc[:-1], table.iloc[-1]
    assert (towns["読み込んだ行"] == towns["受け付けた行"] + towns["除外した行"]).all()
    assert (towns["分類した行"] == towns["受け付けた行"]).all()
    for column in ("読み込んだ行", "受け付けた行", "除外した行", "分類した行", "自由記述あり"):
        assert total[column] == towns[column].sum()
    assert total["読み込んだ行"] == sum(t.summary.rows_read for t in pooled.towns)


def test_classifier_is_loaded_once_per_worker_process(pooled, client, towns):
    from needs_analysis.pool import tasks as pool_tasks

    # Both towns use the bundled labeled data, rules and taxonomy and the same user
    # dictionary (a copy of the file): one model per worker, loaded there (the client never
    # sends one), for both towns' configs.
    seen = client.run(lambda: (len(pool_tasks._models), sorted(pool_tasks._sources)))
    assert all(models == 1 for models, _ in seen.values())
    configs = {path for _, paths in seen.values() for path in paths}
    assert configs == {str(load_config(path).path) for path, _ in towns.values()}


def test_the_client_only_checks_that_each_model_is_cached(towns, monkeypatch):
    """Towns whose files have the same contents share one model, and a model already in the
    cache is neither loaded nor fitted on the client: the workers load it."""
    from needs_analysis.classify.model import NeedClassifier
    from needs_analysis.pool.tasks import prepare_models

    configs = {name: load_config(path) for name, (path, _) in towns.items()}
    assert prepare_models(configs, fast=False) == {}  # fitted here only if it was missing

    def refuse(*args, **kwargs):
        raise AssertionError("the client opened a model")

    monkeypatch.setattr(NeedClassifier, "load", staticmethod(refuse))
    monkeypatch.setattr(NeedClassifier, "fit", refuse)
    assert prepare_models(configs, fast=False) == {}


def test_town_rates_suppress_small_counts(pooled):
    town = _by_town(pooled)["和泉ヶ原町"]
    small = dataclasses.replace(town, gaps=town.gaps.assign(municipal_count=3))
    rates = town_rates(small)
    assert set(rates["該当"]) == {"5未満"}
    assert rates["割合"].isna().all() and rates["95%区間の上限"].isna().all()
    # A town with fewer answers than the threshold: its n reads as on its own pages.
    tiny = dataclasses.replace(town, gaps=town.gaps.assign(municipal_n=4, municipal_count=2))
    rates = town_rates(tiny)
    assert set(rates["自由記述のある人"]) == {"5未満"} and set(rates["該当"]) == {"5未満"}
    assert rates["割合"].isna().all()
    shown = town_rates(town)
    assert shown["割合"].notna().all()
    assert (shown["自由記述のある人"] == town.gaps["municipal_n"].iloc[0]).all()
    assert (shown["95%区間の下限"] < shown["割合"]).all()


def test_gaps_side_by_side_names_the_flagged_areas(pooled):
    table = gaps_side_by_side(pooled.towns).set_index("分類")
    for town in pooled.towns:
        flagged = town.gaps[town.gaps["flag"]]
        for row in flagged.itertuples():
            assert row.area in table.loc[row.category, town.town]


def _broken_config(path: Path, text: str = "[municipality\nname = ") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_broken_town_is_reported_and_the_others_complete(towns, client, tmp_path):
    """Every listed town has its own row, keyed by position and path: configs that cannot
    be read in folders of the same name (a/cfg, b/cfg, and one outside the pool's folder),
    a config whose survey is missing, and a town whose survey is broken."""
    broken = _copy_town(tmp_path / "broken", "壊れ町")
    (broken.parent / "survey_r7.xlsx").write_text("not a workbook", encoding="utf-8")
    root = tmp_path / "prefecture"
    first = _broken_config(root / "a" / "cfg" / "config.toml")
    second = _broken_config(root / "b" / "cfg" / "config.toml")
    outside = _broken_config(tmp_path / "elsewhere" / "cfg" / "config.toml")
    no_survey = _broken_config(
        root / "c" / "cfg" / "config.toml",
        '[municipality]\nname = "調査なし町"\nfiscal_year = 2025\n'
        '[surveys.2025]\npath = "none.csv"\n[[areas]]\nname = "北"\npopulation_65 = 1\n',
    )
    listed = [towns["架空北町"], (broken, None), (first, None), (second, None), (outside, None)]
    listed.append((no_survey, None))
    pool = _write_pool(root / "pool.toml", listed)
    out = tmp_path / "out"
    address = client.scheduler.address
    status = main(["pool", str(pool), "--scheduler", address, "--out", str(out)])
    assert status == 1
    table = pd.read_excel(out / "pool" / "pool_overview.xlsx", sheet_name="読み込みの記録")
    towns_rows, total = table.iloc[:-1], table.iloc[-1]
    assert len(towns_rows) == len(listed) == len(load_pool(pool).members)
    assert total["状態"] == f"1/{len(listed)}町"
    by_town = towns_rows.set_index("町")
    assert by_town.index.is_unique
    assert by_town.loc["架空北町", "状態"] == "処理済み"
    assert by_town.loc["架空北町", "分類した行"] == 2948
    assert by_town.loc["壊れ町", "状態"] == "処理できず"
    assert "survey_r7.xlsx" in by_town.loc["壊れ町", "理由"]
    for label in ("a/cfg/config.toml", "b/cfg/config.toml", outside.as_posix()):
        assert by_town.loc[label, "状態"] == "処理できず"
        assert "TOML" in by_town.loc[label, "理由"]
    assert "none.csv" in by_town.loc["調査なし町", "理由"]
    html = (out / "pool" / "index.html").read_text(encoding="utf-8")
    assert "壊れ町" in html and "架空北町" in html
    assert "a/cfg/config.toml" in html and "b/cfg/config.toml" in html


def test_pool_file_errors_name_the_key(tmp_path):
    path = tmp_path / "pool.toml"
    path.write_text('[pool]\nname = "県"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="towns"):
        load_pool(path)
    path.write_text('[[towns]]\nconfig = "a.toml"\nfiscal_year = "令和7"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"towns\[1\]\.fiscal_year"):
        load_pool(path)


def test_cli_rejects_zero_workers(pool_file, capsys):
    assert main(["pool", str(pool_file), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_lost_worker_is_retried_without_double_counting(pool_file, pooled, client):
    pool = load_pool(pool_file)
    pids = client.run(os.getpid)
    killed: list[str] = []

    def kill_a_classifying_worker() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            for address, keys in client.processing().items():
                if any("classify_partition" in str(key) for key in keys):
                    os.kill(pids[address], signal.SIGKILL)
                    killed.append(address)
                    return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_a_classifying_worker)
    killer.start()
    again = run_pool(pool, client, rows_per_partition=PARTITION_ROWS)
    killer.join()
    assert killed, "no worker was classifying"
    assert killed[0] not in client.scheduler_info()["workers"]
    assert accounting_table(again.towns).equals(accounting_table(pooled.towns))
    for town, clean in zip(again.towns, pooled.towns, strict=True):
        pd.testing.assert_frame_equal(town.gaps, clean.gaps)


def test_fast_flag_reaches_the_classifier():
    from needs_analysis.pool.tasks import build_classifier

    config = load_config(sample_config_path())
    assert build_classifier(config, fast=True).fast
    assert not build_classifier(config, fast=False).fast
    # A town's own config can ask for the fast path without the pool's --fast.
    assert build_classifier(dataclasses.replace(config, classifier_fast=True), fast=False).fast
