"""The rendered alerts, recording rules and dashboard queries against real series: the service
(dist/src/main.js) runs with traffic, and a real Prometheus (Debian's package, mk/fetch-prometheus.sh)
scrapes it with the target labels the Prometheus Operator gives a ServiceMonitor's targets
(namespace, service, pod, container, endpoint, job; honor_labels false) and evaluates the rendered
PrometheusRule. Every selector of the app's metrics must match scraped series, with every label it
names or groups by; every recording rule must yield a sample; every rule must evaluate cleanly.
kube-state-metrics series cannot be had without a cluster: their alerts are covered by the promtool
unit tests (chart_promql.py) with series labelled as kube-state-metrics labels them."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from common import ROOT, Report, run

PROM_TOOLS = ROOT / '.tools' / 'prometheus'
NS = SVC = 'data-api'
POD = 'data-api-7d9f8b6c5-x2x9q'
SELECTOR = re.compile(r'(?<![\w:])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^{}]*)\}')
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
GROUPING = re.compile(r'\b(?:by|on|ignoring|without)\s*\(([^)]*)\)')
NOT_APP = ('kube_', 'container_', 'ALERTS')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={'content-type': 'application/json'}, method='POST'
    )
    with urllib.request.urlopen(req, timeout=5) as res:
        return res.status, json.loads(res.read())


def _query(prom: str, promql: str) -> list[dict[str, Any]]:
    status, body = _get(f'{prom}/api/v1/query?query={urllib.parse.quote(promql)}')
    data = json.loads(body)
    if status != 200 or data.get('status') != 'success':
        raise RuntimeError(f'{promql}: {data.get("error", body[:300])}')
    return data['data']['result']


def _count(prom: str, selector: str) -> int:
    result = _query(prom, f'count({selector})')
    return int(float(result[0]['value'][1])) if result else 0


def _database() -> tuple[dict[str, str], str | None]:
    """PostgreSQL at TEST_DATABASE_URL when it answers (db_pool_connections exists only there), else PGlite."""
    url = os.environ.get('TEST_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test')
    u = urllib.parse.urlparse(url)
    try:
        socket.create_connection((u.hostname or '127.0.0.1', u.port or 5432), timeout=1).close()
    except OSError:
        return {'PGLITE_DATA_DIR': 'memory://'}, None
    schema = f'chart_check_{secrets.token_hex(4)}'
    return {'DATABASE_URL': url, 'DATABASE_SCHEMA': schema}, schema


def _drop_schema(schema: str) -> None:
    script = (
        "import pg from 'pg'; const c = new pg.Client(process.env.TEST_DATABASE_URL ?? "
        "'postgres://postgres@127.0.0.1:5432/test'); await c.connect(); "
        f"await c.query('DROP SCHEMA IF EXISTS {schema} CASCADE'); await c.end();"
    )
    run(['node', '--input-type=module', '-e', script], cwd=ROOT)


def _traffic(base: str) -> None:
    ids = []
    for i in range(5):
        _, body = _post(f'{base}/data', {'user_id': 'chart-check', 'payload': {'i': i}})
        ids.append(body['id'])
    for path in [*(f'/data/{i}' for i in ids * 3), '/data?user_id=chart-check', '/data/00000000-0000-4000-8000-000000000000']:
        _get(base + path)
    for path in ('/health', '/ready', '/metrics'):
        _get(base + path)


def _prometheus_config(service_monitor: dict[str, Any], target: str) -> dict[str, Any]:
    ep = service_monitor['spec']['endpoints'][0]
    labels = {'namespace': NS, 'service': SVC, 'pod': POD, 'container': 'data-api', 'endpoint': ep['port'], 'job': SVC}
    return {
        'global': {'scrape_interval': '1s', 'scrape_timeout': '1s', 'evaluation_interval': '1s'},
        'rule_files': ['rules.yaml'],
        'scrape_configs': [
            {
                # The Operator's job name; its relabelling sets the target labels below.
                'job_name': f'serviceMonitor/{NS}/{service_monitor["metadata"]["name"]}/0',
                'metrics_path': ep['path'],
                'honor_labels': False,
                'static_configs': [{'targets': [target]}],
                'relabel_configs': [{'target_label': k, 'replacement': v} for k, v in labels.items()],
            }
        ],
    }


def _dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    out = []
    for panel in dashboard.get('panels', []):
        for t in panel.get('targets', []):
            out.append(
                t['expr']
                .replace('$__rate_interval', '1m')
                .replace('$namespace', NS)
                .replace('$service', SVC)
                .replace('$pod', '.*')
            )
    return out


# Target labels worth grouping by; the others (endpoint: the port's name, job, container) say
# nothing about a request.
GROUPABLE_TARGET_LABELS = {'namespace', 'service', 'pod', 'instance'}


def _check_selectors(rep: Report, prom: str, what: str, exprs: list[str], pool: bool, app_labels: set[str]) -> None:
    problems: list[str] = []
    seen = 0
    skipped: set[str] = set()
    for expr in exprs:
        metrics = set()
        for metric, body in SELECTOR.findall(expr):
            if metric.startswith(NOT_APP):
                skipped.add(metric)
                continue
            if metric.startswith('db_pool') and not pool:
                skipped.add(f'{metric} (PGlite has no pool)')
                continue
            metrics.add(metric)
            seen += 1
            matchers = MATCHER.findall(body)
            base = f'{metric}{{namespace="{NS}",service="{SVC}"}}'
            if _count(prom, base) == 0:
                problems.append(f'no series {base}')
                continue
            for label, op, value in matchers:
                if label in ('namespace', 'service'):
                    continue
                if _count(prom, f'{metric}{{namespace="{NS}",service="{SVC}",{label}!=""}}') == 0:
                    problems.append(f'{metric} has no label {label} (as scraped) for {label}{op}"{value}"')
                # A negative or regex matcher on a label whose values never match selects everything
                # or nothing, silently: some series must hold one of its values.
                elif op in ('!~', '=~') and label not in ('status', 'reason') and (
                    _count(prom, f'{metric}{{namespace="{NS}",service="{SVC}",{label}=~"{value}"}}') == 0
                ):
                    problems.append(f'{metric}: no series has {label}=~"{value}" ({label}{op}"{value}" selects by nothing)')
            equal = [f'{lab}="{val}"' for lab, op, val in matchers if op == '=' and lab not in ('status', 'reason')]
            full = f'{metric}{{{",".join(equal)}}}'
            if equal and _count(prom, full) == 0:
                problems.append(f'no series {full}')
        for group in GROUPING.findall(expr):
            for label in (x.strip() for x in group.split(',')):
                if not label or label in ('le',) or not metrics:
                    continue
                if label not in app_labels | GROUPABLE_TARGET_LABELS:
                    problems.append(f'grouping by {label}: a target label of the scrape, not a label of the app')
                    continue
                names = '|'.join(sorted(metrics))
                if _count(prom, f'{{__name__=~"{names}",namespace="{NS}",{label}!=""}}') == 0:
                    problems.append(f'grouping by {label}: no series of {names} carries it')
    rep.check(
        not problems and seen > 0,
        f'{what}: {seen} selectors of the app\'s metrics match scraped series, with every label they name or group by',
        '; '.join(sorted(set(problems))[:12]),
    )
    if skipped:
        rep.note(f'{what}: kube-state-metrics and cAdvisor series, none without a cluster: {", ".join(sorted(skipped))}')


def check_against_real_series(
    rep: Report, prometheus_rule: dict[str, Any] | None, service_monitor: dict[str, Any] | None, dashboard: dict[str, Any]
) -> None:
    rep.section('alerts, recording rules and dashboard against a real scrape (Prometheus with the Operator\'s labels)')
    if prometheus_rule is None or service_monitor is None:
        rep.fail('no PrometheusRule or ServiceMonitor rendered to check')
        return
    fetch = run(['bash', str(ROOT / 'mk' / 'fetch-prometheus.sh'), str(PROM_TOOLS)], cwd=ROOT)
    binary = PROM_TOOLS / 'usr' / 'bin' / 'prometheus'
    main_js = ROOT / 'dist' / 'src' / 'main.js'
    if fetch.returncode != 0 or not binary.is_file() or not main_js.is_file():
        rep.fail(f'a real Prometheus and dist/ are needed: {(fetch.stderr or "dist/src/main.js missing").strip()[-400:]}')
        return
    db_env, schema = _database()
    app_port, prom_port = _free_port(), _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ('PATH', 'HOME', 'TEST_DATABASE_URL')},
        **db_env,
        'NODE_ENV': 'development',
        'HOST': '127.0.0.1',
        'PORT': str(app_port),
        'AUTH_MODE': 'none',
        'LOG_LEVEL': 'silent',
        'RATE_LIMIT_ENABLED': 'false',
    }
    with tempfile.TemporaryDirectory(prefix='chart-scrape-') as tmp:
        work = Path(tmp)
        app = subprocess.Popen(['node', str(main_js)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        prom = None
        try:
            base = f'http://127.0.0.1:{app_port}'
            for _ in range(150):
                try:
                    if _get(f'{base}/health', 1)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                rep.fail(f'the service did not start: {app.stderr.read().decode()[-500:] if app.poll() is not None else "no answer"}')
                return
            (work / 'rules.yaml').write_text(yaml.safe_dump({'groups': prometheus_rule['spec']['groups']}, sort_keys=False))
            config = _prometheus_config(service_monitor, f'127.0.0.1:{app_port}')
            (work / 'prometheus.yml').write_text(yaml.safe_dump(config, sort_keys=False))
            prom = subprocess.Popen(
                [
                    str(binary),
                    f'--config.file={work / "prometheus.yml"}',
                    f'--storage.tsdb.path={work / "data"}',
                    f'--web.listen-address=127.0.0.1:{prom_port}',
                    '--log.level=warn',
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            purl = f'http://127.0.0.1:{prom_port}'
            for _ in range(8):
                _traffic(base)
                time.sleep(1)
            exposition = _get(f'{base}/metrics')[1].decode()
            app_labels = set(re.findall(r'[{,]([a-zA-Z_][a-zA-Z0-9_]*)="', exposition))
            _check_scrape(rep, purl, prometheus_rule, dashboard, schema is not None, app_labels)
        finally:
            for proc in (prom, app):
                if proc is not None:
                    proc.terminate()
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
            if schema:
                _drop_schema(schema)


def _check_scrape(
    rep: Report, prom: str, prometheus_rule: dict[str, Any], dashboard: dict[str, Any], pool: bool, app_labels: set[str]
) -> None:
    up = _query(prom, f'up{{namespace="{NS}",service="{SVC}"}}')
    rep.check(
        len(up) == 1 and up[0]['value'][1] == '1' and up[0]['metric'].get('endpoint'),
        f'Prometheus scrapes the service with the target labels a ServiceMonitor gives: {up[0]["metric"] if up else "nothing"}',
    )
    _, labels = _get(f'{prom}/api/v1/labels')
    exported = [label for label in json.loads(labels)['data'] if label.startswith('exported_')]
    rep.check(not exported, 'no label of the app collides with a target label (no exported_*)', ', '.join(exported))
    probes = _query(prom, f'sum(rate(requests_total{{namespace="{NS}",service="{SVC}",route=~"/health|/ready|/metrics"}}[1m]))')
    calls = _query(prom, 'sum(data_api:requests:rate5m)')
    every = _query(prom, f'sum(rate(requests_total{{namespace="{NS}",service="{SVC}"}}[5m]))')
    rep.check(
        bool(probes and calls and every) and float(probes[0]['value'][1]) > 0 and float(calls[0]['value'][1]) < float(every[0]['value'][1]),
        'the SLIs leave out the probes and /metrics, found by their route label in real series',
    )
    rules = [r for g in prometheus_rule['spec']['groups'] for r in g['rules']]
    records = [r['record'] for r in rules if 'record' in r]
    empty = [name for name in records if not _query(prom, name)]
    rep.check(not empty, f'each of the {len(records)} recording rules yields a sample from the real series', ', '.join(empty))
    _, body = _get(f'{prom}/api/v1/rules')
    loaded = [r for g in json.loads(body)['data']['groups'] for r in g['rules']]
    bad = [f'{r["name"]}: {r.get("lastError")}' for r in loaded if r.get('health') != 'ok']
    rep.check(
        len(loaded) == len(rules) and not bad,
        f'Prometheus loaded and evaluated all {len(rules)} rules without an error',
        '; '.join(bad[:5]) or f'{len(loaded)} loaded',
    )
    firing = [a['metric']['alertname'] for a in _query(prom, 'ALERTS{alertstate="firing"}')]
    rep.check(not firing, 'no alert fires on a healthy service', ', '.join(firing))
    alert_exprs = [r['expr'] for r in rules]
    _check_selectors(rep, prom, 'alerts and recording rules', alert_exprs, pool, app_labels)
    _check_selectors(rep, prom, 'dashboard queries', _dashboard_exprs(dashboard), pool, app_labels)
