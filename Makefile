# Every install step lives here: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint clean bench soak browsers

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sandbox serve $(ARGS)

# Browser tests drive Debian's chromium + chromedriver (a browser cannot be downloaded here).
# Installed when missing and root; otherwise the browser tests skip and say why.
browsers:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "browsers: apt-get install chromium chromium-driver failed; browser tests will be skipped"; \
	  else echo "browsers: chromium missing and not root; run 'apt-get install chromium chromium-driver' as root, browser tests will be skipped"; fi; }

test: $(STAMP) browsers
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Not part of `make test`: ~10 min on 2 cores (BENCH_QUICK=1 for a ~1 min smoke run). README "Performance".
bench: $(STAMP)
	command -v wrk || (apt-get update && apt-get install -y wrk)
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check sandbox tests

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# 5 minutes of mixed load at 32 connections over the three APIs with resets, then SIGTERM and
# kill -9 under load (tools/soak.py). Not part of `make test`. SOAK_ARGS="--duration 60" to shorten.
soak: $(STAMP)
	$(BIN)/python tools/soak.py $(SOAK_ARGS)
