"""needs-analysis: from the free text of resident needs surveys to per-area service gaps.

Importing the package does no work; each stage lives in its own module (``io``,
``normalize``, ``tokenize``, ``privacy``, ``config`` …) and the ``needs-analysis`` command
in ``cli`` ties them together.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("needs-analysis")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
