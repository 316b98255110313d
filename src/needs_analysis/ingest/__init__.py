"""Reading the input files once: every row accepted or rejected with its reason.

- :mod:`~needs_analysis.ingest.survey` — a year's survey (:func:`load_survey`);
- :mod:`~needs_analysis.ingest.inventory` — the resource inventory;
- :mod:`~needs_analysis.ingest.raw_table`, :mod:`~needs_analysis.ingest.records`,
  :mod:`~needs_analysis.ingest.decoding`, :mod:`~needs_analysis.ingest.xlsx` — bytes to
  rows: encodings, delimiters, physical lines, workbooks;
- :mod:`~needs_analysis.ingest.columns` and :mod:`~needs_analysis.ingest.intake` — columns
  found by header, each row accepted or rejected;
- :mod:`~needs_analysis.ingest.rejects` — rejected rows, masked, on their one way out;
- :mod:`~needs_analysis.ingest.check` — ``needs-analysis check``.
"""

from needs_analysis.ingest.check import check_inputs
from needs_analysis.ingest.intake import IngestSummary
from needs_analysis.ingest.inventory import ResourceData, load_resources
from needs_analysis.ingest.raw_table import RawTable, read_table
from needs_analysis.ingest.rejects import MaskedRejects, mask_rejects, write_rejects
from needs_analysis.ingest.survey import SurveyData, load_survey

__all__ = [
    "IngestSummary",
    "MaskedRejects",
    "RawTable",
    "ResourceData",
    "SurveyData",
    "check_inputs",
    "load_resources",
    "load_survey",
    "mask_rejects",
    "read_table",
    "write_rejects",
]
