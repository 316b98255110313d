"""Reading a rules file: its sections, and each condition line into an expression tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from needs_analysis.coding.rule_expr import (
    NEAR_DEFAULT,
    AndExpr,
    Expr,
    NearExpr,
    NotExpr,
    OrExpr,
    SeqExpr,
    WordExpr,
)
from needs_analysis.errors import ConfigError

SYNONYM_SECTION = "同義語"


NEGATION_SECTION = "否定"


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


def parse_condition(line: str, make_term, path: Path, number: int) -> Expr:
    """The expression of one condition line; a syntax error names the file and the line."""
    return _Parser(line, make_term, path, number).parse()


@dataclass
class RuleSections:
    """The lines of a rules file by section, each with its line number."""

    synonyms: list[tuple[int, str]] = field(default_factory=list)
    negations: list[tuple[int, str]] = field(default_factory=list)
    # (line number, label, condition)
    rules: list[tuple[int, str, str]] = field(default_factory=list)


def read_sections(path: Path, text: str) -> RuleSections:
    """Sort the lines of a rules file into synonyms, negations and rules per label."""
    sections = RuleSections()
    section: str | None = None
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
            sections.synonyms.append((number, line))
        elif section == NEGATION_SECTION:
            sections.negations.append((number, line))
        else:
            sections.rules.append((number, section, line))
    return sections
