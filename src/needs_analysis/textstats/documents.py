"""The documents frame: one row per respondent with the masked answer and its words."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from needs_analysis.config.settings import Config
from needs_analysis.frames import label_set, require_columns
from needs_analysis.paths import package_file
from needs_analysis.privacy.masking import (
    mask_personal_data,
)
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import (
    CONTENT_POS_PREFIXES,
    DEFAULT_STOPWORDS,
    Token,
    content_tokens,
    place_tokens,
)

if TYPE_CHECKING:
    from needs_analysis.coding.rules import RuleSet
    from needs_analysis.text.mecab import Tokenizer
from needs_analysis.textstats.common import (
    _MASK_PATTERN,
    _MASKS,
    _PERSON_POS,
    ATTRS_RULES,
    ATTRS_USER_DICTIONARY,
    CARRIED_COLUMNS,
    FILLER_STOPWORDS,
    GROUPINGS,
    HOUSEHOLD_ORDER,
    NO_ANSWER,
)

# --------------------------------------------------------------------------- documents


def build_documents(
    responses: pd.DataFrame,
    config: Config | None = None,
    *,
    rules: RuleSet | Path | str | None = None,
    tokenizer: Tokenizer | None = None,
    stopwords: Iterable[str] | None = None,
    extra_stopwords: Iterable[str] = (),
    pos_prefixes: tuple[str, ...] = CONTENT_POS_PREFIXES,
    text_column: str = "text",
    tokens: Mapping[str, Sequence[Token]] | None = None,
    masked_column: str | None = None,
) -> pd.DataFrame:
    """One row per respondent with the masked answer and its words, tokenised once.

    ``responses`` is a survey frame (``ingest.load_survey``), classified or not. The synonym
    table comes from ``rules`` (a RuleSet or a rules file), else from the config's rules,
    else from the bundled ``rules.txt``; the tokenizer uses the config's user dictionary.
    ``tokens`` (normalised answer → its tokens) and ``masked_column`` (a column holding
    each answer already masked) hand over what the run pipeline has computed, so that the
    answers are neither tokenised nor masked again here.

    Columns: the respondent attributes present in ``responses`` (respondent_id, area,
    age_group, sex, household, categories, evidence …), then

    - ``has_text``: the normalised answer is not empty;
    - ``text``: the normalised answer with personal data masked;
    - ``tokens``: the tokens of the answer that the masked text still shows, each lemma
      mapped through the synonym table (a masked name leaves no token behind);
    - ``starts``: where each token starts in ``text``;
    - ``lemmas`` / ``surfaces``: the counted words (content parts of speech, no stop words,
      nothing inside a mask), as canonical lemma and as written.
    """
    require_columns(
        responses, [text_column, *([masked_column] if masked_column else [])], "回答の表"
    )
    rule_set = _resolve_rules(rules, config, tokenizer)
    tokenizer = tokenizer or rule_set.tokenizer
    stop = _stopwords(rule_set, stopwords, extra_stopwords)

    masked = responses[masked_column].tolist() if masked_column else None
    texts = responses[text_column].tolist()
    rows = _analysed_rows(texts, masked, tokens or {}, rule_set, tokenizer, stop, pos_prefixes)
    carried = [column for column in CARRIED_COLUMNS if column in responses.columns]
    documents = responses[carried].reset_index(drop=True)
    analysed = pd.DataFrame(
        rows, columns=["has_text", "text", "tokens", "starts", "lemmas", "surfaces"]
    )
    result = pd.concat([documents, analysed], axis=1)
    # Where the words came from, so that kwic reads a query with the same rules and words.
    result.attrs[ATTRS_RULES] = str(rule_set.path)
    user_dictionary = tokenizer.user_dictionary
    result.attrs[ATTRS_USER_DICTIONARY] = str(user_dictionary) if user_dictionary else ""
    return result


def _stopwords(
    rule_set: RuleSet, stopwords: Iterable[str] | None, extra: Iterable[str]
) -> frozenset[str]:
    default = DEFAULT_STOPWORDS | FILLER_STOPWORDS
    stop = frozenset(default if stopwords is None else stopwords) | frozenset(extra)
    # A stop word written in any spelling of the synonym table stops the whole word.
    return stop | {rule_set.canonical(word) for word in stop}


def _analysed_rows(
    texts: list[object],
    masked_texts: list[str] | None,
    known: Mapping[str, Sequence[Token]],
    rule_set: RuleSet,
    tokenizer: Tokenizer,
    stopwords: frozenset[str],
    pos_prefixes: tuple[str, ...],
) -> list[tuple]:
    """The analysed columns of each answer; each distinct answer tokenised (if its tokens
    are not known) and masked (if not masked already) once."""
    cache: dict[tuple[str, str | None], tuple] = {}
    rows: list[tuple] = []
    for row, value in enumerate(texts):
        normalized = normalize_text(value)
        masked = None if masked_texts is None else normalize_text(masked_texts[row])
        key = (normalized, masked)
        if key not in cache:
            words = known.get(normalized)
            if words is None and normalized:
                words = tokenizer.tokenize(normalized)
            cache[key] = _analyse(
                normalized, masked, words or (), rule_set, stopwords, pos_prefixes
            )
        rows.append(cache[key])
    return rows


def _analyse(
    normalized: str,
    masked: str | None,
    words: Sequence[Token],
    rule_set: RuleSet,
    stopwords: frozenset[str],
    pos_prefixes: tuple[str, ...],
) -> tuple:
    if not normalized:
        return (False, "", (), (), (), ())
    if masked is None:
        masked = normalize_text(mask_personal_data(normalized, tokens=words))
    # The words the masked text still shows, where it shows them; a masked name is gone.
    placed = place_tokens(masked, words, _MASKS)
    # The marks in order (they never overlap): a token is inside the last one that begins
    # at or before it, if that one has not ended (a search, not a scan: long answers).
    masked_spans = [match.span() for match in _MASK_PATTERN.finditer(masked)]
    begins = [begin for begin, _ in masked_spans]

    def in_mask(start: int) -> bool:
        index = bisect.bisect_right(begins, start) - 1
        return index >= 0 and start < masked_spans[index][1]

    synonym = rule_set.synonyms.get
    tokens = tuple(
        Token(token.surface, synonym(token.lemma, token.lemma), token.pos) for _, token in placed
    )
    starts = tuple(start for start, _ in placed)
    counted = {
        id(token) for token in content_tokens([t for _, t in placed], stopwords, pos_prefixes)
    }
    lemmas: list[str] = []
    surfaces: list[str] = []
    for (start, token), canonical in zip(placed, tokens, strict=True):
        if (
            id(token) in counted
            and canonical.lemma not in stopwords
            and not token.pos.startswith(_PERSON_POS)
            and not in_mask(start)
        ):
            lemmas.append(canonical.lemma)
            surfaces.append(token.surface)
    return (True, masked, tokens, starts, tuple(lemmas), tuple(surfaces))


def _resolve_rules(
    rules: RuleSet | Path | str | None, config: Config | None, tokenizer: Tokenizer | None
) -> RuleSet:
    if rules is not None and not isinstance(rules, (str, Path)):
        return rules  # a RuleSet already read
    path = Path(rules) if rules is not None else None
    if path is None and config is not None:
        path = config.rules_path
    if tokenizer is None and config is not None and config.user_dictionary is not None:
        from needs_analysis.text.mecab import Tokenizer

        tokenizer = Tokenizer(config.user_dictionary)
    if tokenizer is not None:
        from needs_analysis.coding.rules import load_rules

        return load_rules(path or package_file("rules.txt"), tokenizer)
    return _bundled_rules(str(path or package_file("rules.txt")))


def _bundled_rules(path: str, user_dictionary: str = "") -> RuleSet:
    """Rules read once per process, and again when the rules file has been edited."""
    return _cached_rules(path, user_dictionary, Path(path).stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _cached_rules(path: str, user_dictionary: str, modified: int) -> RuleSet:
    from needs_analysis.coding.rules import load_rules
    from needs_analysis.text.mecab import Tokenizer

    tokenizer = Tokenizer(user_dictionary) if user_dictionary else None
    return load_rules(path, tokenizer)


def _rules_of(documents: pd.DataFrame, rules: RuleSet | Path | str | None) -> RuleSet:
    """The rules given, else the ones the documents were built with, else the bundled ones."""
    if rules is not None:
        return _resolve_rules(rules, None, None)
    path = documents.attrs.get(ATTRS_RULES)
    if path and Path(path).is_file():
        user_dictionary = documents.attrs.get(ATTRS_USER_DICTIONARY, "")
        if not user_dictionary or Path(user_dictionary).is_file():
            return _bundled_rules(str(path), str(user_dictionary))
    return _bundled_rules(str(package_file("rules.txt")))


def select_documents(
    documents: pd.DataFrame,
    *,
    area: str | None = None,
    category: str | None = None,
    household: str | None = None,
    with_text: bool = True,
) -> pd.DataFrame:
    """The documents of one 圏域, category and/or household type (answers only, by default)."""
    keep = pd.Series(True, index=documents.index)
    if with_text:
        require_columns(documents, ["has_text"], "文書の表")
        keep &= documents["has_text"].astype(bool)
    if area is not None:
        require_columns(documents, ["area"], "文書の表")
        keep &= documents["area"] == area
    if household is not None:
        require_columns(documents, ["household"], "文書の表")
        keep &= documents["household"] == household
    if category is not None:
        require_columns(documents, ["categories"], "文書の表")
        keep &= documents["categories"].map(lambda value: category in label_set(value))
    return documents.loc[keep]


def _word_rows(documents: pd.DataFrame) -> pd.DataFrame:
    """Long table of counted words: doc (row position), word, surface."""
    lengths = np.fromiter(map(len, documents["lemmas"]), dtype=np.int64, count=len(documents))
    return pd.DataFrame(
        {
            "doc": np.repeat(np.arange(len(documents)), lengths),
            "word": pd.Series(list(chain.from_iterable(documents["lemmas"])), dtype=object),
            "surface": pd.Series(list(chain.from_iterable(documents["surfaces"])), dtype=object),
        }
    )


def _group_rows(documents: pd.DataFrame, by: str) -> pd.DataFrame:
    """Long table doc (row position) → group; an answer with several categories repeats."""
    if by not in GROUPINGS:
        known = "、".join(GROUPINGS)
        raise ValueError(f"by には {known} のどれかを指定してください（指定: {by!r}）。")
    if by == "category":
        require_columns(documents, ["categories"], "文書の表")
        labels = [sorted(label_set(value)) for value in documents["categories"]]
        lengths = np.fromiter((len(x) for x in labels), dtype=np.int64, count=len(labels))
        return pd.DataFrame(
            {
                "doc": np.repeat(np.arange(len(documents)), lengths),
                "group": list(chain.from_iterable(labels)),
            }
        )
    require_columns(documents, [by], "文書の表")
    return pd.DataFrame(
        {"doc": np.arange(len(documents)), "group": [_level(v) for v in documents[by]]}
    )


def _level(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NO_ANSWER
    text = str(value).strip()
    return text or NO_ANSWER


def _group_order(by: str, groups: Iterable[str]) -> list[str]:
    present = list(dict.fromkeys(groups))
    if by == "household":
        first = [g for g in HOUSEHOLD_ORDER if g in present]
        rest = sorted(g for g in present if g not in HOUSEHOLD_ORDER and g != NO_ANSWER)
        return first + rest + ([NO_ANSWER] if NO_ANSWER in present else [])
    if by in ("area", "category"):
        return present  # the order the data (or the taxonomy) gives
    rest = sorted(g for g in present if g != NO_ANSWER)
    return rest + ([NO_ANSWER] if NO_ANSWER in present else [])
