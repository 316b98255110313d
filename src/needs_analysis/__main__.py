"""Allow ``python -m needs_analysis``."""

from needs_analysis.cli.command import main

raise SystemExit(main())
