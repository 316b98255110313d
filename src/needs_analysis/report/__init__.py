"""The year's reports: the saved run the notebooks read, their tables, the whole run.

- :mod:`~needs_analysis.report.rundata` — :class:`RunData` and :class:`YearTables`, saving
  and loading the run (what every notebook reads first);
- :mod:`~needs_analysis.report.views` — the tables and notes the notebooks show;
- :mod:`~needs_analysis.report.sections` — sentences, council questions, gap sections, the plan table;
- :mod:`~needs_analysis.report.excel` — the run's workbook and its data log;
- :mod:`~needs_analysis.report.jobs` — ``needs-analysis run``: notebooks, pages, PDFs.

The run itself is computed by :func:`needs_analysis.pipeline.prepare_run`. The names of
these modules are reachable from here as well (``report.load_run``); each is imported on
first use, so a notebook that imports one display module loads no classifier or tokenizer.
"""

from __future__ import annotations

import importlib

# Public name → the module that defines it.
_HOMES: dict[str, str] = {
    "DATA_DIR": "needs_analysis.report.jobs",
    "PLOTLY_JS": "needs_analysis.report.jobs",
    "RUN_FILE": "needs_analysis.report.rundata",
    "RunData": "needs_analysis.report.rundata",
    "RunResult": "needs_analysis.report.jobs",
    "YearTables": "needs_analysis.report.rundata",
    "_empty_resources": "needs_analysis.report.rundata",
    "area_people": "needs_analysis.report.sections",
    "area_rate_table": "needs_analysis.report.views",
    "area_summary": "needs_analysis.report.sections",
    "change_note": "needs_analysis.report.sections",
    "compute_year_tables": "needs_analysis.report.rundata",
    "council_questions": "needs_analysis.report.sections",
    "disclosure_note": "needs_analysis.report.views",
    "gap_display_table": "needs_analysis.report.views",
    "gap_rule_note": "needs_analysis.report.views",
    "gap_sections": "needs_analysis.report.sections",
    "ingest_table": "needs_analysis.report.excel",
    "load_run": "needs_analysis.report.rundata",
    "notebook_jobs": "needs_analysis.report.jobs",
    "percent": "needs_analysis.report.views",
    "plan_display_table": "needs_analysis.report.sections",
    "plotly_js_source": "needs_analysis.report.jobs",
    "prepare_run": "needs_analysis.pipeline",
    "published_reason": "needs_analysis.report.views",
    "questions_markdown": "needs_analysis.report.sections",
    "ranked_gaps": "needs_analysis.gaps",
    "respondent_counts": "needs_analysis.report.views",
    "respondent_table": "needs_analysis.report.views",
    "run_reports": "needs_analysis.report.jobs",
    "save_run": "needs_analysis.report.rundata",
    "summary_line": "needs_analysis.report.sections",
    "supply_display_table": "needs_analysis.report.views",
    "suppressed": "needs_analysis.report.views",
    "table_html": "needs_analysis.report.views",
    "write_rejects": "needs_analysis.report.rundata",
    "write_run_rejects": "needs_analysis.report.jobs",
    "write_run_workbook": "needs_analysis.report.excel",
    "year_tables": "needs_analysis.report.rundata",
}

__all__ = sorted(name for name in _HOMES if not name.startswith("_"))


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
