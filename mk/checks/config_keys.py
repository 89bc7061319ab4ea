"""Reads CONFIG_KEYS out of src/config/config.ts (the single source of truth for configuration keys).

The object literal is tokenized and parsed, not matched with regular expressions, so a doc string
that happens to contain "min: 3" cannot fool it. Only the literal forms config.ts uses are
understood: objects, arrays, strings, numbers, true/false and bare identifiers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from common import ROOT

CONFIG_TS = ROOT / 'src' / 'config' / 'config.ts'

# Keys the chart may list before src/config/config.ts declares them (work landing in parallel). Empty:
# REDIS_URL and the ORACLE_* keys that were listed here are declared in src/config/config.ts now.
PENDING_KEYS: set[str] = set()

_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/
    |(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`)
    |(?P<num>-?\d+(?:\.\d+)?)
    |(?P<ident>[A-Za-z_$][\w$]*)
    |(?P<punct>[{}\[\]:,])""",
    re.S | re.X,
)


def _tokens(src: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            raise ValueError(f'config.ts: cannot read CONFIG_KEYS near {src[pos : pos + 40]!r}')
        pos = m.end()
        if m.group('str') is not None:
            body = m.group('str')[1:-1]
            out.append(('lit', re.sub(r'\\(.)', r'\1', body)))
        elif m.group('num') is not None:
            out.append(('lit', float(m.group('num')) if '.' in m.group('num') else int(m.group('num'))))
        elif m.group('ident') is not None:
            word = m.group('ident')
            out.append(('lit', {'true': True, 'false': False}.get(word, word)))
        elif m.group('punct') is not None:
            out.append(('p', m.group('punct')))
    return out


class _Parser:
    def __init__(self, toks: list[tuple[str, Any]]) -> None:
        self.toks = toks
        self.i = 0

    def take(self, want: str | None = None) -> tuple[str, Any]:
        tok = self.toks[self.i]
        if want is not None and tok != ('p', want):
            raise ValueError(f'config.ts: expected {want!r}, found {tok[1]!r}')
        self.i += 1
        return tok

    def value(self) -> Any:
        kind, v = self.toks[self.i]
        if (kind, v) == ('p', '{'):
            return self.obj()
        if (kind, v) == ('p', '['):
            self.take('[')
            items = []
            while self.toks[self.i] != ('p', ']'):
                items.append(self.value())
                if self.toks[self.i] == ('p', ','):
                    self.take(',')
            self.take(']')
            return items
        self.i += 1
        return v

    def obj(self) -> dict[str, Any]:
        self.take('{')
        out: dict[str, Any] = {}
        while self.toks[self.i] != ('p', '}'):
            _, key = self.take()
            self.take(':')
            out[str(key)] = self.value()
            if self.toks[self.i] == ('p', ','):
                self.take(',')
        self.take('}')
        return out


def read_config_keys(path: Path = CONFIG_TS) -> dict[str, dict[str, Any]]:
    """CONFIG_KEYS as a dict: name -> {kind, doc, default?, min?, max?, values?, secret?}."""
    text = path.read_text(encoding='utf-8')
    m = re.search(r'export const CONFIG_KEYS\s*=\s*', text)
    if not m:
        raise ValueError(f'{path}: no `export const CONFIG_KEYS = {{`')
    end = text.find('} as const', m.end())
    if end < 0:
        raise ValueError(f'{path}: CONFIG_KEYS does not end with `}} as const`')
    return _Parser(_tokens(text[m.end() : end + 1])).obj()


def expected_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """The values.schema.json entry a key should have: its type, bounds and choices; null = unset."""
    kind = spec['kind']
    if kind == 'integer':
        s: dict[str, Any] = {'type': ['integer', 'null']}
        if 'min' in spec:
            s['minimum'] = spec['min']
        if 'max' in spec:
            s['maximum'] = spec['max']
        return s
    if kind == 'boolean':
        return {'type': ['boolean', 'null']}
    if kind == 'enum':
        return {'type': ['string', 'null'], 'enum': [*spec['values'], None]}
    return {'type': ['string', 'null']}


# Keys whose valid values src/config/config.ts checks beyond their kind (scheme, length, format).
_SAMPLES: dict[str, Any] = {
    'DATABASE_URL': 'postgres://check:check@database-url.example:5432/check',
    'REDIS_URL': 'redis://check:check@redis-url.example:6379/0',
    'REDIS_CLUSTER_NODES': 'redis-0.example:6379,redis-1.example:6379',
    'CURSOR_SECRET': 'chart-check-only-cursor-secret-0123456789',
    'AUTH_JWT_SECRET': 'chart-check-only-jwt-secret-0123456789abcdef',
    'AUTH_JWT_ALGORITHMS': 'HS256',
    'CORS_ALLOWED_ORIGINS': 'https://app.example.com,https://admin.example.com',
    # JSON with quotes and brackets: it must reach the pod unchanged through the Secret.
    'AUTH_API_KEYS': json.dumps([{'sha256': 'ab' * 32, 'subject': 'chart-check', 'scopes': ['data:read']}]),
}


def sample_value(name: str, spec: dict[str, Any]) -> Any:
    """A valid value for every key, used to render the chart with every key set."""
    if name in _SAMPLES:
        return _SAMPLES[name]
    if spec['kind'] == 'integer':
        return int(spec.get('default') or spec.get('min') or 1)
    if spec['kind'] == 'boolean':
        return True
    if spec['kind'] == 'enum':
        return spec.get('default') or spec['values'][0]
    if spec['kind'] == 'url':
        return f'https://{name.lower().replace("_", "-")}.example/check'
    return spec.get('default') or f'chart-check-{name.lower()}'
