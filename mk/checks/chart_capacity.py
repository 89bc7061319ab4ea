"""What the rendered manifests must say about capacity and operations (issue 21): connections
within the database budget, memory request = limit and a heap derived from it, topology spread per
ReplicaSet, the migration Job as a Helm hook, the `helm test` pod, scaling on requests per second."""

from __future__ import annotations

import math
import re
from typing import Any

from chart_policy import is_hook
from common import Report

UNITS = {'Ki': 2**10, 'Mi': 2**20, 'Gi': 2**30, 'Ti': 2**40, 'k': 10**3, 'K': 10**3, 'M': 10**6, 'G': 10**9, '': 1}


def mebibytes(quantity: str) -> int:
    m = re.fullmatch(r'(\d+)([A-Za-z]*)', str(quantity))
    assert m, quantity
    return int(m.group(1)) * UNITS[m.group(2)] // 2**20


def pool_max(cfg: dict[str, Any]) -> int:
    if cfg.get('ORACLE_CONNECT_STRING'):
        if cfg.get('ORACLE_POOL_MAX'):
            return int(cfg['ORACLE_POOL_MAX'])
        return max(50, int(cfg.get('ORACLE_POOL_MIN') or 0))
    return int(cfg.get('DB_POOL_MAX') or 10)


def workers_of(values: dict[str, Any]) -> int:
    """WORKERS as _helpers.tpl resolves it: unset 1; 0 from the pod's CPU (limit, else request), rounded down, at least 1."""
    raw = values['config'].get('WORKERS')
    if raw is None or raw == '':
        return 1
    if int(raw) != 0:
        return int(raw)
    res = values.get('resources') or {}
    cpu = str((res.get('limits') or {}).get('cpu') or (res.get('requests') or {}).get('cpu') or '')
    milli = int(cpu[:-1]) if cpu.endswith('m') else int(float(cpu) * 1000) if cpu else 1000
    return max(1, milli // 1000)


def connection_demand(values: dict[str, Any]) -> tuple[int, int, int]:
    """(pods at most, connections at most, per process) as _helpers.tpl computes them."""
    a = values['autoscaling']
    replicas = a['maxReplicas'] if a['enabled'] else values['replicaCount']
    surge = str(values['maxSurge'])
    pods = replicas + (math.ceil(replicas * int(surge[:-1]) / 100) if surge.endswith('%') else int(surge))
    workers = workers_of(values)
    per_process = pool_max(values['config']) + 1
    job = 1 if values['migrations']['job']['enabled'] else 0
    return pods, pods * workers * per_process + job, per_process


def check_capacity(rep: Report, rel: str, docs: list[dict[str, Any]], values: dict[str, Any]) -> None:
    dep = next(d for d in docs if d['kind'] == 'Deployment')
    pod = dep['spec']['template']['spec']
    c = pod['containers'][0]
    env = {e['name']: e.get('value') for e in c.get('env', [])}
    pods, demand, per_process = connection_demand(values)
    budget = values['database']['connectionBudget']
    rep.check(
        demand <= budget and dep['spec']['strategy']['rollingUpdate']['maxSurge'] == values['maxSurge'],
        f'{rel}: {pods} pods at most x {per_process} connections per process '
        f'(+ the migration Job) = {demand} within database.connectionBudget {budget}',
    )
    res = c['resources']
    limit = mebibytes(res['limits']['memory'])
    workers = workers_of(values)
    heap = ((limit - (64 if workers > 1 else 0)) // workers) * values['memory']['heapPercent'] // 100
    rep.check(
        mebibytes(res['requests']['memory']) == limit and env.get('NODE_OPTIONS') == f'--max-old-space-size={heap}',
        f'{rel}: memory request = limit ({res["limits"]["memory"]}), heap {heap} MiB per worker in NODE_OPTIONS',
        f'NODE_OPTIONS={env.get("NODE_OPTIONS")}',
    )
    spread = pod.get('topologySpreadConstraints', [])
    rep.check(
        (not values['topologySpread']['enabled'])
        or (
            len(spread) == 2
            and all(t.get('matchLabelKeys') == ['pod-template-hash'] for t in spread)
            and all('minDomains' not in t or t['whenUnsatisfiable'] == 'DoNotSchedule' for t in spread)
        ),
        f'{rel}: topology spread over hostname and zone per ReplicaSet (matchLabelKeys pod-template-hash)'
        + (f', minDomains {values["topologySpread"]["zone"]["minDomains"]}' if values['topologySpread']['zone']['minDomains'] else ''),
    )
    _check_job(rep, rel, docs, values, env)
    _check_test_hook(rep, rel, docs, values)
    rps = values['autoscaling']['requestsPerSecond']['averageValue']
    hpa = next((d for d in docs if d['kind'] == 'HorizontalPodAutoscaler'), None)
    if hpa is not None and rps is not None:
        pods_metrics = [m for m in hpa['spec']['metrics'] if m['type'] == 'Pods']
        rep.check(
            len(pods_metrics) == 1
            and pods_metrics[0]['pods']['metric']['name'] == values['autoscaling']['requestsPerSecond']['metricName']
            and pods_metrics[0]['pods']['target']['averageValue'] == str(rps),
            f'{rel}: the HPA also scales on {rps} requests/s per pod (a Pods metric from prometheus-adapter or KEDA)',
        )


def _check_job(rep: Report, rel: str, docs: list[dict[str, Any]], values: dict[str, Any], env: dict[str, Any]) -> None:
    job = next((d for d in docs if d['kind'] == 'Job'), None)
    if not values['migrations']['job']['enabled']:
        rep.check(job is None and 'MIGRATE_ON_START' not in env, f'{rel}: no migration Job; the pods migrate at start')
        return
    if not rep.check(job is not None, f'{rel}: a migration Job'):
        return
    assert job is not None
    ann = job['metadata'].get('annotations', {})
    spec = job['spec']['template']['spec']
    container = spec['containers'][0]
    job_env = {e['name'] for e in container.get('env', [])}
    refs = [e['secretRef']['name'] for e in container.get('envFrom', [])]
    labels = job['spec']['template']['metadata']['labels']
    dep = next(d for d in docs if d['kind'] == 'Deployment')
    selector = dep['spec']['selector']['matchLabels']
    hook_secret = next((d for d in docs if d['kind'] == 'Secret' and is_hook(d)), None)
    role = values['migrations']['job']['existingSecret'] or "the pods' credentials"
    rep.check(
        ann.get('helm.sh/hook') == 'pre-install,pre-upgrade'
        and container['command'][-1].endswith('cli/migrate.js')
        and 'MIGRATE_ON_START' not in job_env
        and env.get('MIGRATE_ON_START') == 'false'
        and spec['restartPolicy'] == 'Never'
        and not all(labels.get(k) == v for k, v in selector.items())
        and (values['secret']['existingSecret'] or hook_secret is not None)
        and (not values['migrations']['job']['existingSecret'] or refs[-1] == values['migrations']['job']['existingSecret']),
        f'{rel}: migrations in a pre-install/pre-upgrade Job (its own role last in envFrom: '
        f'{role}), the pods with MIGRATE_ON_START=false, '
        'the Job pod outside the Deployment selector',
    )


def _check_test_hook(rep: Report, rel: str, docs: list[dict[str, Any]], values: dict[str, Any]) -> None:
    test = next((d for d in docs if d['kind'] == 'Pod' and d['metadata'].get('annotations', {}).get('helm.sh/hook') == 'test'), None)
    if not values['tests']['enabled']:
        rep.check(test is None, f'{rel}: no helm test pod')
        return
    np = next((d for d in docs if d['kind'] == 'NetworkPolicy'), None)
    allowed = np is None or any(
        all(p.get('podSelector', {}).get('matchLabels', {}).get(k) == v for k, v in test['metadata']['labels'].items())
        for r in np['spec']['ingress']
        for p in r.get('from', [])
    ) if test else False
    rep.check(
        test is not None and '/ready' in test['spec']['containers'][0]['command'][-1] and allowed,
        f'{rel}: a `helm test` pod asks the Service for /ready (and the NetworkPolicy lets it in)',
    )
