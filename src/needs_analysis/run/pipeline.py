"""The run pipeline, in one direction: each input read once, each answer tokenised once.

    read (survey, previous survey, resources) → normalise → tokenise (distinct answers,
    the town's user dictionary) → mask → classify → documents, rejects, gap tables
    → :class:`~needs_analysis.report.rundata.RunData`

The classifier, the masking and the word views all take the one tokenisation; the
rejected rows are masked here and kept with the run, and the gap tables are computed here,
so that the notebooks only read the saved run. The unmasked answers stay in memory: the
run data holds only masked text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from needs_analysis.config.load import format_fiscal_year
from needs_analysis.config.settings import Config
from needs_analysis.config.stopwords import town_stopwords
from needs_analysis.gaps.corrected import CHECKED_COLUMN, is_checked
from needs_analysis.ingest.inventory import ResourceData, load_resources
from needs_analysis.ingest.places import town_place_names
from needs_analysis.ingest.rejects import MaskedRejects, mask_rejects
from needs_analysis.ingest.survey import SurveyData, load_survey
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.progress import Progress, quiet
from needs_analysis.report.rundata import CheckInfo, RunData, compute_year_tables, run_data
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token
from needs_analysis.textstats import build_documents

# A column that carries each masked answer into the documents frame for a moment.
_MASKED = "_masked"


@dataclass(frozen=True)
class RunInputs:
    """The input files of one run, each read once."""

    survey: SurveyData
    previous: SurveyData | None
    resources: ResourceData | None


def read_inputs(config: Config, year: int, progress: Progress = quiet) -> RunInputs:
    """The survey of the year, the previous year's survey (if configured) and the resources."""
    progress(f"調査を読み込んでいます（{format_fiscal_year(year)}）")
    survey = load_survey(config, year)
    for note in survey.summary.notes:  # lines re-read, merged cells filled, a renamed file
        progress(f"注意: {note}")
    previous_year = config.previous_fiscal_year(year)
    previous = load_survey(config, previous_year) if previous_year is not None else None
    resources = load_resources(config) if config.resources is not None else None
    return RunInputs(survey, previous, resources)


def tokenize_answers(texts: Iterable[object], tokenizer: Tokenizer) -> dict[str, list[Token]]:
    """The tokens of each distinct normalised answer, each answer tokenised once."""
    words: dict[str, list[Token]] = {}
    for text in texts:
        normalized = normalize_text(text)
        if normalized and normalized not in words:
            words[normalized] = tokenizer.tokenize(normalized)
    return words


def classify_and_mask(
    responses: pd.DataFrame,
    model,
    words: dict[str, list[Token]],
    with_documents: bool = True,
    places: Sequence[str] = (),
    stopwords: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The classified responses with the answer masked, and (``with_documents``) their
    documents frame for the word views. ``places``: the town's own names, which masking
    keeps (:func:`~needs_analysis.ingest.places.town_place_names`); ``stopwords``: the
    town's own stop words, left out of the word views on top of the package's.

    The raw answer never leaves this function: only the masked text is kept.
    """
    from needs_analysis.classify.predictions import classify_responses

    classified = classify_responses(responses, model, tokens=words)
    masked = [
        mask_personal_data(
            text, model.tokenizer, tokens=words.get(normalize_text(text)), places=places
        )
        if has_text
        else ""
        for text, has_text in zip(classified["text"], classified["has_text"], strict=True)
    ]
    documents = None
    if with_documents:
        documents = build_documents(
            classified.assign(**{_MASKED: masked}),
            rules=model.rules,
            tokenizer=model.tokenizer,
            tokens=words,
            masked_column=_MASKED,
            extra_stopwords=stopwords,
        )
    classified["text"] = masked
    return classified, documents


def with_typicality(
    responses: pd.DataFrame,
    documents: pd.DataFrame | None,
    raw_texts: pd.Series,
    model,
    words: dict[str, list[Token]],
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The responses and documents with ``typicality``: per answer, how typical it is of
    each category it carries (:mod:`needs_analysis.classify.typicality`), from the
    unmasked answers (``raw_texts``, aligned with ``responses``) — only the scores are
    kept. A checked answer counts with the coordinator's categories."""
    from needs_analysis.classify.typicality import typicality_scores

    texts = [normalize_text(text) for text in raw_texts.reindex(responses.index).fillna("")]
    checked = responses.get(CHECKED_COLUMN, pd.Series(None, index=responses.index))
    label_sets = [
        frozenset(mark if is_checked(mark) else found) - {model.other}
        for mark, found in zip(checked, responses["categories"], strict=True)
    ]
    scores = typicality_scores(texts, label_sets, fast=model.fast, tokens=words)
    responses = responses.assign(typicality=scores)
    if documents is not None:
        by_id = dict(zip(responses["respondent_id"], scores, strict=True))
        documents = documents.assign(
            typicality=[by_id.get(key, {}) for key in documents["respondent_id"]]
        )
    return responses, documents


def masked_rejects(inputs: RunInputs, tokenizer: Tokenizer) -> list[MaskedRejects]:
    """The rejected rows of the year's survey and of the resources: IDs and row numbers
    kept, every text cell masked with the town's tokenizer."""
    masked = [
        mask_rejects(data.rejects, data.summary.path, tokenizer)
        for data in (inputs.survey, inputs.resources)
        if data is not None
    ]
    return [rejects for rejects in masked if rejects is not None]


def prepare_run(
    config: Config,
    fiscal_year: int | None = None,
    progress: Progress = quiet,
    check: Path | None = None,
) -> RunData:
    """Read, tokenise, mask and classify one fiscal year (and the year before, if
    configured), with its rejects and gap tables: everything the notebooks read.

    ``check``: a filled check sheet whose answers correct the year's rates (default: the
    config's ``[check] file``; see :func:`needs_analysis.review.check_match.checks_for_run`).
    """
    from needs_analysis.classify.store import get_classifier
    from needs_analysis.review.check_match import checks_for_run, refuse_learned, with_checks

    year = config.fiscal_year if fiscal_year is None else fiscal_year
    inputs = read_inputs(config, year, progress)
    checks = checks_for_run(config, year, inputs.survey.responses, check, progress)
    progress("分類モデルを準備しています")
    model = get_classifier(config)
    if checks is not None:
        refuse_learned(config, checks, inputs.survey.responses, model)
    tokenizer = model.tokenizer  # the town's user dictionary, as the model was fitted with
    frames = [inputs.survey.responses]
    if inputs.previous is not None:
        frames.append(inputs.previous.responses)
    words = tokenize_answers(_answers(frames), tokenizer)
    places = town_place_names(config, inputs.resources)
    progress(f"回答を分類しています（{inputs.survey.summary.with_text:,}件）")
    responses, documents = classify_and_mask(
        inputs.survey.responses, model, words, places=places, stopwords=town_stopwords(config)
    )
    if checks is not None:
        matched, sheet = checks
        progress(f"職員が確認した {len(matched.index):,}件で割合を補正します（{sheet.path.name}）")
        responses = with_checks(responses, matched)
    responses, documents = with_typicality(
        responses, documents, inputs.survey.responses["text"], model, words
    )
    previous_responses = _classify_previous(config, year, inputs, model, words, places, progress)
    run = run_data(
        config,
        year,
        responses,
        inputs.survey.summary,
        inputs.resources,
        previous_responses=previous_responses,
        previous_summary=inputs.previous.summary if inputs.previous is not None else None,
        model_metadata=model.metadata,
    )
    run.documents = documents
    if checks is not None:
        run.check = CheckInfo(checks[1].path.name, len(checks[0].index), checks[1].planted)
    run.rejects = masked_rejects(inputs, Tokenizer(config.user_dictionary, places))
    run.tables = compute_year_tables(run)
    return run


def _classify_previous(config, year, inputs, model, words, places, progress):
    """The previous fiscal year's responses, classified and masked (no word views)."""
    if inputs.previous is None:
        return None
    previous_year = config.previous_fiscal_year(year)
    progress(f"前回の回答を分類しています（{format_fiscal_year(previous_year)}）")
    previous_responses, _ = classify_and_mask(
        inputs.previous.responses, model, words, with_documents=False, places=places
    )
    return previous_responses


def _answers(frames: Sequence[pd.DataFrame]) -> Iterable[object]:
    for frame in frames:
        yield from frame["text"].tolist()
