"""The year's reports: the saved run the notebooks read, their tables, the whole run.

- :mod:`~needs_analysis.report.rundata` — :class:`RunData` and :class:`YearTables`, saving
  and loading the run (what every notebook reads first);
- :mod:`~needs_analysis.report.views` — the tables and notes the notebooks show;
- :mod:`~needs_analysis.report.sections` — sentences, council questions, gap sections, the plan table;
- :mod:`~needs_analysis.report.excel` — the run's workbook and its data log;
- :mod:`~needs_analysis.run.jobs` — ``needs-analysis run``: notebooks, pages, PDFs.

The run itself is computed by :func:`needs_analysis.run.pipeline.prepare_run`. Import names
from the module that defines them: a notebook that imports one display module then loads
no classifier or tokenizer.
"""
