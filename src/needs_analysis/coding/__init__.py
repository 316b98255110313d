"""The categories and the coding rules a coordinator can read and change.

- :mod:`~needs_analysis.coding.taxonomy` — the categories (``taxonomy.toml``);
- :mod:`~needs_analysis.coding.rules` — the rules file, matching an analysed answer;
- :mod:`~needs_analysis.coding.rule_parser` and :mod:`~needs_analysis.coding.rule_expr` —
  a rule line's syntax and its conditions.
"""

from needs_analysis.coding.rule_expr import AnalyzedAnswer
from needs_analysis.coding.rule_parser import RuleSyntaxError
from needs_analysis.coding.rules import RuleSet, load_rules
from needs_analysis.coding.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "AnalyzedAnswer",
    "RuleSet",
    "RuleSyntaxError",
    "Taxonomy",
    "load_rules",
    "load_taxonomy",
]
