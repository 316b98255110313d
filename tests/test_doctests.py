"""The examples in the docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "config.load",
    "errors",
    "privacy.disclosure",
    "ingest.inventory",
    "text.normalize",
    "outputs",
    "privacy.masking",
    "gaps.significance",
    "frames",
    "text.mecab",
    "text.tokens",
    "privacy.suppression",
    "report.plan",
    "report.pages",
    "cli.review",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"needs_analysis.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
