# Latency against table size (included from the Makefile), issue #7:
#   make bench-scale                                   steps of 1M and 10M rows
#   make bench-scale ROWS=1000000,10000000,100000000   any list of sizes, loaded incrementally
#   make bench-scale-compare                           the sizes side by side, rounds interleaved
#   make bench-scale-clean                             drop the scale database
#   LOAD_INDEXES=defer make bench-scale ...            load into bare heaps, build the indexes after
# Needs PostgreSQL at SCALE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/data_api_scale,
# a database of its own that it creates) and psql. See docs/performance.md.

SCALE_PG ?= postgres://postgres@127.0.0.1:5432
SCALE_COMPARE_URLS ?= $(SCALE_PG)/data_api_scale_1m $(SCALE_PG)/data_api_scale

.PHONY: bench-scale bench-scale-base bench-scale-compare bench-scale-report bench-scale-clean

bench-scale: build ## Load records up to each size in ROWS and measure GET /data?user_id= at each (docs/performance.md)
	ROWS="$(ROWS)" node test/performance/scale/bench-scale.mjs

bench-scale-base: build ## A second, 1M-row scale database (data_api_scale_1m) for bench-scale-compare
	SCALE_DATABASE_URL=$(SCALE_PG)/data_api_scale_1m ROWS=1000000 node test/performance/scale/bench-scale.mjs

bench-scale-compare: build ## Measure the scale databases in SCALE_COMPARE_URLS at once, rounds interleaved
	node test/performance/scale/compare.mjs $(SCALE_COMPARE_URLS)
	node test/performance/scale/bench-scale.mjs --report-only

bench-scale-report: ## Rebuild the bench-scale table and chart from the steps measured so far
	node test/performance/scale/bench-scale.mjs --report-only

bench-scale-clean: ## Drop the bench-scale database (SCALE_DATABASE_URL=.../data_api_scale_1m for the other one)
	node test/performance/scale/bench-scale.mjs --clean
