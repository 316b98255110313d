"""``needs-analysis run``: the pipeline that computes a fiscal year, and the jobs that write it.

- :mod:`~needs_analysis.run.pipeline` — read → tokenise → mask → classify → the saved run;
- :mod:`~needs_analysis.run.jobs` — the run's files: run data, rejects, workbook, notebooks,
  pages and PDFs.
"""

from needs_analysis.run.jobs import RunResult, run_reports
from needs_analysis.run.pipeline import prepare_run

__all__ = ["RunResult", "prepare_run", "run_reports"]
