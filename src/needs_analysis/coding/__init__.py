"""The coding rules a coordinator can read and change (the categories they code into are
the config's taxonomy, :mod:`needs_analysis.config.taxonomy`).

- :mod:`~needs_analysis.coding.rules` — the rules file, matching an analysed answer;
- :mod:`~needs_analysis.coding.rule_parser` and :mod:`~needs_analysis.coding.rule_expr` —
  a rule line's syntax and its conditions.
"""

from needs_analysis.coding.rule_expr import AnalyzedAnswer
from needs_analysis.coding.rule_parser import RuleSyntaxError
from needs_analysis.coding.rules import RuleSet, load_rules, parse_rule

__all__ = [
    "AnalyzedAnswer",
    "RuleSet",
    "RuleSyntaxError",
    "load_rules",
    "parse_rule",
]
