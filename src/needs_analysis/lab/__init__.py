"""The workbench: a town's saved run explored in JupyterLab, offline, as KH Coder users
explore their texts, and corrected there.

- :mod:`~needs_analysis.lab.workspace` — ``needs-analysis lab``: the workspace's notebooks
  and JupyterLab on them;
- :mod:`~needs_analysis.lab.session` — the run, config and rules opened for exploration,
  with the parameters checked (:mod:`~needs_analysis.lab.params`);
- :mod:`~needs_analysis.lab.search` — searching masked answers under filters, KWIC;
- :mod:`~needs_analysis.lab.networks` — co-occurrence with chosen parts of speech and
  group nodes;
- :mod:`~needs_analysis.lab.opinion_map` — answers placed by meaning, grouped in two layers;
- :mod:`~needs_analysis.lab.correspondence` — correspondence analysis and word clusters;
- :mod:`~needs_analysis.lab.wordlists` — stop words, forced-extraction words, compound
  suggestions;
- :mod:`~needs_analysis.lab.rule_trial` — a coding rule tried on the answers;
- :mod:`~needs_analysis.lab.corrections` — an answer's categories corrected in place;
- :mod:`~needs_analysis.lab.figures` and the widgets (``ui_answers``, ``ui_words``,
  ``ui_maps``, ``ui_edit``) that the workbench notebook shows.
"""

from needs_analysis.lab.correspondence import cluster_words, correspondence_analysis
from needs_analysis.lab.opinion_map import opinion_map
from needs_analysis.lab.rule_trial import try_rule
from needs_analysis.lab.search import kwic_lines, search_answers
from needs_analysis.lab.session import open_workbench
from needs_analysis.lab.wordlists import suggest_compounds
from needs_analysis.lab.workspace import prepare_workspace

__all__ = [
    "cluster_words",
    "correspondence_analysis",
    "kwic_lines",
    "open_workbench",
    "opinion_map",
    "prepare_workspace",
    "search_answers",
    "suggest_compounds",
    "try_rule",
]
