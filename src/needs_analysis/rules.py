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
the clause to a negation expression such as 必要ない, 困っていない, 大丈夫 — do not count.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

from needs_analysis.errors import ConfigError
from needs_analysis.normalize import normalize_text
from needs_analysis.tokenize import Token, Tokenizer

SYNONYM_SECTION = "同義語"
NEGATION_SECTION = "否定"
SEQ_MAX_GAP = 2
NEAR_DEFAULT = 5

# Where a negation's reach stops: sentence ends and contrastive conjunctions (〜が、〜けど).
_CONTRAST_PARTICLES = frozenset({"が", "けれど", "けれども", "けど", "のに", "ものの", "が、"})
_CONTRAST_CONJUNCTIONS = frozenset({"然し", "でも", "だが", "但し", "けれど", "けど", "ただ"})
_SENTENCE_ENDS = frozenset({"。", "!", "?", "…"})
# Lemmas of the negative auxiliaries (ない, ぬ/ず as in ません).
_DENIALS = frozenset({"ない", "ず", "ぬ"})


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class AnalyzedAnswer:
    """An answer's tokens with canonical lemmas and which tokens a negation covers."""

    text: str
    tokens: tuple[Token, ...]
    lemmas: tuple[str, ...]
    negated: tuple[bool, ...]
    # lemma → token indices where it stands outside a negation, for fast lookups
    free_positions: dict[str, list[int]] = field(default_factory=dict, compare=False)

    def free_lemmas(self) -> set[str]:
        return {lemma for lemma, neg in zip(self.lemmas, self.negated, strict=True) if not neg}


def _is_boundary(token: Token) -> bool:
    if token.surface in _SENTENCE_ENDS or token.pos == "補助記号-句点":
        return True
    if token.pos == "助詞-接続助詞" and token.lemma in _CONTRAST_PARTICLES:
        return True
    return token.pos.startswith("接続詞") and token.lemma in _CONTRAST_CONJUNCTIONS


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Term:
    """One written word and the lemma sequences it may appear as.

    The first form is how the dictionary tokenises the word; a function word that MeCab
    reads differently in isolation (まで alone → まー + で) also matches as itself.
    """

    written: str
    forms: tuple[tuple[str, ...], ...]

    @property
    def lemmas(self) -> tuple[str, ...]:
        return self.forms[0]


@dataclass(frozen=True)
class Match:
    """Which tokens (by index) made a condition true."""

    positions: frozenset[int]


class Expr:
    """A condition over an analysed answer; ``match`` returns the evidence or ``None``."""

    def match(self, answer: AnalyzedAnswer) -> Match | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def terms(self) -> Iterable[Term]:  # pragma: no cover - abstract
        raise NotImplementedError

    def triggers(self) -> frozenset[str] | None:
        """Lemmas of which at least one must be present to match; None: no such set."""
        return frozenset(form[0] for term in self.terms() for form in term.forms)


def _find_sequence(
    lemmas: Sequence[str], negated: Sequence[bool], wanted: Sequence[str], max_gap: int
) -> list[int] | None:
    """Token indices of the first non-negated occurrence of ``wanted`` in order."""
    for start, lemma in enumerate(lemmas):
        if lemma != wanted[0] or negated[start]:
            continue
        positions = [start]
        cursor = start
        for word in wanted[1:]:
            found = None
            for index in range(cursor + 1, min(len(lemmas), cursor + max_gap + 2)):
                if lemmas[index] == word and not negated[index]:
                    found = index
                    break
            if found is None:
                break
            positions.append(found)
            cursor = found
        else:
            return positions
    return None


def _find_term(answer: AnalyzedAnswer, term: Term, start: int = 0) -> list[int] | None:
    # A word the dictionary splits must stay adjacent to count as the written word.
    lemmas = answer.lemmas
    for form in term.forms:
        for first in answer.free_positions.get(form[0], ()):
            if first < start:
                continue
            end = first + len(form)
            if end <= len(lemmas) and all(
                lemmas[first + k] == form[k] and not answer.negated[first + k]
                for k in range(1, len(form))
            ):
                return list(range(first, end))
    return None


@dataclass(frozen=True)
class WordExpr(Expr):
    term: Term

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        positions = _find_term(answer, self.term)
        return Match(frozenset(positions)) if positions is not None else None

    def terms(self) -> Iterable[Term]:
        yield self.term


@dataclass(frozen=True)
class SeqExpr(Expr):
    parts: tuple[Term, ...]

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        for forms in product(*(term.forms for term in self.parts)):
            wanted = [lemma for form in forms for lemma in form]
            positions = _find_sequence(answer.lemmas, answer.negated, wanted, SEQ_MAX_GAP)
            if positions is not None:
                return Match(frozenset(positions))
        return None

    def terms(self) -> Iterable[Term]:
        yield from self.parts


@dataclass(frozen=True)
class NearExpr(Expr):
    parts: tuple[Term, ...]
    distance: int

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        occurrences: list[list[list[int]]] = []
        for term in self.parts:
            found: list[list[int]] = []
            start = 0
            while (positions := _find_term(answer, term, start)) is not None:
                found.append(positions)
                start = positions[0] + 1
            if not found:
                return None
            occurrences.append(found)
        first, *rest = occurrences
        for anchor in first:
            chosen = [anchor]
            for candidates in rest:
                near = [c for c in candidates if abs(c[0] - anchor[0]) <= self.distance]
                if not near:
                    break
                chosen.append(near[0])
            else:
                return Match(frozenset(p for group in chosen for p in group))
        return None

    def terms(self) -> Iterable[Term]:
        yield from self.parts


@dataclass(frozen=True)
class NotExpr(Expr):
    inner: Expr

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        return None if self.inner.match(answer) is not None else Match(frozenset())

    def terms(self) -> Iterable[Term]:
        yield from self.inner.terms()

    def triggers(self) -> frozenset[str] | None:
        return None  # matches when its words are absent


@dataclass(frozen=True)
class AndExpr(Expr):
    parts: tuple[Expr, ...]

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        positions: set[int] = set()
        for part in self.parts:
            found = part.match(answer)
            if found is None:
                return None
            positions |= found.positions
        return Match(frozenset(positions))

    def terms(self) -> Iterable[Term]:
        for part in self.parts:
            yield from part.terms()

    def triggers(self) -> frozenset[str] | None:
        # Every part must match, so the smallest trigger set of any part will do.
        sets = [t for t in (part.triggers() for part in self.parts) if t is not None]
        return min(sets, key=len) if sets else None


@dataclass(frozen=True)
class OrExpr(Expr):
    parts: tuple[Expr, ...]

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        positions: set[int] = set()
        for part in self.parts:
            found = part.match(answer)
            if found is not None:
                positions |= found.positions
        return Match(frozenset(positions)) if positions else None

    def terms(self) -> Iterable[Term]:
        for part in self.parts:
            yield from part.terms()

    def triggers(self) -> frozenset[str] | None:
        sets = [part.triggers() for part in self.parts]
        if any(t is None for t in sets):
            return None
        return frozenset().union(*sets)


# --------------------------------------------------------------------------- parsing

_TOKEN = re.compile(r"\s*(seq\(|near\(|[()|&!]|[^\s()|&!]+)")


class RuleSyntaxError(ConfigError):
    """A rules file line that cannot be read; the message names file and line."""


class _Parser:
    def __init__(self, text: str, make_term, path: Path, line: int):
        self.tokens = [m.group(1) for m in _TOKEN.finditer(text)]
        self.index = 0
        self.make_term = make_term
        self.path = path
        self.line = line

    def fail(self, message: str) -> RuleSyntaxError:
        return RuleSyntaxError(self.path, f"{self.line}行目: {message}")

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise self.fail("式が途中で終わっています。")
        self.index += 1
        return token

    def parse(self) -> Expr:
        expr = self.parse_or()
        if self.peek() is not None:
            raise self.fail(f"「{self.peek()}」の前に | か & が必要です。")
        return expr

    def parse_or(self) -> Expr:
        parts = [self.parse_and()]
        while self.peek() == "|":
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else OrExpr(tuple(parts))

    def parse_and(self) -> Expr:
        parts = [self.parse_unary()]
        while self.peek() == "&":
            self.take()
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else AndExpr(tuple(parts))

    def parse_unary(self) -> Expr:
        token = self.take()
        if token == "!":
            return NotExpr(self.parse_unary())
        if token == "(":
            inner = self.parse_or()
            if self.take() != ")":
                raise self.fail("閉じかっこ「)」がありません。")
            return inner
        if token in ("seq(", "near("):
            words: list[str] = []
            while self.peek() not in (")", None):
                words.append(self.take())
            if self.peek() is None:
                raise self.fail(f"{token[:-1]}( の閉じかっこ「)」がありません。")
            self.take()
            if token == "near(":
                distance = NEAR_DEFAULT
                if words and words[-1].isdigit():
                    distance = int(words.pop())
                if len(words) < 2:
                    raise self.fail("near( ) には2語以上を書いてください。")
                return NearExpr(tuple(self.make_term(w) for w in words), distance)
            if len(words) < 2:
                raise self.fail("seq( ) には2語以上を書いてください。")
            return SeqExpr(tuple(self.make_term(w) for w in words))
        if token in (")", "|", "&"):
            raise self.fail(f"「{token}」の前に語がありません。")
        return WordExpr(self.make_term(token))


# --------------------------------------------------------------------------- rule sets


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
            for cue in (cue for cue in self.negations if cue[0] in present):
                for end in _cue_ends(lemmas, cue):
                    if end + 1 < len(tokens) and tokens[end + 1].surface == "か":
                        continue  # 大丈夫か… is a question, not a denial
                    if cue[-1] not in _DENIALS and _DENIALS.intersection(lemmas[end + 1 : end + 3]):
                        continue  # 足りない, 大丈夫じゃない: the need, not its denial
                    start = end
                    while start > 0 and not _is_boundary(tokens[start - 1]):
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

    def hit_lines(self, answer: AnalyzedAnswer) -> list[Rule]:
        return [
            rule for rule in self.candidate_rules(answer) if rule.expr.match(answer) is not None
        ]

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


def _cue_ends(lemmas: Sequence[str], cue: tuple[str, ...]) -> Iterable[int]:
    """End positions of each occurrence of a negation cue (words at most two tokens apart)."""
    nothing_negated = [False] * len(lemmas)
    for start, lemma in enumerate(lemmas):
        if lemma == cue[0]:
            positions = _find_sequence(lemmas[start:], nothing_negated[start:], cue, SEQ_MAX_GAP)
            if positions is not None and positions[0] == 0:
                yield start + positions[-1]


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

    section: str | None = None
    synonym_lines: list[tuple[int, str]] = []
    negation_lines: list[tuple[int, str]] = []
    rule_lines: list[tuple[int, str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3:
                raise RuleSyntaxError(
                    path, f"{number}行目: 見出しは [分類名] の形で書いてください。"
                )
            section = line[1:-1].strip()
            continue
        if section is None:
            raise RuleSyntaxError(path, f"{number}行目: 最初に [分類名] の見出しを書いてください。")
        if section == SYNONYM_SECTION:
            synonym_lines.append((number, line))
        elif section == NEGATION_SECTION:
            negation_lines.append((number, line))
        else:
            rule_lines.append((number, section, line))

    synonyms: dict[str, str] = {}

    def lemmas_of(text: str) -> tuple[str, ...]:
        tokens = tokenizer.tokenize(normalize_text(text))
        return tuple(synonyms.get(t.lemma, t.lemma) for t in tokens)

    for number, line in synonym_lines:
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

    def make_term(word: str) -> Term:
        tokenized = lemmas_of(word) or (word,)
        itself = (synonyms.get(word, word),)
        return Term(word, (tokenized,) if tokenized == itself else (tokenized, itself))

    # A negation is a phrase, tokenised whole so its particles read as in a sentence.
    negations = [lemmas_of("".join(line.split())) for _, line in negation_lines]
    negations = [cue for cue in negations if cue]
    rules = [
        Rule(label, number, line, _Parser(line, make_term, path, number).parse())
        for number, label, line in rule_lines
    ]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return RuleSet(path, digest, synonyms, negations, rules, tokenizer)


def _raw_lemmas(tokenizer: Tokenizer, word: str) -> list[str]:
    """The lemma a single-token word gets; a word split in several tokens maps by itself."""
    tokens = tokenizer.tokenize(normalize_text(word))
    return [tokens[0].lemma] if len(tokens) == 1 else []
