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
# The target labels a ServiceMonitor scrape adds (the Prometheus Operator's relabelling).
SCRAPE = {
    **SEL,
    'job': 'data-api',
    'endpoint': 'http',
    'pod': 'data-api-7d9f8b6c5-x2x9q',
    'container': 'data-api',
    'instance': '10.1.2.3:8000',
}
# kube-state-metrics series: the object's namespace (honorLabels), ksm's own job and instance.
KSM = {'namespace': 'data-api', 'job': 'kube-state-metrics', 'instance': '10.9.9.9:8080'}
POD = 'data-api-7d9f8b6c5-x2x9q'
STEPS = 150  # minutes of synthetic series; the alerts are evaluated at 100m


def promtool() -> str | None:
    return which('promtool', [TOOLS / 'prometheus' / 'usr' / 'bin' / 'promtool'])


def _series(name: str, labels: dict[str, str], values: str, base: dict[str, str] = SCRAPE) -> dict[str, str]:
    lab = ','.join(f'{k}="{v}"' for k, v in {**base, **labels}.items())
    return {'series': f'{name}{{{lab}}}', 'values': values}


def _calls(route: str, status: str, per_min: float, slow: bool = False) -> list[dict[str, str]]:
    """requests_total and the duration histogram of one route and status, per_min calls a minute,
    all under 0.1 s (or all between 0.5 s and 1 s when slow)."""
    labels = {'method': 'GET', 'route': route, 'status': status}
    grow = f'0+{per_min}x{STEPS}'
    still = f'0+0x{STEPS}'
    buckets = {'0.1': still if slow else grow, '0.5': still if slow else grow, '1': grow, '+Inf': grow}
    return [
        _series('requests_total', labels, grow),
        _series('request_duration_seconds_count', labels, grow),
        *(_series('request_duration_seconds_bucket', {**labels, 'le': le}, v) for le, v in buckets.items()),
    ]


def _alerts_at(name: str, series: list[dict[str, str]], expect: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    return {
        'name': name,
        'interval': '1m',
        'input_series': series,
        'alert_rule_test': [
            {'eval_time': '100m', 'alertname': a, 'exp_alerts': [{'exp_labels': labels} for labels in ls]}
            for a, ls in expect.items()
        ],
    }


def _tests(has_hpa: bool) -> list[dict[str, Any]]:
    crit = {'severity': 'critical', **SEL}
    warn = {'severity': 'warning', **SEL}
    up = _series('up', {}, f'1x{STEPS}')
    burn = ['DataApiAvailabilityBurnFast', 'DataApiAvailabilityBurnSlow', 'DataApiLatencyBurnFast', 'DataApiLatencyBurnSlow']
    quiet_burn = {a: [] for a in burn}
    tests = [
        # 2% of 1000 calls a minute answer 5xx, every call slow: both budgets burn at both speeds.
        _alerts_at(
            'errors and slow answers above the objectives: the four burn-rate alerts fire',
            [up, *_calls('/data/{id}', '200', 1000, slow=True), *_calls('/data', '500', 20, slow=True)],
            {
                'DataApiAvailabilityBurnFast': [crit],
                'DataApiAvailabilityBurnSlow': [warn],
                'DataApiLatencyBurnFast': [crit],
                'DataApiLatencyBurnSlow': [warn],
            },
        ),
        # Shed requests (503 overloaded) failed their callers: they count.
        _alerts_at(
            'shed requests (503) count against availability',
            [up, *_calls('/data', '200', 1000), *_calls('/data', '503', 20)],
            {'DataApiAvailabilityBurnFast': [crit], 'DataApiLatencyBurnFast': []},
        ),
        # /ready answering 503 on every probe is the platform's business, not a caller's.
        _alerts_at(
            "probes' 503s and /metrics are left out",
            [up, *_calls('/data', '200', 1000), *_calls('/ready', '503', 1000, slow=True), *_calls('/metrics', '500', 100)],
            quiet_burn,
        ),
        # 1 call a minute, every one failing and slow: below minRequestsPerSecond.
        _alerts_at(
            'below the minimum traffic, no burn-rate alert fires',
            [up, *_calls('/data', '500', 1, slow=True)],
            quiet_burn,
        ),
        _alerts_at(
            'within the objectives, no burn-rate alert fires',
            [up, *_calls('/data', '200', 1000), *_calls('/data', '500', 0.2)],
            quiet_burn,
        ),
        _alerts_at(
            'a pod Prometheus cannot scrape, and then none at all',
            [_series('up', {}, f'1x30 0x{STEPS}'), *_calls('/data', '200', 10)],
            {'DataApiTargetDown': [{**warn, **SCRAPE}], 'DataApiMetricsAbsent': []},
        ),
        _alerts_at(
            'no up series of the release at all',
            [_series('up', {}, f'1x{STEPS}', base={**SCRAPE, 'service': 'another-service'})],
            {'DataApiMetricsAbsent': [crit], 'DataApiTargetDown': []},
        ),
        _alerts_at(
            'kube-state-metrics: no ready pod, a crash loop, an OOM kill, the HPA at its maximum',
            [
                up,
                _series('kube_deployment_status_replicas_available', {'deployment': 'data-api'}, f'3x30 0x{STEPS}', KSM),
                _series(
                    'kube_pod_container_status_waiting_reason',
                    {'pod': POD, 'container': 'data-api', 'reason': 'CrashLoopBackOff', 'uid': 'u1'},
                    f'0x60 1x{STEPS}',
                    KSM,
                ),
                _series('kube_pod_container_status_restarts_total', {'pod': POD, 'container': 'data-api', 'uid': 'u1'}, f'0x90 1x{STEPS}', KSM),
                _series(
                    'kube_pod_container_status_last_terminated_reason',
                    {'pod': POD, 'container': 'data-api', 'reason': 'OOMKilled', 'uid': 'u1'},
                    f'0x90 1x{STEPS}',
                    KSM,
                ),
                # A migration Job's pod is not the service's: never matched.
                _series(
                    'kube_pod_container_status_waiting_reason',
                    {'pod': 'data-api-migrate-x7k2p', 'container': 'migrate', 'reason': 'CrashLoopBackOff', 'uid': 'u2'},
                    f'1x{STEPS}',
                    KSM,
                ),
                _series('kube_horizontalpodautoscaler_status_current_replicas', {'horizontalpodautoscaler': 'data-api'}, f'10x{STEPS}', KSM),
                _series('kube_horizontalpodautoscaler_spec_max_replicas', {'horizontalpodautoscaler': 'data-api'}, f'10x{STEPS}', KSM),
            ],
            {
                'DataApiNoReadyPods': [{**crit, **KSM, 'deployment': 'data-api', 'service': 'data-api'}],
                'DataApiPodCrashLooping': [
                    {**warn, **KSM, 'service': 'data-api', 'pod': POD, 'container': 'data-api', 'reason': 'CrashLoopBackOff', 'uid': 'u1'}
                ],
                'DataApiOOMKilled': [{**warn, **KSM, 'service': 'data-api', 'pod': POD, 'container': 'data-api', 'uid': 'u1'}],
                **(
                    {'DataApiHpaAtMax': [{**warn, **KSM, 'service': 'data-api', 'horizontalpodautoscaler': 'data-api'}]}
                    if has_hpa
                    else {}
                ),
            },
        ),
        _alerts_at(
            'kube-state-metrics within bounds',
            [
                up,
                _series('kube_deployment_status_replicas_available', {'deployment': 'data-api'}, f'3x{STEPS}', KSM),
                _series('kube_pod_container_status_restarts_total', {'pod': POD, 'container': 'data-api', 'uid': 'u1'}, f'0x{STEPS}', KSM),
                _series('kube_horizontalpodautoscaler_status_current_replicas', {'horizontalpodautoscaler': 'data-api'}, f'4x{STEPS}', KSM),
                _series('kube_horizontalpodautoscaler_spec_max_replicas', {'horizontalpodautoscaler': 'data-api'}, f'10x{STEPS}', KSM),
            ],
            {'DataApiNoReadyPods': [], 'DataApiPodCrashLooping': [], 'DataApiOOMKilled': [], 'DataApiHpaAtMax': []},
        ),
        # 5 days of partitions ahead (432000 s), falling by 60 s a minute; then 60 days.
        _alerts_at(
            'the partition runway under both thresholds',
            [up, _series('records_partitions_ahead_seconds', {}, f'432000-60x{STEPS}')],
            {'DataApiPartitionRunwayLow': [warn], 'DataApiPartitionRunwayCritical': [crit]},
        ),
        _alerts_at(
            'two months of partitions ahead',
            [up, _series('records_partitions_ahead_seconds', {}, f'5184000-60x{STEPS}')],
            {'DataApiPartitionRunwayLow': [], 'DataApiPartitionRunwayCritical': []},
        ),
        # 600 lookups a minute: 150 answered by L1 or L2 (25%), then 570 (95%).
        _alerts_at(
            'a cache answering a quarter of its lookups, from the counters',
            [
                up,
                _series('cache_hits_total', {'level': 'l1'}, f'0+100x{STEPS}'),
                _series('cache_hits_total', {'level': 'l2'}, f'0+50x{STEPS}'),
                _series('cache_misses_total', {'level': 'l1'}, f'0+500x{STEPS}'),
                _series('cache_misses_total', {'level': 'l2'}, f'0+450x{STEPS}'),
                # The gauge since start says all is well: the alert must not read it.
                _series('cache_hit_rate', {}, f'0.99x{STEPS}'),
            ],
            {'DataApiLowCacheHitRate': [warn]},
        ),
        _alerts_at(
            'a cache answering most lookups',
            [
                up,
                _series('cache_hits_total', {'level': 'l1'}, f'0+540x{STEPS}'),
                _series('cache_hits_total', {'level': 'l2'}, f'0+30x{STEPS}'),
                _series('cache_misses_total', {'level': 'l1'}, f'0+60x{STEPS}'),
                _series('cache_misses_total', {'level': 'l2'}, f'0+30x{STEPS}'),
                _series('cache_hit_rate', {}, f'0.1x{STEPS}'),
            ],
            {'DataApiLowCacheHitRate': []},
        ),
        # 9 of the pod's 10 connections busy (the max read from its own series), then 5 of 10.
        _alerts_at(
            'a pool 90% busy against its exported max',
            [
                up,
                _series('db_pool_connections', {'state': 'active'}, f'9x{STEPS}'),
                _series('db_pool_connections', {'state': 'max'}, f'10x{STEPS}'),
            ],
            {'DataApiDbPoolSaturation': [{**warn, 'pod': POD}]},
        ),
        _alerts_at(
            'a pool half busy',
            [
                up,
                _series('db_pool_connections', {'state': 'active'}, f'5x{STEPS}'),
                _series('db_pool_connections', {'state': 'max'}, f'10x{STEPS}'),
            ],
            {'DataApiDbPoolSaturation': []},
        ),
        # Every minute another 3 token-bearing requests answer 503: the JWKS cannot be fetched.
        _alerts_at(
            "the identity provider's keys cannot be fetched",
            [up, _series('auth_keys_unavailable_total', {}, f'0+3x{STEPS}')],
            {'DataApiIdentityProviderUnavailable': [crit]},
        ),
        _alerts_at(
            "the identity provider's keys are fetched",
            [up, _series('auth_keys_unavailable_total', {}, f'0x{STEPS}')],
            {'DataApiIdentityProviderUnavailable': []},
        ),
    ]
    return tests


def _dashboard_rules(dashboard: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for i, panel in enumerate(dashboard.get('panels', [])):
        for t in panel.get('targets', []):
            expr = t['expr'].replace('$__rate_interval', '5m').replace('$namespace', SEL['namespace'])
            expr = expr.replace('$service', SEL['service'])
            rules.append({'record': f'dashboard:panel{i}:{t["refId"]}', 'expr': expr})
    return {'groups': [{'name': 'dashboard-queries', 'rules': rules}]}


def check_promql(rep: Report, prometheus_rule: dict[str, Any] | None, has_hpa: bool) -> None:
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
        cases = _tests(has_hpa)
        tests = {'rule_files': ['rules-for-test.yaml'], 'evaluation_interval': '1m', 'tests': cases}
        (out / 'alerts-test.yaml').write_text(yaml.safe_dump(tests, sort_keys=False))
        proc = run([tool, 'test', 'rules', 'alerts-test.yaml'], cwd=out)
        alerts = sorted({r['alert'] for g in rules['groups'] for r in g['rules'] if 'alert' in r})
        tested = {a['alertname'] for c in cases for a in c['alert_rule_test'] if a['exp_alerts']}
        rep.check(
            proc.returncode == 0,
            f'promtool test rules: {len(cases)} cases of synthetic series labelled as a ServiceMonitor scrape '
            '(and kube-state-metrics) labels them: ' + '; '.join(c['name'] for c in cases),
            (proc.stdout + proc.stderr).strip()[-3000:],
        )
        rep.check(
            set(alerts) <= tested,
            f'every one of the {len(alerts)} alerts has a case where it fires',
            f'never fired: {sorted(set(alerts) - tested)}',
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
        for m in re.finditer(r'(?<![\w:])([a-z_:][a-z0-9_:]*)\{', t):
            if ':' not in m.group(1):  # recording rules' outputs are not the app's metrics
                names.add(re.sub(r'_(bucket|sum|count)$', '', m.group(1)))
    return names - {'by', 'on', 'ignoring', 'without'}
