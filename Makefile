# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test venv lint format migrate worker fuzz bench bench-all load clean \
	cluster cluster-down cluster-status cluster-drills bench-replicas pgbouncer pgbouncer-down \
	requirements

# The environment is rebuilt whenever a requirements file changes. Development gets
# the service's own requirements/base.txt plus requirements/dev.txt (tests and tools,
# constrained to base.txt's versions); the Docker image installs base.txt only.
$(BIN)/.installed: requirements/base.txt requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	touch $@

venv: $(BIN)/.installed

# The pinned requirements/*.txt from the direct dependencies named in requirements/*.in
# (pip-tools). pip-compile keeps every pin already in a .txt that still satisfies the
# .in, so adding a line to an .in pins only what it brings; to move a version:
# `make requirements PIP_COMPILE_ARGS='--upgrade-package django'`.
PIP_COMPILE = cd requirements && $(abspath $(BIN))/pip-compile --quiet --strip-extras \
	--no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS)
requirements: venv
	$(PIP_COMPILE) base.in --output-file base.txt
	$(PIP_COMPILE) dev.in --output-file dev.txt

migrate: venv
	$(BIN)/python manage.py migrate --noinput

# The pages and ClaimReview markup link to the address runserver serves, unless
# FACTCHECK_SITE_URL says otherwise.
SITE_URL_ENV = FACTCHECK_SITE_URL="$${FACTCHECK_SITE_URL:-http://$(HOST):$(PORT)}"
run: migrate
	$(SITE_URL_ENV) $(BIN)/python manage.py setup_local
	$(SITE_URL_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite runs in TEST_WORKERS processes (pytest-xdist; 2 = this machine's cores),
# each on a test database of its own (test_<name>_gw0, ...); TEST_WORKERS=0 runs it
# in one process.
TEST_WORKERS ?= 2
test: venv
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# A worker of the job queue, in the foreground (PostgreSQL only: on SQLite a worker
# thread inside the server runs the jobs, docs/sqlite.md). Start as many as you
# like, here or on other machines with the same DATABASE_URL; each runs
# WORKER_CONCURRENCY jobs at once.
WORKER_CONCURRENCY ?= 1
worker: venv
	@case "$${DATABASE_URL:-}" in postgres*|pgsql*) ;; *) \
		echo "make worker needs PostgreSQL: DATABASE_URL=postgres://... (on SQLite the server runs jobs itself)" >&2; \
		exit 2;; esac
	$(BIN)/python manage.py procrastinate worker --concurrency $(WORKER_CONCURRENCY)

# Schema-driven fuzzing of the API (every schemathesis phase) on SQLite, then on
# PostgreSQL, with more examples and stateful scenarios than CI runs.
PG_URL ?= postgres://postgres@127.0.0.1:5432/factcheck
FUZZ_MAX_EXAMPLES ?= 100
FUZZ_SCENARIOS ?= 200
FUZZ_ENV = FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) FUZZ_SCENARIOS=$(FUZZ_SCENARIOS)
fuzz: venv
	env -u DATABASE_URL $(FUZZ_ENV) \
		$(BIN)/python -m pytest -m fuzz tests/reliability/test_fuzz.py
	$(FUZZ_ENV) DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} \
		$(BIN)/python -m pytest -m fuzz tests/reliability/test_fuzz.py

# Benchmarks print their figures; BENCHMARKS.md records them with these commands.
# They need the local PostgreSQL server; `make bench BENCH_CLAIMS=1000000` is the full
# run (about 3 minutes to generate the data, once).
BENCH_CLAIMS ?= 100000
bench: venv
	$(BIN)/python bench/run.py --claims $(BENCH_CLAIMS)
	$(BIN)/python bench/export.py
	$(BIN)/python bench/throughput.py

# Every benchmark, including detection at 100k and 1M claims (tens of minutes), and
# claim matching (#17) beside MATCHING_CLAIMS synthetic claims.
MATCHING_CLAIMS ?= 1000000
bench-all: bench
	$(BIN)/python bench/detect.py --sizes 100000,1000000
	$(BIN)/python bench/conflicts.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/import_vs_loaddata.py --postgres
	$(BIN)/python bench/matching.py --claims $(MATCHING_CLAIMS)

# 60 s of mixed load from 50 users against gunicorn on PostgreSQL (loopback only).
load: venv
	$(BIN)/python bench/load.py --users 50 --duration 60

# A PostgreSQL 15 primary (127.0.0.1:55432) streaming to a hot standby (:55433), in
# clusters of our own beside the machine's 15/main; `bin/cluster help` for the rest.
cluster:
	bin/cluster up

cluster-down:
	bin/cluster down

cluster-status:
	bin/cluster status

# The read-replica drills (tests/replicas/test_drills.py) with Django pointed at the
# cluster, which they bring up if it is down (and then drop); about 100 s.
CLUSTER_ENV = FACTCHECK_CLUSTER_TESTS=1 \
	DATABASE_URL=postgres://postgres@127.0.0.1:55432/factcheck \
	DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:55433/factcheck
cluster-drills: venv
	$(CLUSTER_ENV) $(BIN)/python -m pytest tests/replicas/test_drills.py

# Read req/s with and without the replica, and CPU per request (BENCHMARKS.md).
bench-replicas: venv cluster
	$(BIN)/python bench/make_data.py --claims 20000 --reset \
		--database-url postgres://postgres@127.0.0.1:55432/factcheck_replicas_bench
	$(BIN)/python bench/replicas.py

# Debian's PgBouncer on 127.0.0.1:6432 in transaction mode, in front of 127.0.0.1:5432
# (PGBOUNCER_TARGET_PORT=55432 for the cluster's primary); installed if missing.
pgbouncer:
	bin/pgbouncer-local start

pgbouncer-down:
	bin/pgbouncer-local stop

# What CI checks before the tests: ruff's rules and format, mypy (strict on the pure
# packages, the services and the selectors), the import contracts (import-linter,
# [tool.importlinter] in pyproject.toml) and that the migrations match the models.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	env -u DATABASE_URL $(BIN)/python manage.py makemigrations --check --dry-run

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
