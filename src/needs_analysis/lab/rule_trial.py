"""Trying a coding rule before it goes into the rules file: how many answers it matches, per
圏域, with each match in context.

The condition is read by the rules file's own parser with the town's synonyms and
tokenizer (:func:`needs_analysis.coding.rules.parse_rule`), and matched against each
masked answer as the classifier's rules are (negated stretches do not count). Counts per
圏域 follow the disclosure rule, small ones and those that would reveal them by
subtraction hidden; no context is shown when fewer answers than the threshold match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from needs_analysis.coding.rule_parser import RuleSyntaxError
from needs_analysis.coding.rules import RuleSet, parse_rule
from needs_analysis.privacy.disclosure import Disclosure


@dataclass(frozen=True)
class RuleTrial:
    """``error``: one sentence when the rule cannot be read (everything else empty then).
    ``per_area``: area, count (as printed). ``lines``: doc, left, keyword, right."""

    rule: str
    count: int = 0
    label: str = "0"
    per_area: pd.DataFrame = field(default_factory=pd.DataFrame)
    lines: pd.DataFrame = field(default_factory=pd.DataFrame)
    error: str = ""
    notes: tuple[str, ...] = ()


def try_rule(
    line: str,
    documents: pd.DataFrame,
    rules: RuleSet,
    *,
    min_count: int = 5,
    width: int = 15,
    areas: list[str] | None = None,
) -> RuleTrial:
    """Match one condition (as written in the rules file) against the answers with text."""
    line = line.split("#", 1)[0].strip()
    if not line:
        return RuleTrial(line, error="ルールを入力してください（例: バス & (少ない | 不便)）。")
    try:
        expr = parse_rule(rules, line)
    except RuleSyntaxError as error:
        detail = str(error).rsplit("行目: ", 1)[-1]
        return RuleTrial(line, error=f"ルールを読めません: {detail}")
    scope = documents[documents["has_text"].astype(bool)]
    hits: dict[int, tuple[int, int]] = {}
    for doc, text, tokens, starts in zip(
        scope.index, scope["text"], scope["tokens"], scope["starts"], strict=True
    ):
        found = expr.match(rules.analyze(text, tokens))
        if found is None:
            continue
        placed = [p for p in sorted(found.positions) if starts[p] >= 0]
        if placed:
            first, last = placed[0], placed[-1]
            hits[doc] = (starts[first], starts[last] + len(tokens[last].surface))
    return _trial(line, scope, hits, Disclosure(min_count), width, areas)


def _trial(line, scope, hits, rule: Disclosure, width: int, areas) -> RuleTrial:
    matched = scope.loc[list(hits)]
    order = areas or list(dict.fromkeys(scope["area"].astype(str)))
    counts = matched["area"].astype(str).value_counts().reindex(order, fill_value=0)
    statuses = rule.statuses(counts.tolist())
    per_area = pd.DataFrame(
        {
            "area": order,
            "count": [rule.label(c, s) for c, s in zip(counts, statuses, strict=True)],
            "answers": [
                rule.label(n)
                for n in scope["area"].astype(str).value_counts().reindex(order, fill_value=0)
            ],
        }
    )
    count = len(hits)
    if count == 0 or rule.is_small(count):
        note = (
            "当てはまる回答はありません。"
            if count == 0
            else f"当てはまる回答が{rule.threshold}件未満のため、文脈は表示しません。"
        )
        return RuleTrial(line, count, rule.label(count), per_area, _lines([]), notes=(note,))
    records = []
    for doc, (begin, end) in hits.items():
        text = scope.at[doc, "text"]
        records.append(
            (doc, text[max(0, begin - width) : begin], text[begin:end], text[end : end + width])
        )
    return RuleTrial(line, count, rule.label(count), per_area, _lines(records))


def _lines(records: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=["doc", "left", "keyword", "right"])
