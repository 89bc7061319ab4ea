"""What the rendered manifests must say, beyond schema validity: the hardening, probes, grace
period, autoscaling, disruption budget, network policy and wiring the operations issue asks for."""

from __future__ import annotations

import base64
import math
from typing import Any

from common import Report
from config_keys import read_config_keys


def _one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    # The dashboard ConfigMap is not the service's configuration.
    found = [d for d in docs if d['kind'] == kind and not d['metadata']['name'].endswith('-dashboard')]
    return found[0] if len(found) == 1 else None


def _subset(small: dict[str, str], big: dict[str, str]) -> bool:
    return all(big.get(k) == v for k, v in small.items())


def check_policy(rep: Report, rel: str, docs: list[dict[str, Any]], values: dict[str, Any]) -> None:
    dep = _one(docs, 'Deployment')
    if not rep.check(dep is not None, f'{rel}: exactly one Deployment'):
        return
    assert dep is not None
    pod = dep['spec']['template']['spec']
    pod_labels = dep['spec']['template']['metadata']['labels']
    c = pod['containers'][0]
    psc, csc = pod.get('securityContext', {}), c.get('securityContext', {})
    rep.check(
        psc.get('runAsNonRoot') is True
        and psc.get('seccompProfile', {}).get('type') == 'RuntimeDefault'
        and csc.get('readOnlyRootFilesystem') is True
        and csc.get('allowPrivilegeEscalation') is False
        and csc.get('capabilities', {}).get('drop') == ['ALL']
        and csc.get('runAsNonRoot') is True
        and csc.get('seccompProfile', {}).get('type') == 'RuntimeDefault',
        f'{rel}: non-root, read-only root filesystem, no privilege escalation, ALL capabilities dropped, '
        'seccomp RuntimeDefault',
    )
    rep.check(
        any(m['mountPath'] == '/tmp' for m in c.get('volumeMounts', [])),
        f'{rel}: a writable /tmp (emptyDir) beside the read-only root filesystem',
    )
    probes = {
        p: c.get(p, {}).get('httpGet', {}).get('path') for p in ('livenessProbe', 'readinessProbe', 'startupProbe')
    }
    rep.check(
        probes == {'livenessProbe': '/health', 'readinessProbe': '/ready', 'startupProbe': '/health'},
        f'{rel}: liveness /health, readiness /ready, startup /health',
        str(probes),
    )
    cfg = values['config']
    grace_s = math.ceil(int(cfg.get('SHUTDOWN_GRACE_MS') or 10000) / 1000)
    sleep = int(values['lifecycle']['preStopSleepSeconds'])
    pre = c.get('lifecycle', {}).get('preStop', {})
    pre_s = int(pre['sleep']['seconds']) if 'sleep' in pre else int(pre.get('exec', {}).get('command', ['', '0'])[-1])
    tgps = pod.get('terminationGracePeriodSeconds', 30)
    rep.check(
        pre_s == sleep and sleep > 0 and tgps > grace_s + sleep,
        f'{rel}: preStop pause {pre_s} s, terminationGracePeriodSeconds {tgps} > pause {sleep} + '
        f'SHUTDOWN_GRACE_MS {grace_s} s',
    )
    req = c.get('resources', {}).get('requests', {})
    rep.check(
        'cpu' in req and 'memory' in req and 'memory' in c.get('resources', {}).get('limits', {}),
        f'{rel}: CPU and memory requests (the HPA needs CPU requests) and a memory limit',
    )
    port = int(cfg.get('PORT') or 8000)
    rep.check(
        c['ports'][0]['containerPort'] == port and c['ports'][0]['name'] == 'http',
        f'{rel}: containerPort {port} named http',
    )
    rep.check(':latest' not in c['image'], f'{rel}: the image is pinned ({c["image"]})')

    cm, secret = _one(docs, 'ConfigMap'), _one(docs, 'Secret')
    existing = values['secret']['existingSecret']
    refs = {
        ('cm' if 'configMapRef' in e else 'secret'): (e.get('configMapRef') or e.get('secretRef'))['name']
        for e in c.get('envFrom', [])
    }
    rep.check(cm is not None and refs.get('cm') == cm['metadata']['name'], f'{rel}: envFrom reads the ConfigMap')
    secret_name = existing or (secret['metadata']['name'] if secret else None)
    rep.check(
        refs.get('secret') == secret_name and (secret is None) == bool(existing),
        f'{rel}: envFrom reads ' + (f'the existing Secret {existing}' if existing else "the chart's Secret"),
    )
    secret_keys = {n for n, s in read_config_keys().items() if s.get('secret')}
    leaked = sorted(set((cm or {}).get('data', {})) & (secret_keys | {'REDIS_URL', 'ORACLE_PASSWORD'}))
    rep.check(not leaked, f'{rel}: no credential key in the ConfigMap', str(leaked))

    svc = _one(docs, 'Service')
    rep.check(
        svc is not None
        and _subset(svc['spec']['selector'], pod_labels)
        and svc['spec']['ports'][0]['targetPort'] == 'http',
        f'{rel}: the Service selects the pods, port http',
    )
    hpa = _one(docs, 'HorizontalPodAutoscaler')
    if values['autoscaling']['enabled']:
        a = values['autoscaling']
        ok = (
            hpa is not None
            and hpa['spec']['scaleTargetRef']['name'] == dep['metadata']['name']
            and (hpa['spec']['minReplicas'], hpa['spec']['maxReplicas']) == (a['minReplicas'], a['maxReplicas'])
            and any(m['resource']['name'] == 'cpu' for m in hpa['spec']['metrics'])
            and 'replicas' not in dep['spec']
        )
        rep.check(
            ok,
            f'{rel}: HPA {a["minReplicas"]}-{a["maxReplicas"]} replicas on CPU targets the Deployment '
            '(which leaves replicas to it)',
        )
    else:
        rep.check(
            hpa is None and dep['spec'].get('replicas') == values['replicaCount'],
            f'{rel}: no HPA, replicas {values["replicaCount"]}',
        )
    pdb = _one(docs, 'PodDisruptionBudget')
    if values['podDisruptionBudget']['enabled']:
        rep.check(
            pdb is not None and _subset(pdb['spec']['selector']['matchLabels'], pod_labels),
            f'{rel}: PodDisruptionBudget selects the pods',
        )
    _check_network_policy(rep, rel, docs, values, pod_labels)
    sm = _one(docs, 'ServiceMonitor')
    if values['serviceMonitor']['enabled']:
        rep.check(
            sm is not None
            and svc is not None
            and _subset(sm['spec']['selector']['matchLabels'], svc['metadata']['labels'])
            and sm['spec']['endpoints'][0]['port'] == 'http'
            and sm['spec']['endpoints'][0]['path'] == '/metrics',
            f'{rel}: ServiceMonitor scrapes /metrics on the Service port http',
        )


def _check_network_policy(
    rep: Report, rel: str, docs: list[dict[str, Any]], values: dict[str, Any], pod_labels: dict[str, str]
) -> None:
    if not values['networkPolicy']['enabled']:
        return
    np = _one(docs, 'NetworkPolicy')
    if not rep.check(np is not None, f'{rel}: one NetworkPolicy'):
        return
    assert np is not None
    spec = np['spec']
    rep.check(
        _subset(spec['podSelector']['matchLabels'], pod_labels)
        and sorted(spec['policyTypes']) == ['Egress', 'Ingress'],
        f'{rel}: NetworkPolicy governs ingress and egress of the pods',
    )
    peers = [p for rule in spec.get('ingress', []) for p in rule.get('from', [])]
    rep.check(
        all(r.get('from') for r in spec.get('ingress', []))
        and all('namespaceSelector' in p and 'podSelector' in p for p in peers),
        f'{rel}: ingress only from selected pods in selected namespaces (gateway'
        + (', Prometheus)' if values['serviceMonitor']['enabled'] else ')'),
    )
    allowed = (
        {53}
        | set(values['networkPolicy']['egress']['database']['ports'])
        | set(values['networkPolicy']['egress']['redis']['ports'])
    )
    ports = {p['port'] for rule in spec.get('egress', []) for p in rule.get('ports', [])}
    rep.check(
        all(rule.get('ports') for rule in spec.get('egress', [])) and ports == allowed,
        f'{rel}: egress only to DNS, the database and Redis (ports {sorted(ports)})',
    )


def check_every_key(rep: Report, docs: list[dict[str, Any]], config: dict[str, Any]) -> None:
    """Rendered with every config key set: each lands in the ConfigMap or the Secret, as a string
    the service parses (integers as integers, never 1.048576e+06)."""
    cm = _one(docs, 'ConfigMap') or {'data': {}}
    secret = _one(docs, 'Secret') or {'data': {}}
    secret_data = {k: base64.b64decode(v).decode() for k, v in secret.get('data', {}).items()}
    marked = {n for n, s in read_config_keys().items() if s.get('secret')}
    rep.check(
        marked <= set(secret_data),
        'every key marked secret in src/config.ts goes into the Secret '
        '(else add it to data-api.secretKeys in _helpers.tpl)',
        str(sorted(marked - set(secret_data))),
    )
    wrong = []
    for key, value in config.items():
        got = cm['data'].get(key, secret_data.get(key))
        want = str(value).lower() if isinstance(value, bool) else str(value)
        if got != want:
            wrong.append(f'{key}: {got!r} != {want!r}')
    rep.check(not wrong, f'all {len(config)} config keys reach the pod environment unchanged', '; '.join(wrong))
