"""Coding rules a coordinator can read and edit, in the spirit of KH Coder's coding rules.

A rules file has sections. ``[同義語]`` lists synonyms (``ゴミ = ごみ, 塵``), ``[否定]`` lists
the expressions that cancel a need (``必要 ない``, ``大丈夫``), and every other section is a
need label whose lines are conditions; an answer matches the label when any line matches.

A condition combines words::

    送迎                      the word (any inflection: 送っ, 送って → 送る)
    A | B      A & B    !A     or, and, not; parentheses group
    seq(連れる 行く)           the words in this order, at most two tokens apart
    near(病院 行く 5)          both words within five tokens, in either order

A word the dictionary splits into several tokens (免許返納 → 免許 + 返納) is matched as a
sequence. Words are compared by lemma after the synonym table, so a rule may be written in
any inflection or spelling. Words inside a negated stretch of the answer — from the start of
the clause to a negation expression such as 必要ない, 困っていない, 大丈夫 — do not count. A
negation never reaches back over a sentence boundary: 。！？…, a slash between two parts
(「…困っている／配食は必要ない」), or the space that separates two sentences written
without 。 (a line break in the cell).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from needs_analysis.coding.rule_expr import (
    SEQ_MAX_GAP,
    AnalyzedAnswer,
    Expr,
    Term,
    sequence_at,
)
from needs_analysis.coding.rule_parser import (
    RuleSyntaxError,
    parse_condition,
    read_sections,
)
from needs_analysis.errors import ConfigError
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token

# Where a negation's reach stops: sentence ends and contrastive conjunctions (〜が、〜けど).
_CONTRAST_PARTICLES = frozenset({"が", "けれど", "けれども", "けど", "のに", "ものの", "が、"})


_CONTRAST_CONJUNCTIONS = frozenset({"然し", "でも", "だが", "但し", "けれど", "けど", "ただ"})


_SENTENCE_ENDS = frozenset({"。", "!", "?", "…", "／", "/", "｜", "|"})
# How far a negation reaches, in the cached model's key: a model fitted when it reached
# further marked other words as negated.
NEGATION_SCOPE = "clause, stopped by sentence ends, slashes and spaces"


# Lemmas of the negative auxiliaries (ない, ぬ/ず as in ません).
_DENIALS = frozenset({"ない", "ず", "ぬ"})


def _is_boundary(token: Token) -> bool:
    if token.surface in _SENTENCE_ENDS or token.pos == "補助記号-句点":
        return True
    if token.pos == "助詞-接続助詞" and token.lemma in _CONTRAST_PARTICLES:
        return True
    return token.pos.startswith("接続詞") and token.lemma in _CONTRAST_CONJUNCTIONS


@dataclass(frozen=True)
class Rule:
    label: str
    line: int
    source: str
    expr: Expr


@dataclass
class RuleSet:
    """Parsed rules: synonyms, negation expressions, and conditions per label."""

    path: Path
    digest: str
    synonyms: dict[str, str]
    negations: list[tuple[str, ...]]
    rules: list[Rule]
    tokenizer: Tokenizer = field(default_factory=Tokenizer, repr=False)

    def __post_init__(self) -> None:
        # Only rules sharing a lemma with the answer are evaluated: most answers touch few.
        self._by_trigger: dict[str, list[int]] = {}
        self._always: list[int] = []
        for index, rule in enumerate(self.rules):
            triggers = rule.expr.triggers()
            if triggers is None:
                self._always.append(index)
            else:
                for lemma in triggers:
                    self._by_trigger.setdefault(lemma, []).append(index)
        self._negation_starts = {cue[0] for cue in self.negations}

    def candidate_rules(self, answer: AnalyzedAnswer) -> list[Rule]:
        indices = set(self._always)
        for lemma in answer.free_positions:
            indices.update(self._by_trigger.get(lemma, ()))
        return [self.rules[i] for i in sorted(indices)]

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(rule.label for rule in self.rules))

    # -- analysis ---------------------------------------------------------------

    def canonical(self, lemma: str) -> str:
        return self.synonyms.get(lemma, lemma)

    def analyze(self, text: str, tokens: Sequence[Token] | None = None) -> AnalyzedAnswer:
        """Tokens with canonical lemmas and negation scopes for one normalised text."""
        tokens = tuple(self.tokenizer.tokenize(text) if tokens is None else tokens)
        lemmas = tuple(self.canonical(token.lemma) for token in tokens)
        negated = [False] * len(tokens)
        present = self._negation_starts.intersection(lemmas)
        if present:
            spaced = _after_space(text, tokens)
            for cue in (cue for cue in self.negations if cue[0] in present):
                for end in _cue_ends(lemmas, cue):
                    if end + 1 < len(tokens) and tokens[end + 1].surface == "か":
                        continue  # 大丈夫か… is a question, not a denial
                    if cue[-1] not in _DENIALS and _DENIALS.intersection(lemmas[end + 1 : end + 3]):
                        continue  # 足りない, 大丈夫じゃない: the need, not its denial
                    start = end
                    while start > 0 and not _is_boundary(tokens[start - 1]) and start not in spaced:
                        start -= 1
                    for position in range(start, end + 1):
                        negated[position] = True
        free_positions: dict[str, list[int]] = {}
        for position, (lemma, neg) in enumerate(zip(lemmas, negated, strict=True)):
            if not neg:
                free_positions.setdefault(lemma, []).append(position)
        return AnalyzedAnswer(text, tokens, lemmas, tuple(negated), free_positions)

    # -- matching ---------------------------------------------------------------

    def match(self, answer: AnalyzedAnswer) -> dict[str, list[str]]:
        """Labels whose rules match, each with the evidence words (surface forms)."""
        hits: dict[str, set[int]] = {}
        for rule in self.candidate_rules(answer):
            found = rule.expr.match(answer)
            if found is not None:
                hits.setdefault(rule.label, set()).update(found.positions)
        return {
            label: [answer.tokens[i].surface for i in sorted(positions)]
            for label, positions in hits.items()
        }

    # -- diagnostics --------------------------------------------------------------

    def diagnose(self, answers: Sequence[AnalyzedAnswer]) -> list[str]:
        """Japanese notes: rules that match no answer, words the dictionary never yields."""
        notes: list[str] = []
        seen_lemmas = {lemma for answer in answers for lemma in answer.lemmas}
        for rule in self.rules:
            if not any(rule.expr.match(answer) is not None for answer in answers):
                notes.append(
                    f"{self.path.name} {rule.line}行目 [{rule.label}] 「{rule.source}」は"
                    f"{len(answers):,}件のどの回答にも当てはまりません。"
                )
        reported: set[str] = set()
        for rule in self.rules:
            for term in rule.expr.terms():
                if term.written in reported:
                    continue
                reported.add(term.written)
                if not any(all(lemma in seen_lemmas for lemma in form) for form in term.forms):
                    shown = " + ".join(term.lemmas)
                    notes.append(
                        f"{self.path.name} {rule.line}行目 [{rule.label}] 語「{term.written}」"
                        f"（辞書の見出し語: {shown}）は回答に一度も出てきません。"
                        "書き方か辞書の分け方を確かめてください。"
                    )
        return notes


def _after_space(text: str, tokens: Sequence[Token]) -> set[int]:
    """Indices of the tokens that follow white space in ``text`` (MeCab drops the space
    that separates two sentences written on two lines)."""
    found: set[int] = set()
    position = 0
    for index, token in enumerate(tokens):
        start = text.find(token.surface, position)
        if start < 0:
            continue  # a surface the tokenizer rewrote: no position known
        if index and text[position:start].isspace():
            found.add(index)
        position = start + len(token.surface)
    return found


def _cue_ends(lemmas: Sequence[str], cue: tuple[str, ...]) -> Iterable[int]:
    """End positions of each occurrence of a negation cue (words at most two tokens apart)."""
    nothing_negated = [False] * len(lemmas)
    for start, lemma in enumerate(lemmas):
        if lemma == cue[0]:
            positions = sequence_at(lemmas, nothing_negated, cue, SEQ_MAX_GAP, start)
            if positions is not None:
                yield positions[-1]


def load_rules(path: Path | str, tokenizer: Tokenizer | None = None) -> RuleSet:
    """Parse a rules file; a syntax error names the file and the line."""
    path = Path(path)
    tokenizer = tokenizer or Tokenizer()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(path, "ルールのファイルが見つかりません。") from None
    except UnicodeDecodeError:
        raise ConfigError(path, "ルールのファイルは UTF-8 で保存してください。") from None
    sections = read_sections(path, text)
    synonyms = _synonyms(path, tokenizer, sections.synonyms)
    make_term = _term_maker(tokenizer, synonyms)
    # A negation is a phrase, tokenised whole so its particles read as in a sentence.
    negations = [
        _lemmas_of(tokenizer, synonyms, "".join(line.split())) for _, line in sections.negations
    ]
    negations = [cue for cue in negations if cue]
    rules = [
        Rule(label, number, line, parse_condition(line, make_term, path, number))
        for number, label, line in sections.rules
    ]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return RuleSet(path, digest, synonyms, negations, rules, tokenizer)


def parse_rule(rule_set: RuleSet, line: str, number: int = 1) -> Expr:
    """One condition in the rules file's syntax, read with the rule set's words (synonyms,
    tokenizer), exactly as a line of the file is read; a syntax error says what is wrong."""
    make_term = _term_maker(rule_set.tokenizer, rule_set.synonyms)
    return parse_condition(line, make_term, rule_set.path, number)


def _lemmas_of(tokenizer: Tokenizer, synonyms: dict[str, str], text: str) -> tuple[str, ...]:
    tokens = tokenizer.tokenize(normalize_text(text))
    return tuple(synonyms.get(t.lemma, t.lemma) for t in tokens)


def _term_maker(tokenizer: Tokenizer, synonyms: dict[str, str]):
    """A word of a condition → its Term: its lemmas as tokenised, or itself as written."""

    def make_term(word: str) -> Term:
        tokenized = _lemmas_of(tokenizer, synonyms, word) or (word,)
        itself = (synonyms.get(word, word),)
        return Term(word, (tokenized,) if tokenized == itself else (tokenized, itself))

    return make_term


def _synonyms(path: Path, tokenizer: Tokenizer, lines: list[tuple[int, str]]) -> dict[str, str]:
    """Each variant (as written and as its lemma) → its canonical word."""
    synonyms: dict[str, str] = {}
    for number, line in lines:
        canonical, sep, variants = line.partition("=")
        canonical = canonical.strip()
        if not sep or not canonical or not variants.strip():
            raise RuleSyntaxError(
                path, f"{number}行目: 同義語は「代表の語 = 語, 語」と書いてください。"
            )
        for variant in [canonical, *(v.strip() for v in variants.split(",") if v.strip())]:
            for lemma in _raw_lemmas(tokenizer, variant):
                synonyms[lemma] = canonical
            synonyms[variant] = canonical
    return synonyms


def _raw_lemmas(tokenizer: Tokenizer, word: str) -> list[str]:
    """The lemma a single-token word gets; a word split in several tokens maps by itself."""
    tokens = tokenizer.tokenize(normalize_text(word))
    return [tokens[0].lemma] if len(tokens) == 1 else []
