"""The year's reports: the saved run the notebooks read, and what they show.

- :mod:`~needs_analysis.report.rundata` — :class:`RunData`, saving and loading the run
  (what every notebook reads first) and its year tables;
- :mod:`~needs_analysis.report.views`, :mod:`~needs_analysis.report.sections`,
  :mod:`~needs_analysis.report.pages` — the tables, sentences and page blocks;
- :mod:`~needs_analysis.report.charts`, :mod:`~needs_analysis.report.charts_text` — figures;
- :mod:`~needs_analysis.report.explore` — the exploration page's blocks;
- :mod:`~needs_analysis.report.plan` — the plan table;
- :mod:`~needs_analysis.report.workbook` — the run's workbook sheets.

None of them loads the classifier, scikit-learn or MeCab.
"""

from needs_analysis.report.plan import plan_table
from needs_analysis.report.rundata import RunData, YearTables, load_run, save_run, year_tables
from needs_analysis.report.workbook import write_run_workbook

__all__ = [
    "RunData",
    "YearTables",
    "load_run",
    "plan_table",
    "save_run",
    "write_run_workbook",
    "year_tables",
]
