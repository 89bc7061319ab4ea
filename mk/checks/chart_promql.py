"""PromQL of the alerts and the dashboard, checked with promtool (Debian's prometheus package,
unpacked into .tools/chart/prometheus by mk/chart.mk): syntax of every expression, and unit tests
that feed synthetic series to the alerts and expect each to fire above its threshold and
stay quiet below it."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import yaml
from common import CHART, TOOLS, Report, run, which

SEL = {'namespace': 'data-api', 'service': 'data-api'}


def promtool() -> str | None:
    return which('promtool', [TOOLS / 'prometheus' / 'usr' / 'bin' / 'promtool'])


def _series(name: str, labels: dict[str, str], values: str) -> dict[str, str]:
    lab = ','.join(f'{k}="{v}"' for k, v in {**SEL, **labels}.items())
    return {'series': f'{name}{{{lab}}}', 'values': values}


def _latency(fast: bool) -> list[dict[str, str]]:
    # 100 requests a minute on /data, all under 0.1 s (fast) or all between 0.5 s and 1 s.
    per = {
        '0.1': '0+100x20' if fast else '0+0x20',
        '0.5': '0+100x20' if fast else '0+0x20',
        '1': '0+100x20',
        '+Inf': '0+100x20',
    }
    return [
        _series('request_duration_seconds_bucket', {'method': 'GET', 'endpoint': '/data', 'status': '200', 'le': le}, v)
        for le, v in per.items()
    ]


def _requests(errors_per_min: int) -> list[dict[str, str]]:
    return [
        _series('requests_total', {'method': 'GET', 'endpoint': '/data', 'status': '200'}, '0+1000x20'),
        _series('requests_total', {'method': 'GET', 'endpoint': '/data', 'status': '500'}, f'0+{errors_per_min}x20'),
    ]


def _tests(pool_max: int) -> list[dict[str, Any]]:
    crit = {'severity': 'critical', 'service': 'data-api'}
    warn = {'severity': 'warning', 'service': 'data-api'}
    busy, idle = int(pool_max * 0.9), int(pool_max * 0.5)
    firing = [
        *_latency(fast=False),
        *_requests(errors_per_min=20),
        _series('cache_hit_rate', {'pod': 'p1'}, '0.5x30'),
        _series('db_pool_connections', {'pod': 'p1', 'state': 'active'}, f'{busy}x30'),
        # Every scrape another 503 because the JWKS cannot be fetched.
        _series('auth_keys_unavailable_total', {'pod': 'p1'}, '0+3x30'),
    ]
    quiet = [
        *_latency(fast=True),
        *_requests(errors_per_min=5),
        _series('cache_hit_rate', {'pod': 'p1'}, '0.9x30'),
        _series('db_pool_connections', {'pod': 'p1', 'state': 'active'}, f'{idle}x30'),
        _series('auth_keys_unavailable_total', {'pod': 'p1'}, '0x30'),
    ]
    expect = {
        'DataApiHighLatencyP95': [crit],
        'DataApiHighErrorRate': [crit],
        'DataApiLowCacheHitRate': [warn],
        'DataApiDbPoolSaturation': [{**warn, 'pod': 'p1'}],
        'DataApiIdentityProviderUnavailable': [crit],
    }
    return [
        {
            'name': 'above every threshold, every alert fires',
            'interval': '1m',
            'input_series': firing,
            'alert_rule_test': [
                {'eval_time': '20m', 'alertname': a, 'exp_alerts': [{'exp_labels': labels} for labels in ls]}
                for a, ls in expect.items()
            ],
        },
        {
            'name': 'below every threshold, no alert fires',
            'interval': '1m',
            'input_series': quiet,
            'alert_rule_test': [{'eval_time': '20m', 'alertname': a, 'exp_alerts': []} for a in expect],
        },
    ]


def _dashboard_rules(dashboard: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for i, panel in enumerate(dashboard.get('panels', [])):
        for t in panel.get('targets', []):
            expr = t['expr'].replace('$__rate_interval', '5m').replace('$namespace', SEL['namespace'])
            expr = expr.replace('$service', SEL['service'])
            rules.append({'record': f'dashboard:panel{i}:{t["refId"]}', 'expr': expr})
    return {'groups': [{'name': 'dashboard-queries', 'rules': rules}]}


def check_promql(rep: Report, prometheus_rule: dict[str, Any] | None, pool_max: int) -> None:
    rep.section('PromQL: alerts and dashboard queries (promtool)')
    tool = promtool()
    if tool is None:
        rep.skip(
            "PromQL syntax and alert unit tests: promtool not found (mk/chart.mk unpacks Debian's "
            'prometheus package into .tools/chart/prometheus; apt-get download failed)'
        )
        return
    out = TOOLS / 'out'
    out.mkdir(parents=True, exist_ok=True)
    version = run([tool, '--version']).stdout.splitlines()[0] if run([tool, '--version']).stdout else '?'
    rep.note(f'{tool}: {version}')
    if prometheus_rule is not None:
        rules = {'groups': prometheus_rule['spec']['groups']}
        (out / 'rules.yaml').write_text(yaml.safe_dump(rules, sort_keys=False))
        proc = run([tool, 'check', 'rules', str(out / 'rules.yaml')])
        rep.check(
            proc.returncode == 0,
            'promtool check rules: the PrometheusRule groups parse',
            (proc.stdout + proc.stderr).strip()[-800:],
        )
        # Annotations hold Prometheus templates ($value); the unit tests pin expressions and labels.
        bare = copy.deepcopy(rules)
        for g in bare['groups']:
            for r in g['rules']:
                r.pop('annotations', None)
        (out / 'rules-for-test.yaml').write_text(yaml.safe_dump(bare, sort_keys=False))
        tests = {'rule_files': ['rules-for-test.yaml'], 'evaluation_interval': '1m', 'tests': _tests(pool_max)}
        (out / 'alerts-test.yaml').write_text(yaml.safe_dump(tests, sort_keys=False))
        proc = run([tool, 'test', 'rules', 'alerts-test.yaml'], cwd=out)
        rep.check(
            proc.returncode == 0,
            'promtool test rules: each alert fires above its threshold '
            '(p95 0.975 s, 5xx 2%, hit rate 50%, pool 90%) and stays quiet below it',
            (proc.stdout + proc.stderr).strip()[-1500:],
        )
    dashboard = json.loads((CHART / 'dashboards' / 'data-api.json').read_text(encoding='utf-8'))
    (out / 'dashboard-rules.yaml').write_text(yaml.safe_dump(_dashboard_rules(dashboard), sort_keys=False))
    proc = run([tool, 'check', 'rules', str(out / 'dashboard-rules.yaml')])
    count = sum(len(p.get('targets', [])) for p in dashboard['panels'])
    rep.check(
        proc.returncode == 0,
        f'promtool: all {count} dashboard queries parse',
        (proc.stdout + proc.stderr).strip()[-800:],
    )


METRICS_TS = CHART.parents[1] / 'src' / 'observability' / 'metrics.ts'


def metric_names(texts: list[str]) -> set[str]:
    names = set()
    for t in texts:
        for m in re.finditer(r'\b([a-z_][a-z0-9_]*)\{', t):
            names.add(re.sub(r'_(bucket|sum|count)$', '', m.group(1)))
    return names - {'by', 'on', 'ignoring', 'without'}
