"""The configuration keys, read from the schema itself: src/config/ declares each key once, and
`node dist/src/cli/config-keys.js` prints the key table as JSON (name -> kind, doc, default?, min?,
max?, values?, secret?). `make chart-check` and `make docker-check` build that file first
(mk/chart.mk); to run a check script by hand, build it with `npx tsc -p tsconfig.build.json`.
"""

from __future__ import annotations

import json
import shutil
from functools import cache
from typing import Any

from common import ROOT, run

CONFIG_KEYS_CLI = ROOT / 'dist' / 'src' / 'cli' / 'config-keys.js'

# Keys the chart may list before src/config/ declares them (work landing in parallel). Empty:
# REDIS_URL and the ORACLE_* keys that were listed here are declared in src/config/ now.
PENDING_KEYS: set[str] = set()


@cache
def _key_table_json() -> str:
    node = shutil.which('node')
    if node is None or not CONFIG_KEYS_CLI.is_file():
        raise SystemExit(
            f'{CONFIG_KEYS_CLI.relative_to(ROOT)} (or node) is missing: run `make chart-check` or '
            '`make docker-check`, which build it, or `npx tsc -p tsconfig.build.json` first'
        )
    out = run([node, str(CONFIG_KEYS_CLI)], cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f'{CONFIG_KEYS_CLI.relative_to(ROOT)} failed:\n{out.stderr}')
    return out.stdout


def read_config_keys() -> dict[str, dict[str, Any]]:
    """The key table as a dict: name -> {kind, doc, default?, min?, max?, values?, secret?}."""
    return json.loads(_key_table_json())


def expected_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """The values.schema.json entry a key should have: its type, bounds and choices; null = unset."""
    kind = spec['kind']
    if kind == 'integer':
        s: dict[str, Any] = {'type': ['integer', 'null']}
        if 'min' in spec:
            s['minimum'] = spec['min']
        if 'max' in spec:
            s['maximum'] = spec['max']
        return s
    if kind == 'boolean':
        return {'type': ['boolean', 'null']}
    if kind == 'enum':
        return {'type': ['string', 'null'], 'enum': [*spec['values'], None]}
    return {'type': ['string', 'null']}


# Keys whose valid values src/config/ checks beyond their kind (scheme, length, format, other keys).
_SAMPLES: dict[str, Any] = {
    'DATABASE_URL': 'postgres://check:check@database-url.example:5432/check',
    'REDIS_URL': 'redis://check:check@redis-url.example:6379/0',
    'REDIS_CLUSTER_NODES': 'redis-0.example:6379,redis-1.example:6379',
    'CURSOR_SECRET': 'chart-check-only-cursor-secret-0123456789',
    'AUTH_JWT_SECRET': 'chart-check-only-jwt-secret-0123456789abcdef',
    'AUTH_JWT_ALGORITHMS': 'HS256',
    'ORACLE_POOL_MAX': 50,  # at least ORACLE_POOL_MIN
    'CORS_ALLOWED_ORIGINS': 'https://app.example.com,https://admin.example.com',
    'TLS_EXEMPT': 'database,redis',
    # JSON with quotes and brackets: it must reach the pod unchanged through the Secret.
    'AUTH_API_KEYS': json.dumps([{'sha256': 'ab' * 32, 'subject': 'chart-check', 'scopes': ['data:read']}]),
}


def sample_value(name: str, spec: dict[str, Any]) -> Any:
    """A valid value for every key, used to render the chart with every key set."""
    if name in _SAMPLES:
        return _SAMPLES[name]
    if spec['kind'] == 'integer':
        return int(spec.get('default') or spec.get('min') or 1)
    if spec['kind'] == 'boolean':
        return True
    if spec['kind'] == 'enum':
        return spec.get('default') or spec['values'][0]
    if spec['kind'] == 'url':
        return f'https://{name.lower().replace("_", "-")}.example/check'
    return spec.get('default') or f'chart-check-{name.lower()}'
