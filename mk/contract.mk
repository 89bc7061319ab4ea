# Contract conformance with Schemathesis (included from the Makefile).
#   make contract                      100 cases per operation and phase
#   make contract ST_MAX_EXAMPLES=500  what CI runs
# Needs PostgreSQL at TEST_DATABASE_URL (loopback) and python3; installs Schemathesis in .venv/.

.PHONY: contract

contract: install ## Schemathesis conformance run against the server over PostgreSQL (ST_MAX_EXAMPLES=100)
	bash test/contract/schemathesis/run.sh
