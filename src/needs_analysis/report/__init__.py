"""The year's reports: the saved run the notebooks read, and what they show.

- :mod:`~needs_analysis.report.rundata` — :class:`RunData`, saving and loading the run
  (what every notebook reads first) and its year tables;
- :mod:`~needs_analysis.report.views`, :mod:`~needs_analysis.report.sections`,
  :mod:`~needs_analysis.report.pages` — the tables, sentences and page blocks;
- :mod:`~needs_analysis.report.charts`, :mod:`~needs_analysis.report.charts_text` — figures;
- :mod:`~needs_analysis.report.explore` — the exploration page's blocks;
- :mod:`~needs_analysis.report.plan` — the plan table;
- :mod:`~needs_analysis.report.workbook` — the run's workbook sheets;
- :mod:`~needs_analysis.report.corrected` — the 補正した割合 sheet and the method's rows
  when a coordinator's check corrects the rates.

None of them loads the classifier, scikit-learn or MeCab.
"""

from needs_analysis.report.corrected import corrected_sheet
from needs_analysis.report.plan import plan_table
from needs_analysis.report.rundata import (
    CheckInfo,
    RunData,
    YearTables,
    load_run,
    save_run,
    year_tables,
)
from needs_analysis.report.workbook import write_run_workbook

__all__ = [
    "CheckInfo",
    "RunData",
    "YearTables",
    "corrected_sheet",
    "load_run",
    "plan_table",
    "save_run",
    "write_run_workbook",
    "year_tables",
]
