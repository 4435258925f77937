# Every install step lives here: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# `make image`: docker when its daemon answers, else podman. BASE: a Debian-like image with python3 >= 3.11.
ENGINE ?= $(shell docker info >/dev/null 2>&1 && echo docker || command -v podman 2>/dev/null)
IMAGE  ?= token-sandbox
BASE   ?= python:3.12-slim

.PHONY: run test test-durable lint clean bench soak browsers containers image wheel

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes. `make run` needs the runtime dependencies only;
# `make test` adds the dev extras (pytest, xdist, schemathesis, selenium, ...).
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/sandbox serve $(ARGS)

# Browser tests drive Debian's chromium + chromedriver (a browser cannot be downloaded here).
# Installed when missing and root; otherwise the browser tests skip and say why.
browsers:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "browsers: apt-get install chromium chromium-driver failed; browser tests will be skipped"; \
	  else echo "browsers: chromium missing and not root; run 'apt-get install chromium chromium-driver' as root, browser tests will be skipped"; fi; }

# The container test (tests/install/test_container.py) needs podman, runc and mmdebstrap.
# Installed when missing and root; otherwise that test skips and says why.
containers:
	@command -v podman >/dev/null && command -v mmdebstrap >/dev/null && command -v runc >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc mmdebstrap uidmap >/dev/null) \
	      || echo "containers: apt-get install podman runc mmdebstrap failed; the container test will be skipped"; \
	  else echo "containers: podman/mmdebstrap missing and not root; the container test will be skipped"; fi; }

test: $(DEV_STAMP) browsers containers
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-durable

# The API suites again against a session server with --state and the commit check on
# (SANDBOX_STATE_CHECK=1): a write that saves less than it changed answers 503 and fails its test
# (docs/persistence.md). ~1 min; `make test` runs it after the main suite.
DURABLE_TESTS ?= tests/access tests/opp tests/wpg tests/test_admin.py tests/test_fixtures.py tests/test_faults.py
test-durable: $(DEV_STAMP)
	SANDBOX_TEST_DURABLE=1 $(BIN)/python -m pytest -q $(DURABLE_TESTS)

# The wheel users install, in dist/ (built from a copy of the tree, so no stale build/ leaks in).
wheel: | $(BIN)/python
	rm -rf dist && tmp=$$(mktemp -d) && cp -r sandbox pyproject.toml README.md LICENSE $$tmp/ \
	  && $(BIN)/python -m pip wheel --quiet --no-deps -w dist $$tmp && rm -rf $$tmp

# The container image from the wheel (docs/container.md). podman needs --format docker to keep
# the HEALTHCHECK. Offline? Pass a local Debian-like image: make image BASE=localhost/my-python
image: wheel
	@test -n "$(ENGINE)" || { echo "image: neither docker nor podman is installed"; exit 1; }
	$(ENGINE) build $(if $(findstring podman,$(ENGINE)),--format docker) --build-arg BASE=$(BASE) -t $(IMAGE) .

# Not part of `make test`: ~14 min on 2 cores (BENCH_QUICK=1 for a ~3 min smoke run). docs/performance.md.
bench: $(DEV_STAMP)
	command -v wrk || (apt-get update && apt-get install -y wrk)
	$(BIN)/python -c "import uvloop" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,fast]' \
	  || echo "bench: uvloop could not be installed; the uvloop phase is skipped"
	$(BIN)/python -m bench.run

lint: $(DEV_STAMP)
	$(BIN)/ruff check sandbox tests

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# 5 minutes of mixed load at 32 connections over the three APIs with resets, then SIGTERM and
# kill -9 under load (tools/soak.py). Not part of `make test`. SOAK_ARGS="--duration 60" to shorten.
soak: $(DEV_STAMP)
	$(BIN)/python tools/soak.py $(SOAK_ARGS)
