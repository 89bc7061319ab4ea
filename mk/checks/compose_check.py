"""docker-compose.yml and the CI workflow, checked without a Docker engine."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml
from common import ROOT, Report, run
from config_keys import PENDING_KEYS, read_config_keys

VENV_BIN = Path(sys.executable).parent
COMPOSE = ROOT / 'docker-compose.yml'
WORKFLOW = ROOT / '.github' / 'workflows' / 'ci.yml'

_VAR = re.compile(r'\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)')


def interpolate(text: str, rep: Report, creds: list[tuple[str, str]]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default} and $$, as with no variable set."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == '$$':
            return '$'
        name = m.group(1) or m.group(4)
        op, default = m.group(2), m.group(3) or ''
        if re.search(r'PASSWORD|SECRET', name):
            creds.append((name, default))
        if op in (':-', '-'):
            return default
        rep.fail(f'docker-compose.yml: ${{{name}}} has no default, so `docker compose up` needs it set')
        return ''

    return _VAR.sub(sub, text)


def check_jsonschema(rep: Report, builtin: str, path: Path, what: str) -> None:
    proc = run([str(VENV_BIN / 'check-jsonschema'), '--builtin-schema', builtin, str(path)])
    rep.check(
        proc.returncode == 0,
        f'{path.relative_to(ROOT)} is valid against the {what} schema (check-jsonschema {builtin})',
        (proc.stdout + proc.stderr).strip()[-800:],
    )


def check_compose(rep: Report) -> None:
    rep.section('docker-compose.yml')
    check_jsonschema(rep, 'vendor.compose-spec', COMPOSE, 'Compose Specification')
    creds: list[tuple[str, str]] = []
    failed_before = rep.failed

    def walk(node: Any) -> Any:
        # Compose interpolates values (not comments), keys included.
        if isinstance(node, dict):
            return {walk(k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return interpolate(node, rep, creds) if isinstance(node, str) else node

    doc: dict[str, Any] = walk(yaml.safe_load(COMPOSE.read_text(encoding='utf-8')))
    rep.check(rep.failed == failed_before, 'interpolates with no variable set (every ${VAR} has a default)')
    weak = [f'{n}={d!r}' for n, d in creds if 'dev-only' not in d]
    rep.check(not weak, f'every credential default is marked dev-only ({len(creds)} uses)', ', '.join(weak))
    services: dict[str, Any] = doc['services']
    profiles = {n: set(s.get('profiles', [])) for n, s in services.items()}
    for name, svc in services.items():
        for dep, cond in (svc.get('depends_on') or {}).items():
            target = services.get(dep)
            ok = (
                target is not None
                and cond.get('condition') == 'service_healthy'
                and 'healthcheck' in target
                and profiles[dep] <= profiles[name]
            )
            rep.check(ok, f'{name} waits for {dep} to be healthy (and {dep} has a healthcheck)')
    known = set(read_config_keys()) | PENDING_KEYS
    api, pg, redis = services.get('api', {}), services.get('postgres', {}), services.get('redis', {})
    env = api.get('environment', {})
    rep.check(
        pg.get('image', '').startswith('postgres:16') and redis.get('image', '').startswith('redis:7'),
        f'PostgreSQL 16 ({pg.get("image")}) and Redis 7 ({redis.get("image")})',
    )
    rep.check(
        env.get('NODE_ENV') == 'development'
        and env.get('REDIS_URL') == 'redis://redis:6379'
        and '@postgres:5432/' in env.get('DATABASE_URL', ''),
        'api: NODE_ENV=development, DATABASE_URL to postgres, REDIS_URL=redis://redis:6379',
    )
    rep.check(len(env.get('CURSOR_SECRET', '')) >= 32, 'api: CURSOR_SECRET default is 32+ characters')
    bouncer, api_b = services.get('pgbouncer', {}), services.get('api-pgbouncer', {})
    ini = doc.get('configs', {}).get('pgbouncer-ini', {}).get('content', '')
    rep.check(
        profiles.get('pgbouncer') == {'pgbouncer'}
        and profiles.get('api-pgbouncer') == {'pgbouncer'}
        and re.search(r'^pool_mode = transaction$', ini, flags=re.M) is not None
        and 'apt-get install' in bouncer.get('build', {}).get('dockerfile_inline', '')
        and '@pgbouncer:6432/' in api_b.get('environment', {}).get('DATABASE_URL', '')
        and api_b.get('environment', {}).get('DB_POOLER') == 'transaction',
        "profile pgbouncer: Debian's pgbouncer in transaction mode, api-pgbouncer through it with DB_POOLER=transaction",
    )
    rep.check(
        api.get('build', {}).get('context') == '.' and (ROOT / 'Dockerfile').is_file() and api.get('read_only') is True,
        'api: built from ./Dockerfile, read-only root filesystem',
    )
    for name in ('api', 'api-oracle', 'api-pgbouncer'):
        unknown = sorted(set(services.get(name, {}).get('environment', {})) - known)
        rep.check(not unknown, f'{name}: every environment key is a config key of src/config/', str(unknown))
    oracle, api_o = services.get('oracle', {}), services.get('api-oracle', {})
    o_env = api_o.get('environment', {})
    rep.check(
        str(oracle.get('image', '')).startswith('gvenzl/oracle-free:23')
        and profiles.get('oracle') == {'oracle'}
        and profiles.get('api-oracle') == {'oracle'}
        and {'ORACLE_USER', 'ORACLE_PASSWORD', 'ORACLE_CONNECT_STRING'} <= set(o_env)
        and o_env.get('ORACLE_PASSWORD') == oracle.get('environment', {}).get('APP_USER_PASSWORD')
        and o_env.get('ORACLE_USER', '').lower() == oracle.get('environment', {}).get('APP_USER', '').lower(),
        f'profile oracle: {oracle.get("image")} and api-oracle with ORACLE_USER / ORACLE_PASSWORD / '
        'ORACLE_CONNECT_STRING matching the database user',
    )
    probe = ' '.join(map(str, oracle.get('healthcheck', {}).get('test', [])))
    rep.check(
        '$APP_USER/$APP_USER_PASSWORD@' in probe and 'FREEPDB1' in probe,
        'profile oracle: healthy only once APP_USER can log in (the entrypoint creates it after FREEPDB1 opens)',
        probe,
    )
    mig = ROOT / 'sql' / 'oracle' / 'migrations'
    needs_text = mig.is_dir() and any('SEARCH INDEX' in f.read_text().upper() for f in mig.glob('*.sql'))
    rep.check(
        not (needs_text and str(oracle.get('image', '')).endswith('-slim')),
        'the Oracle image keeps Oracle Text, which the JSON search index in sql/oracle/migrations needs'
        if needs_text
        else 'no Oracle migration needs Oracle Text',
        'slim images uninstall Oracle Text',
    )
    docker = shutil.which('docker')
    if docker and run([docker, 'compose', 'version']).returncode == 0:
        for extra in ([], ['--profile', 'oracle']):
            proc = run([docker, 'compose', '-f', str(COMPOSE), *extra, 'config', '--quiet'])
            rep.check(
                proc.returncode == 0,
                f'docker compose {" ".join(extra)} config'.replace('  ', ' '),
                proc.stderr.strip()[-500:],
            )
    else:
        rep.skip(
            '`docker compose config`: ' + ('the docker CLI here has no compose plugin' if docker else 'no docker CLI')
        )


def check_workflow(rep: Report) -> None:
    rep.section('.github/workflows/ci.yml')
    if not WORKFLOW.is_file():
        rep.fail('.github/workflows/ci.yml is missing')
        return
    check_jsonschema(rep, 'vendor.github-workflows', WORKFLOW, 'GitHub Actions workflow')
    text = WORKFLOW.read_text(encoding='utf-8')
    for step in ('make lint', 'make typecheck', 'make test', 'make chart-check', 'make docker-check'):
        rep.check(step in text, f'the workflow runs {step}')
    rep.check('docker/build-push-action' in text or 'docker build ' in text, 'the workflow builds the image')
    uses = re.findall(r'^\s*(?:-\s+)?uses:\s*(\S+)', text, flags=re.M)
    unpinned = sorted({u for u in uses if not re.fullmatch(r'[\w.-]+/[\w./-]+@[0-9a-f]{40}', u)})
    rep.check(
        bool(uses) and not unpinned,
        f'every action ({len(uses)} uses) is pinned by a 40-hex commit SHA',
        ', '.join(unpinned),
    )
