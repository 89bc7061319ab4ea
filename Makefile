# data-api: the two commands a newcomer needs are `make run` and `make test`.
# Both install what they need (Node.js 24 when the PATH's node is older, npm ci) on first use.

SHELL := /bin/bash
.DEFAULT_GOAL := help
include mk/node.mk
# Named for the runtime's major: a switch of runtime reinstalls node_modules with the new one.
NPM_STAMP := node_modules/.installed-with-node-$(if $(NODE_RUNTIME),$(NODE_MAJOR),$(SYSTEM_NODE_MAJOR))
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: help install build run token migrate partitions generate check-generated lint lint-contract contract-gate contract-release lint-architecture architecture-graph typecheck test test-only test-oracle clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(NPM_STAMP): package.json package-lock.json | $(NODE_RUNTIME)
	npm ci --no-audit --no-fund
	@touch $(NPM_STAMP)

install: $(NPM_STAMP) ## Install the npm dependencies (npm ci)

build: install ## Compile TypeScript into dist/ (and the contract as JSON, dist/openapi.json)
	rm -rf dist && npx tsc -p tsconfig.build.json && node dist/src/cli/contract-json.js

# Node reads .env (git-ignored; see .env.example) when it exists; the environment wins over it.
run: build ## Serve on http://localhost:8000 (embedded PGlite unless DATABASE_URL is set; AUTH_MODE=none unless set here or in .env)
	@if [ -z "$${AUTH_MODE:-}" ] && ! grep -qsE '^[[:space:]]*AUTH_MODE=' .env; then export AUTH_MODE=none; fi; \
	  echo "node --env-file-if-exists=.env dist/src/main.js"; \
	  exec node --env-file-if-exists=.env dist/src/main.js

token: build ## Mint a development bearer token: make token SUB=user123 SCOPE="data:read data:write" (needs AUTH_JWT_SECRET)
	@node --env-file-if-exists=.env dist/src/cli/token.js --sub "$${SUB:-user123}" --scope "$${SCOPE:-data:read data:write}" --ttl "$${TTL:-3600}"

migrate: build ## Apply pending migrations to the configured database
	node --env-file-if-exists=.env dist/src/cli/migrate.js

partitions: build ## Create the coming months' records partitions, drop expired ones (PostgreSQL; ARGS="--from 2024-01")
	node --env-file-if-exists=.env dist/src/cli/partitions.js $(ARGS)

generate: install client-python-venv ## Regenerate from openapi/openapi.yaml: generated/, the partner view, both clients' generated code
	npx openapi-typescript openapi/openapi.yaml -o generated/openapi.d.ts
	$(PARTNER_BUNDLE) -o openapi/partner.yaml
	npx openapi-typescript openapi/partner.yaml -o clients/typescript/src/openapi.ts
	bash clients/python/generate.sh

check-generated: install client-python-venv ## Fail when anything `make generate` writes is stale
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && stale=0 && \
	  npx openapi-typescript openapi/openapi.yaml -o $$tmp/openapi.d.ts >/dev/null 2>&1 && \
	  $(PARTNER_BUNDLE) -o $$tmp/partner.yaml >/dev/null 2>&1 && \
	  npx openapi-typescript openapi/partner.yaml -o $$tmp/client.d.ts >/dev/null 2>&1 && \
	  bash clients/python/generate.sh $$tmp/python && \
	  { diff -q $$tmp/openapi.d.ts generated/openapi.d.ts >/dev/null || { echo "stale: generated/openapi.d.ts"; stale=1; }; } && \
	  { diff -q $$tmp/partner.yaml openapi/partner.yaml >/dev/null || { echo "stale: openapi/partner.yaml"; stale=1; }; } && \
	  { diff -q $$tmp/client.d.ts clients/typescript/src/openapi.ts >/dev/null || { echo "stale: clients/typescript/src/openapi.ts"; stale=1; }; } && \
	  { diff -rq $$tmp/python clients/python/data-api-client || { echo "stale: clients/python/data-api-client/"; stale=1; }; } && \
	  if [ $$stale = 1 ]; then echo "run 'make generate' and commit the result"; exit 1; fi
	@echo "generated/, openapi/partner.yaml and the clients' generated code are up to date"

lint-contract: install ## Lint the contract and its partner view with Redocly (recommended rules)
	npx redocly lint openapi/openapi.yaml openapi/partner.yaml --format=summary 2>&1 | grep -v '[║╔╚]'; exit $${PIPESTATUS[0]}

contract-gate: install ## The breaking-change gate: the contract against the last released one (Optic; docs/api-versioning.md)
	node mk/contract-gate.mjs

contract-release: install ## Freeze the contract's info.version as released (openapi/released/<version>.yaml)
	@v=$$(node -e "console.log(require('yaml').parse(require('fs').readFileSync('openapi/openapi.yaml','utf8')).info.version)"); \
	  test ! -e openapi/released/$$v.yaml || { echo "openapi/released/$$v.yaml exists: $$v is released already"; exit 1; }; \
	  node mk/contract-gate.mjs && cp openapi/openapi.yaml openapi/released/$$v.yaml && \
	  echo "released $$v: commit openapi/released/$$v.yaml and date its entry in openapi/CHANGELOG.md"

typecheck: install ## tsc --noEmit over src, test and generated, and over the TypeScript client as its package builds it
	npx tsc --noEmit -p tsconfig.json
	npx tsc --noEmit -p clients/typescript/tsconfig.json

lint-architecture: install ## Import rules between the rooms of src/, no cycles (dependency-cruiser); the module picture is current
	npx depcruise src --config .dependency-cruiser.cjs --output-type err
	@node mk/architecture-graph.mjs --check

architecture-graph: install ## Redraw docs/img/architecture.dot (and .svg when Graphviz is installed) from the imports of src/
	node mk/architecture-graph.mjs

lint: install lint-contract contract-gate typecheck lint-architecture ## ESLint (max-lines 300 in src/), Prettier, tsc, the import rules, the contract lint and the breaking-change gate
	npx eslint .
	npx prettier --check .

test-only: build client-python-venv ## Run the jest suites with coverage (no linters; builds dist/ for the process tests)
	@mkdir -p .reports/jest
	node --experimental-vm-modules node_modules/jest/bin/jest.js --coverage --json --outputFile=.reports/jest/results.json $(JEST_ARGS)

test: install check-generated lint test-only bench-smoke contract ## Everything CI runs: generated check, linters, tests with coverage, Schemathesis
	@node test/summary.mjs

test-oracle: install ## Oracle unit tests + the repository contract and idempotency store on Oracle (needs ORACLE_CONNECT_STRING, ORACLE_USER, ORACLE_PASSWORD)
	@if [ -z "$$ORACLE_CONNECT_STRING" ] || [ -z "$$ORACLE_USER" ] || [ -z "$$ORACLE_PASSWORD" ]; then \
	  echo "test-oracle: set ORACLE_CONNECT_STRING, ORACLE_USER and ORACLE_PASSWORD (see docs/oracle.md)" >&2; exit 2; fi
	node --experimental-vm-modules node_modules/jest/bin/jest.js test/unit/oracle test/integration/repository-oracle.test.ts test/integration/idempotency-oracle.test.ts

include mk/clients.mk
include mk/chart.mk
include mk/contract.mk
include mk/bench.mk
include mk/bench-scale.mk

clean: ## Remove build output, coverage and the embedded database
	rm -rf dist coverage data
