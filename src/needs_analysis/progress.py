"""How long work takes and what it is doing: one stopwatch, one kind of progress callback.

Every long function of the package takes a ``progress`` callback, a
:data:`Progress`: it is called with one Japanese sentence for the user whenever the work
moves on (the command line prints it with the time elapsed); the default, :func:`quiet`,
says nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Progress = Callable[[str], None]


def quiet(message: str) -> None:
    """A progress callback that says nothing."""


class Stopwatch:
    """Seconds since it started, and per stage, each stage timed from the end of the one
    before (:meth:`lap`)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._started = self._clock = time.perf_counter()

    def lap(self, stage: str) -> float:
        """End the stage now; its seconds."""
        now = time.perf_counter()
        self.timings[stage] = now - self._clock
        self._clock = now
        return self.timings[stage]

    def elapsed(self) -> float:
        """Seconds since the stopwatch started."""
        return time.perf_counter() - self._started
