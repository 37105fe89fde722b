# Two commands set everything up on a fresh machine:
#   make run   — install, migrate, load guides and demo accounts, serve on 127.0.0.1:5000
#   make test  — install, lint (ruff, mypy), then run the whole suite (on SQLite, or
#                on PostgreSQL when PORTAL_TEST_DATABASE_URL is set, as .ci/run does)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test install translations migrate guides demo lint e2e bench bench-load bench-cases bench-multi clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(FLASK) translate compile

migrate: install
	$(FLASK) db upgrade

guides: migrate
	$(FLASK) guides sync

demo: guides
	$(FLASK) demo load

run: translations demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# pytest-xdist workers for `make test` (0 runs the suite in one process).
PYTEST_WORKERS ?= 2

test: translations lint
	$(BIN)/python -m pytest -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadgroup

e2e: translations
	$(BIN)/python -m pytest -p no:cacheprovider -m e2e

BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench

bench: translations
	$(BIN)/python -m benchmarks.bench_guides
	$(BIN)/python -m benchmarks.bench_selfcheck
	$(BIN)/python -m benchmarks.upload_memory
	psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE portal_bench" 2>/dev/null || true
	BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python -m benchmarks.bench_guides
	BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python -m benchmarks.bench_selfcheck
	BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python -m benchmarks.numbering_concurrency --record

# Load test under gunicorn against a bare Flask + Jinja ceiling page, on generated data
# in PostgreSQL (database portal_bench, emptied) → benchmarks/REPORT.md. Needs wrk and Redis.
BENCH_REDIS ?= redis://127.0.0.1:6379/15
BENCH_PRESET ?= medium

bench-load: translations
	psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE portal_bench" 2>/dev/null || true
	$(BIN)/python -m benchmarks.load --database-url $(BENCH_PG) --redis-url $(BENCH_REDIS) \
		--preset $(BENCH_PRESET)

# 1,000,000 cases in PostgreSQL (database portal_bench_cases, created and dropped): the
# officer queue's p50/p95 per filter, and EXPLAIN ANALYZE in benchmarks/results/.
bench-cases:
	$(BIN)/python -m benchmarks.case_queue

# Two instances on one PostgreSQL and Redis: sessions, rate limits, lock-outs, optimistic
# locking and 200 concurrent grants (benchmarks/results/multi_instance.txt).
bench-multi: translations
	$(BIN)/python -m benchmarks.multi_instance

clean:
	rm -rf $(VENV) instance test-artifacts
