"""The run pipeline: each input file read once, each distinct answer tokenised once, and
notebooks that only read the saved run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from needs_analysis.classify.predictions import classify_responses
from needs_analysis.classify.store import get_classifier
from needs_analysis.config.load import load_config
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.ingest import columns, inventory, survey
from needs_analysis.paths import sample_config_path
from needs_analysis.report import sections, voices
from needs_analysis.report.rundata import chosen_area, compute_year_tables, load_run
from needs_analysis.run import jobs
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text

pytestmark = pytest.mark.slow


def _text_cells(frame: pd.DataFrame) -> int:
    """Text cells that masking a table tokenises: every non-empty string."""
    return sum(isinstance(value, str) and bool(value) for value in frame.to_numpy().ravel())


@pytest.fixture(scope="module")
def counted_run(tmp_path_factory):
    """The sample's run (notebooks left out) with every table read and tokenisation counted."""
    config = load_config(sample_config_path())
    year = config.fiscal_year
    get_classifier(config)  # fitted (or loaded) before counting: fitting tokenises examples
    surveys = [
        survey.load_survey(config, year),
        survey.load_survey(config, config.previous_fiscal_year(year)),
    ]
    resources = inventory.load_resources(config)
    answers = {
        normalize_text(text)
        for data in surveys
        for text in data.responses["text"].tolist()
        if normalize_text(text)
    }
    reject_cells = _text_cells(surveys[0].rejects) + _text_cells(resources.rejects)
    inputs = {
        config.survey(year).path.resolve(),
        config.survey(config.previous_fiscal_year(year)).path.resolve(),
        config.resources.path.resolve(),
    }

    reads: Counter[Path] = Counter()
    tokenised: list[str] = []
    read_table, tokenize = columns.read_table, Tokenizer.tokenize

    def counting_read(path, *args, **kwargs):
        reads[Path(path).resolve()] += 1
        return read_table(path, *args, **kwargs)

    def counting_tokenize(self, text):
        tokenised.append(text)
        return tokenize(self, text)

    with pytest.MonkeyPatch.context() as patch:
        # The survey and the resource inventory are read through ingest.columns (which
        # looks for a header below a title; a file whose header is on its first line is
        # read once).
        patch.setattr(columns, "read_table", counting_read)
        patch.setattr(Tokenizer, "tokenize", counting_tokenize)
        patch.setattr(jobs, "_execute_notebooks", lambda *args, **kwargs: [])
        out = tmp_path_factory.mktemp("run")
        result = jobs.run_reports(config, out=out, pdf=False)
        run = load_run(result.out_dir / "data")
        during_run = list(tokenised)
        for area in run.areas:  # the handouts' voices come from the documents
            sections.gap_sections(run, run.tables.gaps, area)
            voices.voices_block(run, run.tables.gaps, area)
        sections.plan_display_table(run)
        after_run = tokenised[len(during_run) :]
    return {
        "config": config,
        "result": result,
        "run": run,
        "reads": reads,
        "inputs": inputs,
        "answers": answers,
        "reject_cells": reject_cells,
        "tokenised": during_run,
        "after_run": after_run,
    }


def test_each_input_file_is_read_once(counted_run):
    reads, inputs = counted_run["reads"], counted_run["inputs"]
    assert set(reads) == inputs
    assert all(count == 1 for count in reads.values()), reads


def test_each_distinct_answer_is_tokenised_once(counted_run):
    tokenised = Counter(counted_run["tokenised"])
    answers = counted_run["answers"]
    assert len(answers) > 100  # the sample: enough answers for the count to mean something
    assert all(tokenised[answer] >= 1 for answer in answers)
    # Beyond the answers, only the text cells of the rejected rows are tokenised (to mask them).
    assert len(counted_run["tokenised"]) == len(answers) + counted_run["reject_cells"]


def test_examples_for_handouts_and_plan_are_not_tokenised_again(counted_run):
    assert counted_run["after_run"] == []


def test_saved_run_keeps_rejects_documents_and_year_tables(counted_run):
    run, result = counted_run["run"], counted_run["result"]
    written = {path.name for path in (result.out_dir / "rejects").iterdir()}
    assert written == {rejects.file_name for rejects in run.rejects} and written
    for rejects in run.rejects:
        on_disk = pd.read_csv(
            result.out_dir / "rejects" / rejects.file_name, dtype=str, keep_default_na=False
        )
        assert len(on_disk) == len(rejects.rows)
    assert len(run.documents) == len(run.responses)
    assert run.documents["has_text"].tolist() == run.responses["has_text"].tolist()
    recomputed = compute_year_tables(run)
    pd.testing.assert_frame_equal(run.tables.gaps, recomputed.gaps)
    pd.testing.assert_frame_equal(run.tables.change, recomputed.change)


def test_documents_hold_only_masked_text(counted_run):
    run = counted_run["run"]
    raw = survey.load_survey(counted_run["config"], run.fiscal_year).responses["text"]
    changed = [
        (normalize_text(text), masked)
        for text, masked in zip(raw, run.documents["text"], strict=True)
        if normalize_text(text) != masked
    ]
    assert changed  # the sample plants names and phone numbers
    for original, masked in changed:
        shown = {
            token.surface
            for token in run.documents.loc[run.documents["text"] == masked, "tokens"].iloc[0]
        }
        assert all(surface in masked for surface in shown)
        assert masked != original


def test_given_tokens_classify_as_tokenising_does(counted_run):
    config = counted_run["config"]
    model = get_classifier(config)
    responses = survey.load_survey(config, config.fiscal_year).responses.head(200)
    words = {
        normalize_text(text): model.tokenizer.tokenize(normalize_text(text))
        for text in responses["text"]
        if normalize_text(text)
    }
    given = classify_responses(responses, model, tokens=words)
    plain = classify_responses(responses, model)
    pd.testing.assert_frame_equal(given, plain)


def test_a_notebook_without_a_saved_run_stops_with_how_to_make_one():
    with pytest.raises(NeedsAnalysisError, match="needs-analysis run"):
        load_run("")
    with pytest.raises(NeedsAnalysisError, match="run.pkl"):
        load_run(Path("no-such-folder"))


DISPLAY_MODULES = (
    "needs_analysis.report",
    "needs_analysis.report.rundata",
    "needs_analysis.report.views",
    "needs_analysis.report.sections",
    "needs_analysis.report.pages",
    "needs_analysis.report.charts",
    "needs_analysis.report.charts_text",
    "needs_analysis.report.explore",
    "needs_analysis.textstats",
)


@pytest.mark.parametrize("module", DISPLAY_MODULES)
def test_display_modules_load_no_classifier_tokenizer_or_encoder(module):
    heavy = (
        "sklearn",
        "fugashi",
        "needs_analysis.classify.model",
        "needs_analysis.classify.encoder",
    )
    code = f"import sys, {module}; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_loading_the_saved_run_needs_no_tagger_or_classifier(counted_run):
    folder = counted_run["result"].out_dir / "data"
    heavy = (
        "sklearn",
        "fugashi",
        "needs_analysis.classify.model",
        "needs_analysis.classify.encoder",
    )
    code = (
        "import sys; from needs_analysis.report.rundata import load_run, year_tables; "
        f"run = load_run({str(folder)!r}); year_tables(run); "
        "assert run.parts_in_memory == (), run.parts_in_memory; "  # run.pkl alone so far
        "assert len(run.answers) > 0 and run.parts_in_memory == ('answers',); "
        "assert len(run.documents) > 0; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_the_saved_run_reads_each_part_once_and_only_when_asked(counted_run, monkeypatch):
    from needs_analysis.report import rundata

    folder = counted_run["result"].out_dir / "data"
    assert {path.name for path in folder.iterdir()} == {"run.pkl", *rundata.PART_FILES.values()}
    assert {path for path in counted_run["result"].files if path.parent == folder} == set(
        folder.iterdir()
    )
    reads: list[str] = []
    read_part = rundata._read_part

    def counting(directory, name, digest):
        reads.append(name)
        return read_part(directory, name, digest)

    monkeypatch.setattr(rundata, "_read_part", counting)
    run = load_run(folder)
    rundata.year_tables(run)
    sections.summary_line(run)  # what the overview shows reads run.pkl alone
    assert reads == []
    answers = run.answers
    assert run.answers is answers and reads == ["answers"]
    assert list(answers.columns) == list(rundata.ANSWER_COLUMNS)
    documents = run.documents
    assert run.documents is documents and reads == ["answers", "documents"]
    pd.testing.assert_frame_equal(answers, documents[list(rundata.ANSWER_COLUMNS)])
    assert run.answers is documents  # once the documents are at hand, nothing more is read
    assert reads == ["answers", "documents"]


def test_a_part_of_another_run_is_not_read(counted_run, tmp_path):
    import shutil

    from needs_analysis.report.rundata import PART_FILES

    folder = tmp_path / "data"
    shutil.copytree(counted_run["result"].out_dir / "data", folder)
    answers = folder / PART_FILES["answers"]
    answers.write_bytes(answers.read_bytes() + b"\0")
    run = load_run(folder)
    with pytest.raises(NeedsAnalysisError, match="一緒に保存"):
        run.answers  # noqa: B018
    (folder / PART_FILES["documents"]).unlink()
    with pytest.raises(NeedsAnalysisError, match="もう一度実行"):
        run.documents  # noqa: B018


# What each notebook shows, and so the parts of the saved run it reads.
NOTEBOOK_PARTS = {
    "01_summarise_needs.ipynb": ([], {}),
    "02_brief_area.ipynb": (["answers"], {"area": ""}),  # an area with a gap and its voices
    "03_tabulate_plan.ipynb": (["answers"], {}),
    "04_explore_free_text.ipynb": (["documents"], {}),
}
# The word views' modules: only the exploration page shows them.
WORD_VIEW_MODULES = (
    "needs_analysis.textstats",
    "needs_analysis.report.explore",
    "needs_analysis.report.charts_text",
)
# What no notebook may load: the classifier and the encoder.
CLASSIFIER_MODULES = (
    "sklearn",
    "onnxruntime",
    "needs_analysis.classify.model",
    "needs_analysis.classify.encoder",
)
_EXECUTE = """
import json, sys
from needs_analysis.paths import notebooks_dir
notebook, parameters = sys.argv[1], json.loads(sys.argv[2])
namespace = {}
with open(notebooks_dir() / notebook, encoding="utf-8") as handle:
    cells = [cell for cell in json.load(handle)["cells"] if cell["cell_type"] == "code"]
for cell in cells:
    exec("".join(cell["source"]), namespace)
    if "parameters" in cell.get("metadata", {}).get("tags", []):
        namespace.update(parameters)
print("PARTS", json.dumps(namespace["run"].parts_in_memory))
print("MODULES", json.dumps(sorted(sys.modules)))
"""


def _flagged_area(counted_run) -> str:
    gaps = counted_run["run"].tables.gaps
    return gaps.loc[gaps["flag"].astype(bool), "area"].iloc[0]


def test_a_notebooks_area_may_be_any_spelling_the_config_gives(counted_run):
    run = load_run(counted_run["result"].out_dir / "data")
    area = _flagged_area(counted_run)
    assert run.area_aliases[area]  # the sample town gives every area other spellings
    for spelling in (area, f" {area} ", f"{area}圏域", *run.area_aliases[area]):
        assert chosen_area(run, spelling) == area
    assert chosen_area(run, "") == ""
    with pytest.raises(NeedsAnalysisError, match=f"圏域「川向こう」.*{run.areas[0]}"):
        chosen_area(run, "川向こう")


@pytest.mark.parametrize("notebook", sorted(NOTEBOOK_PARTS))
def test_each_notebook_reads_and_loads_only_what_it_shows(counted_run, notebook):
    """The overview reads run.pkl alone, the handouts and the plan table the answers, the
    exploration page the documents (its code cells run in order, as papermill runs them);
    only the exploration page loads the word views' modules and MeCab (its keyword-in-context
    blocks read each search word with the town's dictionary), and no page loads the
    classifier or the encoder."""
    parts, parameters = NOTEBOOK_PARTS[notebook]
    parameters = {**parameters, "data_dir": str(counted_run["result"].out_dir / "data")}
    if "area" in parameters:
        # Written as a coordinator might: another spelling of the area from the config.
        parameters["area"] = counted_run["run"].area_aliases[_flagged_area(counted_run)][0]
    done = subprocess.run(
        [sys.executable, "-c", _EXECUTE, notebook, json.dumps(parameters)],
        capture_output=True,
        text=True,
        check=True,
    )
    printed = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert json.loads(printed["PARTS"]) == parts
    modules = set(json.loads(printed["MODULES"]))
    assert "needs_analysis.report.rundata" in modules  # the listing is the notebook's own
    assert sorted(modules & set(CLASSIFIER_MODULES)) == []
    shows_words = notebook == "04_explore_free_text.ipynb"
    assert {name for name in WORD_VIEW_MODULES if name in modules} == (
        set(WORD_VIEW_MODULES) if shows_words else set()
    )
    assert ("fugashi" in modules) == shows_words


def test_a_run_saved_by_another_version_asks_for_a_new_run(tmp_path):
    # A run from before the modules moved names classes that no longer exist there.
    (tmp_path / "run.pkl").write_bytes(b"cneeds_analysis.io\nIngestSummary\n.")
    with pytest.raises(NeedsAnalysisError, match="もう一度実行"):
        load_run(tmp_path)
    (tmp_path / "run.pkl").write_bytes(b"not a pickle")
    with pytest.raises(NeedsAnalysisError, match="もう一度実行"):
        load_run(tmp_path)


def test_a_run_saved_by_an_older_version_of_the_same_classes_is_refused(counted_run, tmp_path):
    import dataclasses

    from needs_analysis.report.rundata import save_run

    old = dataclasses.replace(counted_run["run"], package_version="0.2.0")
    save_run(old, tmp_path)
    with pytest.raises(NeedsAnalysisError, match="別の版"):
        load_run(tmp_path)


def test_a_run_saved_in_one_file_before_the_parts_is_refused(counted_run, tmp_path):
    import pickle

    from needs_analysis.report.rundata import RunData

    state = load_run(counted_run["result"].out_dir / "data").__getstate__()
    del state["part_digests"]
    state["documents"] = None  # the layout before the parts: the documents inside run.pkl
    old = RunData.__new__(RunData)
    old.__dict__.update(state)
    (tmp_path / "run.pkl").write_bytes(pickle.dumps(old))
    with pytest.raises(NeedsAnalysisError, match="別の版"):
        load_run(tmp_path)
