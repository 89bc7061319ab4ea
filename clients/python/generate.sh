#!/usr/bin/env bash
# Generates the Python client from the partner view of the contract into DIR (default
# clients/python/data-api-client), replacing what is there. Needs the venv of `make client-python`
# (openapi-python-client and ruff, which it runs on its output, on the PATH).
#   bash clients/python/generate.sh [DIR]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${CLIENTS_VENV:-$ROOT/.tools/venv-clients}"
OUT="${1:-$HERE/data-api-client}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  PATH="$VENV/bin:$PATH" RUFF_NO_CACHE=true "$VENV/bin/openapi-python-client" generate \
    --path "$ROOT/openapi/partner.yaml" --config "$HERE/config.yaml" --meta pdm >/dev/null
)
rm -rf "$work/data-api-client/.ruff_cache"
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
mv "$work/data-api-client" "$OUT"
