"""values.schema.json against src/config/ and against the chart's values files."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from common import CHART, Report, deep_merge, load_yaml
from config_keys import PENDING_KEYS, expected_schema, read_config_keys

SCHEMA_PATH = CHART / 'values.schema.json'


def check_config_keys(rep: Report) -> dict[str, dict[str, Any]]:
    """The schema's `config` keys are exactly the keys of src/config/ (+ pending keys), with the same types."""
    rep.section('values.schema.json `config` against the keys of src/config/')
    keys = read_config_keys()
    schema = json.loads(SCHEMA_PATH.read_text(encoding='utf-8'))
    props: dict[str, Any] = schema['properties']['config']['properties']
    missing = sorted(set(keys) - set(props))
    extra = sorted(set(props) - set(keys) - PENDING_KEYS)
    for name in missing:
        entry = json.dumps({name: {'description': keys[name]['doc'], **expected_schema(keys[name])}})
        rep.fail(
            f'config.{name} is in src/config/ but not in values.schema.json; add {entry} '
            f'(and the key to values.yaml, secret keys also to data-api.secretKeys in _helpers.tpl)'
        )
    for name in extra:
        rep.fail(f'config.{name} is in values.schema.json but not in src/config/')
    rep.check(
        not missing and not extra,
        f"{len(keys)} keys of src/config/ = the schema's config keys "
        f'(+ pending, not yet in src/config/: {", ".join(sorted(PENDING_KEYS - set(keys))) or "none"})',
    )
    rep.check(
        schema['properties']['config'].get('additionalProperties') is False,
        'the schema refuses config keys that src/config/ does not know',
    )
    bad = []
    for name in sorted(set(keys) & set(props)):
        want, got = expected_schema(keys[name]), props[name]
        for field in ('type', 'minimum', 'maximum', 'enum'):
            w, g = want.get(field), got.get(field)
            if isinstance(w, list) and isinstance(g, list):
                w, g = sorted(map(str, w)), sorted(map(str, g))
            if w != g:
                bad.append(f'{name}.{field}: schema {got.get(field)!r}, src/config/ wants {want.get(field)!r}')
    rep.check(not bad, 'every key has the type, bounds and choices of src/config/', '; '.join(bad))
    values = load_yaml(CHART / 'values.yaml')
    listed = set(values.get('config', {}))
    rep.check(
        listed == set(props),
        'values.yaml lists every config key (null = the service default)',
        f'missing {sorted(set(props) - listed)}, unknown {sorted(listed - set(props))}',
    )
    return keys


def check_values_files(rep: Report, values_files: list[str]) -> None:
    rep.section('values files against values.schema.json (JSON Schema draft-07)')
    schema = json.loads(SCHEMA_PATH.read_text(encoding='utf-8'))
    jsonschema.Draft7Validator.check_schema(schema)
    rep.ok('values.schema.json is a valid draft-07 schema')
    validator = jsonschema.Draft7Validator(schema)
    defaults = load_yaml(CHART / 'values.yaml')
    for rel in ['values.yaml', *values_files]:
        merged = defaults if rel == 'values.yaml' else deep_merge(defaults, load_yaml(CHART / rel))
        errors = [f'{"/".join(map(str, e.path))}: {e.message}' for e in validator.iter_errors(merged)]
        rep.check(not errors, f'{rel} (merged over values.yaml) is valid', '; '.join(errors[:5]))
    refused = {
        'an unknown config key': {'config': {'NOT_A_CONFIG_KEY': 'x'}},
        'PORT out of range': {'config': {'PORT': 70000}},
        'NODE_ENV outside its enum': {'config': {'NODE_ENV': 'prod'}},
        'a short CURSOR_SECRET': {'config': {'CURSOR_SECRET': 'too-short'}},
        'a short AUTH_JWT_SECRET': {'config': {'AUTH_JWT_SECRET': 'too-short'}},
        'AUTH_MODE outside its enum': {'config': {'AUTH_MODE': 'optional'}},
        'a REDIS_URL that is not redis:// or rediss://': {'config': {'REDIS_URL': 'http://redis:6379'}},
        'an unknown top-level value': {'replicas': 3},
    }
    for what, override in refused.items():
        rep.check(not validator.is_valid(deep_merge(defaults, override)), f'the schema refuses {what}')
