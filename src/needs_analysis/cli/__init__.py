"""The ``needs-analysis`` command: parse, call one package function, print.

:mod:`~needs_analysis.cli.command` runs the commands, :mod:`~needs_analysis.cli.options`
declares their options, :mod:`~needs_analysis.cli.parser` gives argparse Japanese messages.
"""

from needs_analysis.cli.command import main

__all__ = ["main"]
