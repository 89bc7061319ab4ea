# Benchmarks (included from the Makefile): the service next to bare baselines, interleaved, in
# one run, on the PostgreSQL at TEST_DATABASE_URL and the Redis at TEST_REDIS_URL
# (docs/performance.md). Each run uses its own schema and Redis key prefix and drops them at the end.
#   make bench         every path and the 80/20 mix at 1,000 requests/s; rewrites docs/performance.md
#   make bench-smoke   the same for a few seconds, checks the JSON it wrote (part of `make test`)
#   make bench-mix     only the 80/20 mix (the scenario of test/performance/load-test.js)
#   make bench-soak    10 minutes of the mix, the service's resident size sampled; rewrites its section
# Knobs: BENCH_DURATION (s per measurement, 5), BENCH_ROUNDS (3), BENCH_WARMUP (1),
# BENCH_CONCURRENCY (16), BENCH_BULK_ITEMS (500), BENCH_BULK_CONCURRENCY (2), BENCH_RATE (1000),
# BENCH_MIX_DURATION (10), BENCH_SOAK_DURATION (600), BENCH_USERS (100), BENCH_RECORDS_PER_USER (50),
# BENCH_WORKERS (WORKERS of each service instance, 1).

TEST_REDIS_URL ?= redis://127.0.0.1:6379
export TEST_REDIS_URL
BENCH_VARS := BENCH_DURATION BENCH_ROUNDS BENCH_WARMUP BENCH_CONCURRENCY BENCH_BULK_ITEMS \
  BENCH_BULK_CONCURRENCY BENCH_RATE BENCH_MIX_DURATION BENCH_SOAK_DURATION BENCH_USERS \
  BENCH_RECORDS_PER_USER BENCH_HOT_IDS BENCH_LOG_LEVEL BENCH_SERVICE_NODE_ARGS BENCH_NODE BENCH_WORKERS
export $(BENCH_VARS)
BENCH := node test/performance/bench/run.mjs

.PHONY: bench bench-smoke bench-mix bench-soak

bench: build ## Benchmark every path against bare baselines (a few minutes); rewrites docs/performance.md
	$(BENCH) full --docs

bench-smoke: build ## A seconds-long benchmark run that proves the harness works (in make test)
	$(BENCH) smoke
	node test/performance/bench/check-smoke.mjs

bench-mix: build ## Only the 80/20 mix at BENCH_RATE requests/s (default 1000): latency percentiles
	$(BENCH) mix

bench-soak: build ## 10 minutes of the mix at 1,000 requests/s, resident size sampled; rewrites its docs section
	$(BENCH) soak --docs
