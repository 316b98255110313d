"""The sample municipality: its files load as documented and the planted facts come out.

data/sample/planted.toml, written by scripts/generate_sample.py, says what the files hold
(rows, rejects per reason, answers per area) and which gaps are planted. The gap analysis on
the classifier's labels must flag every planted gap, clear the planted non-gaps, and flag
nothing in the control area.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from needs_analysis.config.load import load_config
from needs_analysis.config.settings import Config
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.ingest.inventory import load_resources
from needs_analysis.ingest.raw_table import read_table
from needs_analysis.ingest.survey import load_survey
from needs_analysis.text.normalize import normalize_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
REGENERATE = "scripts/generate_sample.py を実行し直して data/sample/ をコミットしてください"


@pytest.fixture(scope="module")
def planted() -> dict:
    return tomllib.loads((SAMPLE / "planted.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(SAMPLE / "config.toml")


@pytest.fixture(scope="module")
def surveys(config: Config, planted: dict) -> dict:
    return {year: load_survey(config, year) for year in planted["fiscal_years"]}


@pytest.fixture(scope="module")
def pool() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "pool" / "answers.tsv", sep="\t", dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- (a) the files


@pytest.mark.parametrize("year", [2022, 2025])
def test_survey_loads_with_the_documented_rejects(surveys, planted, year):
    expected = planted["surveys"][str(year)]
    summary = surveys[year].summary
    assert summary.rows_read == expected["rows"]
    assert summary.accepted == expected["accepted"]
    assert summary.rejected == expected["rejected"]
    assert summary.accepted + summary.rejected == summary.rows_read
    assert summary.rejected_by_reason == expected["rejected_by_reason"]
    assert summary.with_text == expected["with_text"]
    assert summary.respondents_by_area == expected["respondents_by_area"]
    assert summary.with_text_by_area == expected["with_text_by_area"]
    assert 2500 <= summary.accepted <= 3500
    assert 0.35 <= summary.with_text / summary.accepted <= 0.45


def test_resources_load_with_the_documented_rejects(config, planted):
    inventory = load_resources(config)
    expected = planted["resources"]
    assert inventory.summary.rows_read == expected["rows"]
    assert inventory.summary.accepted == expected["accepted"]
    assert inventory.summary.rejected_by_reason == expected["rejected_by_reason"]
    assert len(inventory.resources) + len(inventory.rejects) == expected["rows"]
    assert set(inventory.resources["type"]) <= set(config.resource_categories)


def test_area_spellings_are_exercised(config):
    r7 = read_table(SAMPLE / "survey_r7.xlsx", sheet="回答")
    r4 = read_table(SAMPLE / "survey_r4.csv")
    names = {area.name for area in config.areas}
    aliases = {alias for area in config.areas for alias in area.aliases}
    written = {row.cells[1] for row in r7.rows}
    assert written & aliases and written & names
    districts = {row.cells[1] for row in r4.rows}
    assert any(value.isdigit() for value in districts)
    assert r4.encoding == "cp932"


def test_every_line_with_personal_data_is_in_every_year(surveys, pool, planted):
    personal = pool[pool["area_hint"].str.split().str[1:].map(lambda rest: "pii" in rest)]
    assert len(personal) == planted["personal_data"]["lines"]
    for year, survey in surveys.items():
        texts = set(survey.responses["text"])
        expected = personal["text"]
        if year == 2022:  # a Shift_JIS round trip turns − (U+2212) into － (U+FF0D)
            expected = expected.map(lambda text: text.encode("cp932").decode("cp932"))
        missing = [text for text in expected if text not in texts]
        assert not missing, f"{year}: {missing}"
        for marker in planted["personal_data"]["must_appear_in_every_year"]:
            assert survey.responses["text"].str.contains(marker, regex=False).any()


def test_sample_answers_are_not_training_answers(surveys, pool):
    """No sample answer, and no pool sentence used in one, is a training answer."""
    training: set[str] = set()
    for path in sorted((ROOT / "data" / "labeled").glob("*.tsv")):
        # The text column only, for this comparison alone.
        frame = pd.read_csv(path, sep="\t", usecols=["text"], dtype=str, keep_default_na=False)
        training.update(normalize_text(text) for text in frame["text"])
    answers = [
        normalize_text(text)
        for survey in surveys.values()
        for text in survey.responses["text"]
        if normalize_text(text)
    ]
    assert not set(answers) & training, REGENERATE
    everything = "\n".join(answers)
    for text in pool["text"]:
        sentence = normalize_text(text)
        if sentence in training:
            assert sentence.rstrip("。!") not in everything, REGENERATE


def test_generator_reproduces_the_committed_files(tmp_path, surveys, config):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_sample.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    for name in ("planted.toml", "survey_r4.csv", "resources.csv", "check_2025_planted.xlsx"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), REGENERATE
    fresh = load_survey(load_config(tmp_path / "config.toml"), 2025).responses
    committed = surveys[2025].responses
    pd.testing.assert_frame_equal(fresh, committed)


# --------------------------------------------------------------------------- (b) the facts


@pytest.fixture(scope="module")
def gap_tables(config: Config, surveys: dict) -> dict[int, pd.DataFrame]:
    """The real pipeline: classify each year's answers, then the gap analysis."""
    from needs_analysis.classify.predictions import classify_responses
    from needs_analysis.classify.store import get_classifier

    labels = load_taxonomy(config.taxonomy_path).labels
    resources = load_resources(config).resources
    areas = [area.name for area in config.areas]
    tables = {}
    model = get_classifier(config)
    for year, survey in surveys.items():
        classified = classify_responses(survey.responses, model)
        populations = {area.name: area.population_in(year) for area in config.areas}
        tables[year] = analyse_gaps(
            classified, resources, populations, config.resource_categories, labels, year, areas
        )
    return tables


@pytest.mark.slow
def test_planted_gaps_are_recovered(gap_tables, planted):
    wrong = []
    for fact in planted["facts"]:
        table = gap_tables[fact["fiscal_year"]]
        row = table[(table["area"] == fact["area"]) & (table["category"] == fact["category"])]
        flagged = bool(row["flag"].iloc[0])
        if flagged != fact["flagged"]:
            wrong.append(
                f"{fact['fiscal_year']} {fact['area']} {fact['category']}: "
                f"flagged={flagged}, planted {fact['flagged']} ({fact['why']}); "
                f"{row['reason'].iloc[0]}"
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.slow
def test_nothing_is_flagged_in_the_control_area(gap_tables, planted):
    control = planted["control_area"]
    for year, table in gap_tables.items():
        flagged = table[(table["area"] == control) & table["flag"]]
        assert flagged.empty, f"{year}: {list(flagged['category'])}"
