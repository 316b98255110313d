"""Turning notebooks and tables into files: papermill in kept kernels, HTML, PDF, xlsx.

- :mod:`~needs_analysis.publish.notebooks` and :mod:`~needs_analysis.publish.kernels` —
  executing the report notebooks and exporting HTML without code;
- :mod:`~needs_analysis.publish.plotly_js` — plotly.js carried inside every page;
- :mod:`~needs_analysis.publish.pdf`, :mod:`~needs_analysis.publish.pdf_browser`,
  :mod:`~needs_analysis.publish.pdf_files` — printing pages with headless Chromium;
- :mod:`~needs_analysis.publish.xlsx` — writing a print-ready workbook.
"""

from needs_analysis.publish.notebooks import NotebookError, NotebookJob, execute_all
from needs_analysis.publish.pdf import write_pdfs
from needs_analysis.publish.plotly_js import inline_plotly, plotly_script
from needs_analysis.publish.xlsx import Sheet, write_workbook

__all__ = [
    "NotebookError",
    "NotebookJob",
    "Sheet",
    "execute_all",
    "inline_plotly",
    "plotly_script",
    "write_pdfs",
    "write_workbook",
]
