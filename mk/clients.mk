# The clients partners get (docs/partners.md): clients/typescript/ (on openapi-fetch, its types
# generated from the partner view) and clients/python/ (generated with openapi-python-client).
# Included from the Makefile. The Python tools live in a venv of their own, .tools/venv-clients/,
# installed from clients/python/requirements.txt (pinned: the output is compared byte for byte).

CLIENTS_VENV := .tools/venv-clients
CLIENTS_VENV_STAMP := $(CLIENTS_VENV)/.requirements-installed
PARTNER_BUNDLE := npx redocly bundle openapi/openapi.yaml --config openapi/partner.redocly.yaml --remove-unused-components

.PHONY: client-python-venv client-python

$(CLIENTS_VENV_STAMP): clients/python/requirements.txt
	rm -rf $(CLIENTS_VENV) && python3 -m venv $(CLIENTS_VENV)
	$(CLIENTS_VENV)/bin/pip install --quiet --disable-pip-version-check -r clients/python/requirements.txt
	@touch $@

client-python-venv: $(CLIENTS_VENV_STAMP) ## Install the Python client's tools (.tools/venv-clients/)

client-python: $(CLIENTS_VENV_STAMP) ## Regenerate clients/python/data-api-client/ from openapi/partner.yaml
	bash clients/python/generate.sh
