# Packaging checks (included from the Makefile), all without a Docker engine or a cluster:
#   make chart-check    render charts/data-api with Helm's engine, validate every manifest
#   make docker-check   Dockerfile, .dockerignore, docker-compose.yml and the CI workflow
# Both install their own tools on first use, into .tools/chart/ (git-ignored): a Python venv from
# PyPI, two npm packages, and promtool unpacked from Debian's prometheus package; both also
# install the project (npm ci) and compile it, to read the configuration keys (below).
# `make chart-tools-clean` removes them.

CHART_TOOLS := .tools/chart
CHART_VENV := $(CHART_TOOLS)/venv
CHART_PY := $(CHART_VENV)/bin/python
CHART_PIP := $(CHART_PY) -m pip install --quiet --disable-pip-version-check --no-input
CHART_PYTHON ?= python3

.PHONY: chart-check docker-check image-smoke chart-tools chart-tools-clean chart-promtool

$(CHART_VENV)/.docker-tools: mk/docker-requirements.txt
	@mkdir -p $(CHART_TOOLS)
	@test -x $(CHART_PY) || $(CHART_PYTHON) -m venv $(CHART_VENV)
	$(CHART_PIP) -r mk/docker-requirements.txt
	@touch $@

$(CHART_VENV)/.chart-tools: mk/chart-requirements.txt $(CHART_VENV)/.docker-tools
	$(CHART_PIP) -r mk/chart-requirements.txt
	@touch $@

$(CHART_TOOLS)/node_modules/.package-lock.json: mk/chart-tools/package.json mk/chart-tools/package-lock.json | $(NODE_RUNTIME)
	@mkdir -p $(CHART_TOOLS)
	cp mk/chart-tools/package.json mk/chart-tools/package-lock.json $(CHART_TOOLS)/
	cd $(CHART_TOOLS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Retried on every run until it succeeds; a failure only turns the PromQL checks into SKIP lines.
chart-promtool:
	@test -x $(CHART_TOOLS)/prometheus/usr/bin/promtool || command -v promtool >/dev/null \
	  || bash mk/fetch-promtool.sh $(CHART_TOOLS)/prometheus

chart-tools: $(CHART_VENV)/.chart-tools $(CHART_TOOLS)/node_modules/.package-lock.json chart-promtool

# The checks read the configuration keys from the schema itself (src/config/) through this CLI
# (mk/checks/config_keys.py), so they need the project installed and compiled.
CONFIG_KEYS_CLI := dist/src/cli/config-keys.js
$(CONFIG_KEYS_CLI): $(wildcard src/config/*.ts) src/cli/config-keys.ts package-lock.json | $(NPM_STAMP)
	npx tsc -p tsconfig.build.json

# chart-check also runs the compiled service (with a real Prometheus scraping it, mk/checks/chart_scrape.py):
# the whole build, not only the configuration CLI.
chart-check: chart-tools $(CONFIG_KEYS_CLI) ## Render the Helm chart and validate it (Kubernetes schemas, CRDs, PromQL, policy, rules against a real scrape)
	npx tsc -p tsconfig.build.json && node dist/src/cli/contract-json.js
	PYTHONDONTWRITEBYTECODE=1 $(CHART_PY) mk/checks/chart_check.py

docker-check: $(CHART_VENV)/.docker-tools $(CONFIG_KEYS_CLI) ## Validate Dockerfile, .dockerignore, docker-compose.yml, CI workflow (no engine needed)
	PYTHONDONTWRITEBYTECODE=1 $(CHART_PY) mk/checks/docker_check.py

chart-tools-clean: ## Remove the tools that chart-check and docker-check installed
	rm -rf $(CHART_TOOLS)

image-smoke: install ## Replay the Dockerfile without Docker and run the result read-only (needs root for that)
	bash mk/image-smoke.sh
