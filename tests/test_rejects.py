"""Rejected rows leave the tool one way: masked with the town's tokenizer, whoever writes them.

The town's user dictionary registers a person's name that UniDic alone does not know; the
rejected row that names that person must be masked by ``check``, by ``run`` and by a pool's
worker alike.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import write_survey

from needs_analysis.config.load import load_config
from needs_analysis.ingest.rejects import mask_rejects, rejects_file_name
from needs_analysis.privacy.masking import mask_personal_data

NAME = "ポチ丸"
REJECTED_TEXT = f"{NAME}にゴミ出しを頼んでいる"

CONFIG = """
[municipality]
name = "テスト町"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[dictionary]
user = "user_dictionary.csv"

[[areas]]
name = "北部"
population_65 = 800

[[areas]]
name = "南部"
population_65 = 700
"""


@pytest.fixture
def named_town(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "user_dictionary.csv").write_text(
        f"表記,読み,種類\n{NAME},ポチマル,人名\n", encoding="utf-8"
    )
    write_survey(
        tmp_path,
        [
            ["1", "北部", "75-79歳", "女性", "一人暮らし", "バスが少なくて病院に行けない"],
            ["2", "南部", "80-84歳", "女性", "その他", "ゴミ出しが大変です。"],
            ["3", "西部", "70-74歳", "男性", "一人暮らし", REJECTED_TEXT],
        ],
    )
    return tmp_path / "config.toml"


def _assert_masked(rows: pd.DataFrame) -> None:
    cells = [str(value) for value in rows.to_numpy().ravel()]
    assert any("〇〇にゴミ出し" in cell for cell in cells), cells
    assert not any(NAME in cell for cell in cells), cells


def test_the_default_tokenizer_alone_would_not_mask_the_name():
    # Otherwise the tests below could not tell the town's tokenizer from the default one.
    assert NAME in mask_personal_data(REJECTED_TEXT)


def test_check_masks_a_user_dictionary_name_in_the_rejects(named_town, run_main, monkeypatch):
    monkeypatch.chdir(named_town.parent)
    result = run_main("check", "--config", str(named_town))
    assert result.returncode == 0, result.stderr
    written = named_town.parent / "reports" / "2025" / "rejects" / "survey_rejects.csv"
    _assert_masked(pd.read_csv(written, dtype=str, encoding="utf-8-sig"))


@pytest.mark.slow
def test_run_masks_a_user_dictionary_name_in_the_rejects(named_town, tmp_path, monkeypatch):
    from needs_analysis.report.rundata import load_run
    from needs_analysis.run import jobs

    monkeypatch.setattr(jobs, "_execute_notebooks", lambda *args, **kwargs: [])
    result = jobs.run_reports(load_config(named_town), out=tmp_path / "out", pdf=False)
    written = result.out_dir / "rejects" / "survey_rejects.csv"
    _assert_masked(pd.read_csv(written, dtype=str, encoding="utf-8-sig"))
    (saved,) = load_run(result.out_dir / "data").rejects
    _assert_masked(saved.rows)


def test_a_pool_worker_masks_a_user_dictionary_name_in_the_rejects(named_town):
    from needs_analysis.pool.runner import _Town
    from needs_analysis.pool.tasks import read_town

    read = read_town(_Town("テスト町", str(named_town), 2025))
    assert read.error == ""
    assert read.rejects is not None and read.rejects.file_name == "survey_rejects.csv"
    _assert_masked(read.rejects.rows)


def test_no_rejected_rows_give_no_rejects_file():
    from needs_analysis.text.mecab import Tokenizer

    assert mask_rejects(pd.DataFrame({"text": []}), "survey.csv", Tokenizer()) is None
    assert rejects_file_name(Path("x/survey_r7.xlsx")) == "survey_r7_rejects.csv"
