"""Allow ``python -m needs_analysis``."""

from needs_analysis.cli import main

raise SystemExit(main())
