"""The ``needs-analysis`` command: parse, call one package function, print.

:mod:`~needs_analysis.cli.command` runs the commands (``review`` in
:mod:`~needs_analysis.cli.review`), :mod:`~needs_analysis.cli.options`
declares their options, :mod:`~needs_analysis.cli.parser` gives argparse Japanese messages.
"""

from needs_analysis.cli.command import main

__all__ = ["main"]
