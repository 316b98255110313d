"""How many processes the fast path splits into: the CPUs idle now, never more, at least one."""

from __future__ import annotations

import os

import pytest

from needs_analysis import paths


def _probe(idle_share: float, cpus: int = 2):
    """A /proc/stat reader whose CPUs were idle for ``idle_share`` of the probe."""
    readings = iter([(0, 0), (int(1000 * idle_share), 1000)])
    return lambda: next(readings)


@pytest.fixture
def two_cpus(monkeypatch):
    monkeypatch.setattr(paths, "usable_cpus", lambda: 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


@pytest.mark.parametrize(
    ("idle_share", "expected"),
    [(1.0, 2), (0.95, 2), (0.8, 1), (0.5, 1), (0.0, 1)],
)
def test_processes_follow_the_idle_cpus(two_cpus, idle_share, expected):
    # Both cores idle (this process waits during the probe): two; one busy elsewhere: one.
    assert paths.free_cpus(limit=2, probe=0, sample=_probe(idle_share)) == expected


def test_never_more_than_the_limit_or_the_usable_cpus(monkeypatch):
    monkeypatch.setattr(paths, "usable_cpus", lambda: 4)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert paths.free_cpus(limit=2, probe=0, sample=_probe(1.0)) == 2
    assert paths.free_cpus(probe=0, sample=_probe(1.0)) == 4
    monkeypatch.setattr(paths, "usable_cpus", lambda: 1)
    assert paths.free_cpus(probe=0, sample=_probe(1.0)) == 1


def test_without_proc_stat_the_load_average_decides(two_cpus, monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (1.0, 1.0, 1.0), raising=False)
    assert paths.free_cpus(limit=2, probe=0, sample=lambda: None) == 2  # only this process
    monkeypatch.setattr(os, "getloadavg", lambda: (3.5, 3.0, 3.0), raising=False)
    assert paths.free_cpus(limit=2, probe=0, sample=lambda: None) == 1


def test_the_probe_reads_this_machine():
    found = paths.free_cpus()
    assert 1 <= found <= paths.usable_cpus()


def test_the_fast_path_splits_over_the_free_cpus_only(monkeypatch, fast_classifier):
    from needs_analysis.classify import predictions

    seen = []
    monkeypatch.setattr(predictions, "PARALLEL_FROM", 3)
    monkeypatch.setattr(predictions, "free_cpus", lambda limit: 1)

    def in_processes(predict, texts, workers, tokens=None):
        seen.append(workers)
        return predict(texts, tokens=tokens)  # the split itself is not what is tested here

    monkeypatch.setattr(predictions, "predict_in_processes", in_processes)
    texts = ["バスが少ない", "ゴミ出しが大変", "話し相手がほしい"]
    assert len(predictions.predict_answers(fast_classifier, texts)) == 3
    assert seen == []  # one CPU free: classified in this process, not split
    monkeypatch.setattr(predictions, "free_cpus", lambda limit: 2)
    predictions.predict_answers(fast_classifier, texts)
    assert seen == [2]
