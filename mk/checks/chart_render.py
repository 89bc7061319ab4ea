"""Renders the chart with Helm's own engine (helm-python-sdk binds Helm's Go SDK) and validates
the manifests: built-in kinds against the Kubernetes JSON schemas (kubernetes-validate, strict:
unknown fields are errors), ServiceMonitor and PrometheusRule against the prometheus-operator CRD
schemas (@kubernetes-models/prometheus-operator)."""

from __future__ import annotations

import json
from typing import Any

import helm_python as helm
import kubernetes_validate
from common import CHART, TOOLS, Report, deep_merge, load_yaml, run, yaml_docs

RELEASE = 'data-api'
NAMESPACE = 'data-api'
CRD_KINDS = {'ServiceMonitor', 'PrometheusRule'}

CRD_VALIDATOR = """
let text = '';
for await (const chunk of process.stdin) text += chunk;
const v1 = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1');
const check = (d) => {
  try {
    new v1[d.kind](d).validate();
    return null;
  } catch (e) {
    return String(e.message || e);
  }
};
process.stdout.write(JSON.stringify(JSON.parse(text).map(check)));
"""


def render(values: dict[str, Any]) -> dict[str, str]:
    """Template path -> rendered text, as `helm template` would print them (NOTES.txt left out)."""
    with helm.Chart.load(str(CHART)) as chart:
        out = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    return {k: v for k, v in out.items() if not k.endswith('NOTES.txt')}


def manifests(rendered: dict[str, str]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for text in rendered.values():
        docs.extend(yaml_docs(text))
    return docs


def lint(rep: Report, rel: str, values: dict[str, Any]) -> None:
    result = helm.lint(str(CHART), values, strict=True, namespace=NAMESPACE)
    problems = [f'[{m["path"]}] {m["error"]}' for m in result['messages'] if m['severity'] >= 2]
    problems += result.get('errors') or []
    infos = [m['error'] for m in result['messages'] if m['severity'] < 2]
    rep.check(
        not problems,
        f'helm lint --strict with {rel}' + (f' (info: {"; ".join(infos)})' if infos else ''),
        '; '.join(problems),
    )


def validate_kubernetes(rep: Report, rel: str, docs: list[dict[str, Any]], versions: list[str]) -> None:
    for version in versions:
        errors = []
        for d in docs:
            if d['kind'] in CRD_KINDS:
                continue
            try:
                kubernetes_validate.validate(d, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                errors.append(f'{d["kind"]}/{d["metadata"]["name"]} {".".join(map(str, e.path))}: {e.message}')
            except kubernetes_validate.SchemaNotFoundError:
                errors.append(f'{d["apiVersion"]} {d["kind"]}: no schema in Kubernetes {version}')
        kinds = sorted({d['kind'] for d in docs if d['kind'] not in CRD_KINDS})
        rep.check(
            not errors, f'{rel}: {", ".join(kinds)} valid against Kubernetes {version} (strict)', '; '.join(errors)
        )


def validate_crds(rep: Report, rel: str, docs: list[dict[str, Any]]) -> None:
    crds = [d for d in docs if d['kind'] in CRD_KINDS]
    if not crds:
        return
    if not (TOOLS / 'node_modules' / '@kubernetes-models' / 'prometheus-operator').is_dir():
        rep.skip(f'{rel}: ServiceMonitor/PrometheusRule schemas (npm tools not installed in {TOOLS})')
        return
    proc = run(['node', '--input-type=module', '-e', CRD_VALIDATOR], input=json.dumps(crds), cwd=TOOLS)
    if proc.returncode != 0:
        rep.fail(f'{rel}: CRD validator crashed: {proc.stderr.strip()[-500:]}')
        return
    results = json.loads(proc.stdout)
    for d, err in zip(crds, results):
        rep.check(err is None, f'{rel}: {d["kind"]} valid against the prometheus-operator v1 CRD schema', str(err))


def render_refused(rep: Report, what: str, values: dict[str, Any], expect: str) -> None:
    try:
        render(values)
    except helm.HelmError as e:
        rep.check(expect in str(e), f'the chart refuses {what}', f'failed with another message: {e}')
        return
    rep.fail(f'the chart refuses {what}: it rendered')


def values_for(rel: str) -> dict[str, Any]:
    """What Helm is given for a ci/ file: the file alone (Helm merges values.yaml itself)."""
    return load_yaml(CHART / rel) or {}


def merged_values(rel: str) -> dict[str, Any]:
    return deep_merge(load_yaml(CHART / 'values.yaml'), values_for(rel))
