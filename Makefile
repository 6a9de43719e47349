# Sanxiang — the two commands: `make run` (serve the demo) and `make test` (everything CI checks).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := fonts-wqy-zenhei graphviz libzbar0 chromium libreoffice-writer-nogui poppler-utils
PROD_ENV := SANXIANG_ENV=production SANXIANG_ALLOWED_HOSTS=sanxiang.example.org \
	SANXIANG_SECRET_KEY=ci-dummy-$$(printf 'k%.0s' {1..20})-Zq8vT3mW9xR2pL7nB4cY6hJ1dF5sG0aE \
	SANXIANG_DATA_DIR=$(CURDIR)/var/check-deploy

.PHONY: install system-deps run test lint typecheck checks pytest test-browser clean

install: system-deps $(STAMP)

$(STAMP): pyproject.toml requirements/dev.lock
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）/ Python 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

# CJK fonts (PDFs), Graphviz (flowcharts), zbar (QR decoding in tests), Chromium (browser tests),
# LibreOffice Writer (documents to PDF) and poppler-utils (pdftotext in tests). Checked on every make (dpkg -s is cheap).
# Installed through apt when running as root on Debian; otherwise named for you to install.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "apt-get install$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "请安装系统软件包 / please install system packages:$$missing"; \
	fi

run: install
	$(BIN)/sanxiang migrate --noinput
	$(BIN)/sanxiang collectstatic --noinput -v 0
	$(BIN)/sanxiang seed_demo
	SANXIANG_DEBUG=0 $(BIN)/sanxiang serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

checks: install
	$(PROD_ENV) $(BIN)/sanxiang check --deploy --fail-level WARNING
	$(BIN)/sanxiang makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest -n 2 --cov=sanxiang --cov-report=term:skip-covered --cov-fail-under=85

test: lint typecheck checks pytest

test-browser: install
	$(BIN)/pytest -m browser

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov
