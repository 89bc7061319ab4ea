"""make chart-check: render charts/data-api with Helm's engine and validate everything rendered.

Run through mk/chart.mk, which installs the tools into .tools/chart/ first. Exits non-zero on any
failure; prints what it could not check.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import helm_python as helm
import yaml
from chart_capacity import check_capacity
from chart_policy import check_every_key, check_policy
from chart_promql import METRICS_TS, check_promql, metric_names
from chart_scrape import check_against_real_series
from chart_render import (
    lint,
    manifests,
    merged_values,
    render,
    render_refused,
    validate_crds,
    validate_kubernetes,
    values_for,
)
from chart_values import check_config_keys, check_values_files
from common import CHART, ROOT, Report, deep_merge
from config_keys import PENDING_KEYS, sample_value

# ci/ file -> Kubernetes versions to validate against: the oldest the chart supports
# (Chart.yaml kubeVersion) and the newest kubernetes-validate ships; the native preStop sleep
# action needs 1.30.
VALUE_SETS = {
    'ci/default-values.yaml': ['1.25.0', '1.37.0'],
    'ci/full-values.yaml': ['1.30.0', '1.37.0'],
    'ci/existing-secret-values.yaml': ['1.25.0', '1.37.0'],
}
RUNBOOK = ROOT / 'docs' / 'runbook.md'


def runbook_anchors(text: str) -> set[str]:
    """Explicit <a id> anchors and GitHub's heading slugs (fenced code blocks left out)."""
    anchors = set(re.findall(r'<a id="([^"]+)"', text))
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith('```'):
            fenced = not fenced
        elif not fenced and (m := re.match(r'#{1,6} (.+)', line)):
            anchors.add(re.sub(r'[^\w\- ]', '', m.group(1).strip().lower()).replace(' ', '-'))
    return anchors


def check_runbook(rep: Report, prometheus_rule: dict[str, Any] | None) -> None:
    rep.section('runbook links of the alerts (docs/runbook.md)')
    text = RUNBOOK.read_text(encoding='utf-8')
    anchors = runbook_anchors(text)
    if prometheus_rule is None:
        rep.skip('runbook_url of the alerts (no PrometheusRule rendered)')
    else:
        links = {
            r['alert']: r.get('annotations', {}).get('runbook_url', '')
            for g in prometheus_rule['spec']['groups']
            for r in g['rules']
            if 'alert' in r
        }
        bad = [
            f'{alert}: {url or "no runbook_url"}'
            for alert, url in links.items()
            if not url.endswith(f'#{alert.lower()}') or alert.lower() not in anchors
        ]
        rep.check(
            bool(links) and not bad,
            f'each alert links to its own section of docs/runbook.md (#{", #".join(a.lower() for a in links)})',
            '; '.join(bad),
        )
    broken = sorted(set(re.findall(r'\]\(#([^)]+)\)', text)) - anchors)
    rep.check(not broken, 'every #anchor link inside docs/runbook.md resolves', ', '.join(broken))


def main() -> None:
    rep = Report('chart-check')
    print(
        f'chart-check: {CHART.relative_to(CHART.parents[1])} with Helm SDK {helm.helm_sdk_version()} '
        f'(helm-python-sdk, libhelm_c {helm.helm_c_version()})'
    )
    keys = check_config_keys(rep)
    check_values_files(rep, list(VALUE_SETS))

    rendered_texts: list[str] = []
    prometheus_rule: dict[str, Any] | None = None
    service_monitor: dict[str, Any] | None = None
    for rel, versions in VALUE_SETS.items():
        rep.section(f'{rel}: lint, render, validate')
        values = values_for(rel)
        lint(rep, rel, values)
        try:
            rendered = render(values)
            docs = manifests(rendered)
        except (helm.HelmError, yaml.YAMLError) as e:
            rep.fail(f'{rel}: render failed: {e}')
            continue
        rendered_texts.extend(rendered.values())
        rep.ok(f'{rel}: rendered {len(docs)} manifests: {", ".join(sorted(d["kind"] for d in docs))}')
        validate_kubernetes(rep, rel, docs, versions)
        validate_crds(rep, rel, docs)
        check_policy(rep, rel, docs, merged_values(rel))
        check_capacity(rep, rel, docs, merged_values(rel))
        prometheus_rule = next((d for d in docs if d['kind'] == 'PrometheusRule'), prometheus_rule)
        service_monitor = next((d for d in docs if d['kind'] == 'ServiceMonitor'), service_monitor)
        dash = next((d for d in docs if d['metadata']['name'].endswith('-dashboard')), None)
        if dash is not None:
            file_json = json.loads((CHART / 'dashboards' / 'data-api.json').read_text(encoding='utf-8'))
            rep.check(
                json.loads(dash['data']['data-api.json']) == file_json
                and dash['metadata']['labels'].get('grafana_dashboard') == '1',
                f'{rel}: the dashboard ConfigMap carries dashboards/data-api.json and the grafana_dashboard label',
            )

    rep.section('every config key set: where each one lands')
    every = {n: sample_value(n, s) for n, s in keys.items()}
    # Keys still pending in src/config/ get a sample here; once declared there, sample_value wins.
    pending_samples = {
        'REDIS_URL': 'redis://redis.example:6379',
        'ORACLE_USER': 'data_api',
        'ORACLE_PASSWORD': 'chart-check-only',
        'ORACLE_CONNECT_STRING': 'oracle.example:1521/FREEPDB1',
        'ORACLE_POOL_MIN': 2,
        'ORACLE_POOL_MAX': 30,
        'ORACLE_QUEUE_TIMEOUT_MS': 4000,
        'ORACLE_CALL_TIMEOUT_MS': 6000,
    }
    for key, value in pending_samples.items():
        every.setdefault(key, value)
    # Every key set (pools of 50 and more): a budget to match.
    every_docs = manifests(render({'config': every, 'database': {'connectionBudget': 100000}}))
    check_every_key(rep, every_docs, every)

    rep.section('values the chart must refuse')
    base = values_for('ci/default-values.yaml')
    render_refused(rep, 'no database (every replica would keep its own PGlite)', {}, 'set config.DATABASE_URL')
    render_refused(
        rep,
        'NODE_ENV=production without CURSOR_SECRET',
        {'config': {'DATABASE_URL': base['config']['DATABASE_URL']}},
        'config.CURSOR_SECRET',
    )
    render_refused(
        rep,
        'a credential in values next to secret.existingSecret',
        deep_merge(base, {'secret': {'existingSecret': 'data-api-credentials'}}),
        'existingSecret',
    )
    render_refused(
        rep,
        'AUTH_MODE=required (the default) without AUTH_JWT_SECRET, AUTH_JWKS_URL or AUTH_API_KEYS',
        deep_merge(base, {'config': {'AUTH_JWT_SECRET': None}}),
        'config.AUTH_MODE=required',
    )
    render_refused(
        rep,
        'NODE_ENV=production with AUTH_MODE=none',
        deep_merge(base, {'config': {'AUTH_MODE': 'none'}}),
        'AUTH_MODE=none',
    )
    render_refused(
        rep,
        'NODE_ENV=production with AUTH_MODE=none, also with secret.existingSecret',
        {'secret': {'existingSecret': 'data-api-credentials'}, 'config': {'AUTH_MODE': 'none'}},
        'AUTH_MODE=none',
    )
    render_refused(
        rep,
        'AUTH_API_KEYS holding a key itself instead of its SHA-256',
        deep_merge(base, {'config': {'AUTH_API_KEYS': '[{"key": "the-key-itself", "subject": "svc", "scopes": []}]'}}),
        'config.AUTH_API_KEYS',
    )
    render_refused(
        rep,
        'more connections than database.connectionBudget (40 pods at most x (DB_POOL_MAX 10 + 1) > 90)',
        deep_merge(base, {'autoscaling': {'maxReplicas': 32}, 'config': {'DB_POOL_MAX': 10}}),
        'exceed database.connectionBudget 90',
    )
    render_refused(
        rep,
        'WORKERS multiplying the connections past the budget (13 pods x 2 workers x 6 > 90)',
        deep_merge(base, {'config': {'WORKERS': 2}}),
        'x WORKERS 2 x (pool max 5 + 1 readiness connection)',
    )
    render_refused(
        rep,
        'WORKERS 0 following a CPU limit of 2: two workers counted against the budget (13 pods x 2 x 6 > 90)',
        deep_merge(base, {'config': {'WORKERS': 0}, 'resources': {'limits': {'cpu': '2'}}}),
        'x WORKERS 2 x (pool max 5 + 1 readiness connection)',
    )
    render_refused(
        rep,
        'Oracle with its default fixed pool of 10 sessions (13 pods x 11 > 90)',
        {
            'config': {
                'ORACLE_CONNECT_STRING': 'oracle.db.svc:1521/FREEPDB1',
                'ORACLE_USER': 'data_api',
                'ORACLE_PASSWORD': 'chart-check-only',
                'CURSOR_SECRET': base['config']['CURSOR_SECRET'],
                'AUTH_JWT_SECRET': base['config']['AUTH_JWT_SECRET'],
            }
        },
        'pool max 10 + 1 readiness connection',
    )
    render_refused(
        rep,
        'a memory request below the limit',
        deep_merge(base, {'resources': {'requests': {'memory': '256Mi'}}}),
        'must equal resources.limits.memory',
    )
    render_refused(
        rep,
        'a heap too small for WORKERS (512Mi over 8 workers)',
        deep_merge(base, {'config': {'WORKERS': 8}, 'database': {'connectionBudget': 10000}}),
        'the heap of each worker would be',
    )
    render_refused(
        rep,
        'topologySpread.zone.minDomains with ScheduleAnyway',
        deep_merge(base, {'topologySpread': {'zone': {'minDomains': 3}}}),
        'minDomains needs',
    )
    render_refused(
        rep,
        'NODE_ENV=production with a DATABASE_URL that is not verified TLS',
        deep_merge(base, {'config': {'DATABASE_URL': 'postgres://u:p@db.example:5432/app?sslmode=require'}}),
        'TLS_EXEMPT=database',
    )
    render_refused(
        rep,
        'NODE_ENV=production with a plaintext redis:// URL',
        deep_merge(base, {'config': {'REDIS_URL': 'redis://redis.example:6379'}}),
        'TLS_EXEMPT=redis',
    )
    render_refused(
        rep,
        'a config key src/config/ does not know (values.schema.json)',
        deep_merge(base, {'config': {'NOT_A_CONFIG_KEY': 'x'}}),
        'NOT_A_CONFIG_KEY',
    )

    check_runbook(rep, prometheus_rule)

    full = merged_values('ci/full-values.yaml')
    check_promql(rep, prometheus_rule, bool(full['autoscaling']['enabled']))
    dashboard_json = json.loads((CHART / 'dashboards' / 'data-api.json').read_text(encoding='utf-8'))
    check_against_real_series(rep, prometheus_rule, service_monitor, dashboard_json)

    rep.section('metric names used by the alerts and the dashboard')
    dashboard = (CHART / 'dashboards' / 'data-api.json').read_text(encoding='utf-8')
    used = metric_names([dashboard, *(t for t in rendered_texts if 'PrometheusRule' in t)])
    rep.note(f'the alerts and dashboard read: {", ".join(sorted(used))}')
    if METRICS_TS.is_file():
        declared = METRICS_TS.read_text(encoding='utf-8')
        absent = sorted(n for n in used if f"'{n}'" not in declared and f'"{n}"' not in declared)
        if absent:
            rep.note(f'not declared by name in src/observability/metrics.ts (check the names): {", ".join(absent)}')
        else:
            rep.ok('every metric the alerts and dashboard read is declared in src/observability/metrics.ts')
    else:
        rep.skip('metric names against src/observability/metrics.ts (the file does not exist yet)')

    pending = sorted(PENDING_KEYS - set(keys))
    if pending:
        rep.note(f'listed in the chart ahead of src/config/: {", ".join(pending)}')
    rep.skip(
        'installing the chart into a cluster (none here): admission, scheduling, probes, NetworkPolicy '
        'enforcement and Prometheus Operator behaviour are untested'
    )
    rep.finish()


if __name__ == '__main__':
    sys.exit(main())
