"""What the rendered manifests must say, beyond schema validity: the hardening, probes, grace
period, autoscaling, disruption budget, network policy and wiring the operations issue asks for."""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from common import Report
from config_keys import read_config_keys


def is_hook(d: dict[str, Any]) -> bool:
    return 'helm.sh/hook' in (d['metadata'].get('annotations') or {})


def _one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    # The dashboard ConfigMap is not the service's configuration; hooks (the migration Job's
    # Secret, the test pod) are not the release's running parts.
    found = [
        d for d in docs if d['kind'] == kind and not d['metadata']['name'].endswith('-dashboard') and not is_hook(d)
    ]
    return found[0] if len(found) == 1 else None


def expected_egress_ports(values: dict[str, Any], which: str) -> set[int]:
    """What _helpers.tpl's data-api.egressPorts should give: the values' ports, else the configuration's."""
    given = values['networkPolicy']['egress'][which]['ports']
    if given:
        return set(given)
    cfg = values['config']

    def port_of(text: str | None, default: int) -> int:
        if not text:
            return default
        host = re.sub(r'^[a-z+]+://([^@/]*@)?', '', text)
        host = re.sub(r'[/?].*$', '', host)
        m = re.search(r':(\d+)$', host)
        if m:
            return int(m.group(1))
        return 443 if text.startswith('https://') else 80 if text.startswith('http://') else default

    if which == 'database':
        if cfg.get('ORACLE_CONNECT_STRING'):
            return {port_of(cfg['ORACLE_CONNECT_STRING'], 1521)}
        return {port_of(cfg.get('DATABASE_URL'), 5432)}
    if which == 'redis':
        if cfg.get('REDIS_CLUSTER_NODES'):
            return {port_of(n.strip(), 6379) for n in cfg['REDIS_CLUSTER_NODES'].split(',')}
        return {port_of(cfg.get('REDIS_URL'), 6379)}
    if which == 'identityProvider':
        return {port_of(cfg.get('AUTH_JWKS_URL'), 443)}
    return {port_of(cfg.get('OTEL_EXPORTER_OTLP_ENDPOINT'), 4318)}


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
    delay_s = math.ceil(int(cfg.get('SHUTDOWN_DELAY_MS') or 0) / 1000)
    sleep = int(values['lifecycle']['preStopSleepSeconds'])
    pre = c.get('lifecycle', {}).get('preStop', {})
    pre_s = int(pre['sleep']['seconds']) if 'sleep' in pre else int(pre.get('exec', {}).get('command', ['', '0'])[-1])
    tgps = pod.get('terminationGracePeriodSeconds', 30)
    # Endpoints must drain while the pod still serves: the preStop pause, or SHUTDOWN_DELAY_MS.
    rep.check(
        pre_s == sleep and (sleep > 0 or delay_s > 0) and tgps > sleep + delay_s + grace_s,
        f'{rel}: preStop pause {pre_s} s, terminationGracePeriodSeconds {tgps} > pause {sleep} + '
        f'SHUTDOWN_DELAY_MS {delay_s} s + SHUTDOWN_GRACE_MS {grace_s} s',
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
    env = dict((cm or {}).get('data', {}))
    env.update({k: base64.b64decode(v).decode() for k, v in ((secret or {}).get('data') or {}).items()})
    problems, auth = start_refusals(env, secret_keys if existing else set())
    rep.check(
        not problems,
        f'{rel}: the pod environment passes the start-up rules of src/config/ '
        f'(NODE_ENV={env.get("NODE_ENV") or "development"}, AUTH_MODE={env.get("AUTH_MODE") or "required"} via {auth})',
        '; '.join(problems),
    )

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
    # MANAGEMENT_PORT: /metrics answers there only (404 on http), so everything that reads it
    # must go there: the container port, the Service port and the ServiceMonitor.
    mgmt = cfg.get('MANAGEMENT_PORT')
    scrape_port = 'management' if mgmt else values['serviceMonitor']['port']
    if mgmt:
        named = {p['name']: p['containerPort'] for p in c['ports']}
        svc_ports = {p['name']: p['targetPort'] for p in (svc or {}).get('spec', {}).get('ports', [])}
        rep.check(
            named.get('management') == int(mgmt) and svc_ports.get('management') == 'management',
            f'{rel}: MANAGEMENT_PORT {mgmt} is the container port and the Service port named management',
        )
    sm = _one(docs, 'ServiceMonitor')
    if values['serviceMonitor']['enabled']:
        rep.check(
            sm is not None
            and svc is not None
            and _subset(sm['spec']['selector']['matchLabels'], svc['metadata']['labels'])
            and sm['spec']['endpoints'][0]['port'] == scrape_port
            and any(p['name'] == scrape_port for p in svc['spec']['ports'])
            and sm['spec']['endpoints'][0]['path'] == '/metrics',
            f'{rel}: ServiceMonitor scrapes /metrics on the Service port {scrape_port}',
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
    names = next((e['values'] for e in spec['podSelector'].get('matchExpressions', [])), [])
    rep.check(
        _subset(spec['podSelector']['matchLabels'], pod_labels)
        and pod_labels['app.kubernetes.io/name'] in names
        and f'{pod_labels["app.kubernetes.io/name"]}-migrate' in names
        and sorted(spec['policyTypes']) == ['Egress', 'Ingress'],
        f'{rel}: NetworkPolicy governs ingress and egress of the pods and of the migration Job',
    )
    # With a management port the gateway reaches the API port only, Prometheus the management port only.
    if values['config'].get('MANAGEMENT_PORT'):
        by_port = [sorted(p['port'] for p in rule.get('ports', [])) for rule in spec.get('ingress', [])]
        # The gateway's rule, the `helm test` pod's (tests.enabled), then Prometheus's.
        want = [['http']] + ([['http']] if values['tests']['enabled'] else [])
        want += [['management']] if values['serviceMonitor']['enabled'] else []
        rep.check(
            by_port == want,
            f'{rel}: ingress from the gateway to http only'
            + (', from Prometheus to management only' if values['serviceMonitor']['enabled'] else ''),
            str(by_port),
        )
    peers = [p for rule in spec.get('ingress', []) for p in rule.get('from', [])]
    rep.check(
        all(r.get('from') for r in spec.get('ingress', []))
        and all('namespaceSelector' in p and 'podSelector' in p for p in peers),
        f'{rel}: ingress only from selected pods in selected namespaces (gateway'
        + (', Prometheus)' if values['serviceMonitor']['enabled'] else ')'),
    )
    egress = values['networkPolicy']['egress']
    allowed = {53} | expected_egress_ports(values, 'database') | expected_egress_ports(values, 'redis')
    # Bearer tokens verify against the identity provider's JWKS: it must be reachable.
    jwks = bool(values['config'].get('AUTH_JWKS_URL'))
    if jwks:
        allowed |= expected_egress_ports(values, 'identityProvider')
    # Traces go to the OpenTelemetry collector.
    otlp = bool(values['config'].get('OTEL_EXPORTER_OTLP_ENDPOINT'))
    if otlp:
        allowed |= expected_egress_ports(values, 'otlpCollector')
    dns_rule = spec['egress'][0]
    local = {p['ipBlock']['cidr'] for p in dns_rule.get('to', []) if 'ipBlock' in p}
    rep.check(
        local == set(egress['dns']['nodeLocalAddresses']) and {p['port'] for p in dns_rule['ports']} == {53},
        f'{rel}: DNS to kube-dns and to NodeLocal DNSCache ({", ".join(sorted(local)) or "none"})',
    )
    ports = {p['port'] for rule in spec.get('egress', []) for p in rule.get('ports', [])}
    extra = [w for w, on in (('the identity provider (AUTH_JWKS_URL)', jwks), ('the OTLP collector', otlp)) if on]
    rep.check(
        all(rule.get('ports') for rule in spec.get('egress', [])) and ports == allowed,
        f'{rel}: egress only to DNS, the database, Redis' + ''.join(f', {w}' for w in extra)
        + f' (ports {sorted(ports)})',
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
        'every key marked secret in src/config/ goes into the Secret '
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


def _api_keys_ok(raw: str) -> bool:
    try:
        keys = json.loads(raw)
    except ValueError:
        return False
    return isinstance(keys, list) and all(
        isinstance(k, dict)
        and isinstance(k.get('sha256'), str)
        and re.fullmatch(r'[0-9a-fA-F]{64}', k['sha256']) is not None
        and isinstance(k.get('subject'), str)
        and k['subject'] != ''
        and isinstance(k.get('scopes'), list)
        and all(isinstance(x, str) for x in k['scopes'])
        for k in keys
    )


def _weakness(secret: str) -> str | None:
    """src/config/secret-strength.ts: a repeated unit, or under 96 bits of estimated entropy."""
    n = len(secret)
    if any(n % u == 0 and secret[:u] * (n // u) == secret for u in range(1, n // 2 + 1)):
        return 'is one sequence repeated'
    counts = {ch: secret.count(ch) for ch in set(secret)}
    bits = -sum(k / n * math.log2(k / n) for k in counts.values()) * n
    return None if bits >= 96 else f'is too predictable (about {int(bits)} bits)'


def _plaintext(val: dict[str, str]) -> list[str]:
    """src/config/transport-rules.ts: verified TLS to the database, Redis and the JWKS unless TLS_EXEMPT."""
    exempt = {x.strip() for x in val.get('TLS_EXEMPT', '').split(',')}
    found = []
    if 'DATABASE_URL' in val and not re.search(r'[?&]sslmode=verify-full(&|$)', val['DATABASE_URL']):
        found.append(('database', 'DATABASE_URL without sslmode=verify-full'))
    if 'REDIS_CLUSTER_NODES' in val and 'REDIS_TLS_CA_FILE' not in val:
        found.append(('redis', 'REDIS_CLUSTER_NODES without REDIS_TLS_CA_FILE'))
    elif 'REDIS_CLUSTER_NODES' not in val and 'REDIS_URL' in val and not val['REDIS_URL'].startswith('rediss://'):
        found.append(('redis', 'REDIS_URL is not rediss://'))
    if 'AUTH_JWKS_URL' in val and not val['AUTH_JWKS_URL'].startswith('https://'):
        found.append(('jwks', 'AUTH_JWKS_URL is not https://'))
    return [f'{what} in production (TLS_EXEMPT={name} to allow)' for name, what in found if name not in exempt]


def start_refusals(env: dict[str, str], unseen: set[str]) -> tuple[list[str], str]:
    """The cross-key rules loadConfig (src/config/) applies at start (production, database,
    cursor secret, authentication) on a pod environment. `unseen`: keys an existing Secret may hold,
    which the chart cannot see; they count as present. Returns the problems and what authenticates."""
    problems: list[str] = []
    val = {k: v for k, v in env.items() if v != ''}  # '' is unset for the service

    def has(key: str) -> bool:
        return key in val or key in unseen

    production = val.get('NODE_ENV', 'development') == 'production'
    if not (has('DATABASE_URL') or 'ORACLE_CONNECT_STRING' in val):
        problems.append('no DATABASE_URL or ORACLE_CONNECT_STRING (each pod would keep its own PGlite)')
    if 'DATABASE_URL' in val and 'ORACLE_CONNECT_STRING' in val:
        problems.append('DATABASE_URL together with ORACLE_CONNECT_STRING')
    if 'ORACLE_CONNECT_STRING' in val and not ('ORACLE_USER' in val and has('ORACLE_PASSWORD')):
        problems.append('ORACLE_CONNECT_STRING without ORACLE_USER and ORACLE_PASSWORD')
    if 'REDIS_URL' in val and not re.match(r'rediss?://', val['REDIS_URL']):
        problems.append('REDIS_URL is not redis:// or rediss://')
    if 'CURSOR_SECRET' in val and len(val['CURSOR_SECRET']) < 32:
        problems.append('CURSOR_SECRET shorter than 32 characters')
    for key in ('CURSOR_SECRET', 'AUTH_JWT_SECRET'):
        if production and len(val.get(key, '')) >= 32 and (weak := _weakness(val[key])):
            problems.append(f'{key} {weak} (refused with NODE_ENV=production)')
    if production:
        problems.extend(_plaintext(val))
    if production and not has('CURSOR_SECRET'):
        problems.append('NODE_ENV=production without CURSOR_SECRET')
    mode = val.get('AUTH_MODE', 'required')
    if production and mode == 'none':
        problems.append('AUTH_MODE=none with NODE_ENV=production')
    if 'AUTH_JWT_SECRET' in val and len(val['AUTH_JWT_SECRET']) < 32:
        problems.append('AUTH_JWT_SECRET shorter than 32 characters')
    if 'AUTH_JWT_SECRET' in val and 'AUTH_JWKS_URL' in val:
        problems.append('AUTH_JWT_SECRET together with AUTH_JWKS_URL')
    api_keys = 'AUTH_API_KEYS' in val and _api_keys_ok(val['AUTH_API_KEYS'])
    if 'AUTH_API_KEYS' in val and not api_keys:
        problems.append('AUTH_API_KEYS is not a JSON array of {sha256 (64 hex), subject, scopes}')
    sources = [k for k in ('AUTH_JWT_SECRET', 'AUTH_JWKS_URL') if k in val]
    if api_keys and json.loads(val['AUTH_API_KEYS']):
        sources.append('AUTH_API_KEYS')
    if not sources and {'AUTH_JWT_SECRET', 'AUTH_API_KEYS'} & unseen:
        sources.append('the existing Secret (AUTH_JWT_SECRET or AUTH_API_KEYS, unseen here)')
    if mode == 'required' and not sources:
        problems.append('AUTH_MODE=required without AUTH_JWT_SECRET, AUTH_JWKS_URL or AUTH_API_KEYS')
    return problems, (' + '.join(sources) if mode == 'required' else 'no authentication')
