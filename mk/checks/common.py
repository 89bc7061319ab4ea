"""Shared pieces of the packaging checks: paths, a result tally, subprocess and YAML helpers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / 'charts' / 'data-api'
TOOLS = ROOT / '.tools' / 'chart'


class Report:
    """Counts outcomes and prints one line each; `finish` prints the closing tally and exits."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped: list[str] = []

    def ok(self, msg: str) -> None:
        self.passed += 1
        print(f'  ok    {msg}')

    def fail(self, msg: str) -> None:
        self.failed += 1
        print(f'  FAIL  {msg}')

    def skip(self, msg: str) -> None:
        self.skipped.append(msg)
        print(f'  SKIP  {msg}')

    def note(self, msg: str) -> None:
        print(f'  note  {msg}')

    def check(self, condition: bool, msg: str, detail: str = '') -> bool:
        if condition:
            self.ok(msg)
        else:
            self.fail(f'{msg}{": " + detail if detail else ""}')
        return condition

    def section(self, title: str) -> None:
        print(f'\n{title}')

    def finish(self) -> None:
        print()
        if self.skipped:
            print(f'{self.name}: not checked here:')
            for s in self.skipped:
                print(f'  - {s}')
        print(f'{self.name}: {self.passed} passed, {self.failed} failed, {len(self.skipped)} skipped')
        sys.exit(1 if self.failed else 0)


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, text=True, capture_output=True, **kwargs)


def which(name: str, extra: Iterable[Path] = ()) -> str | None:
    for p in extra:
        if p.is_file():
            return str(p)
    return shutil.which(name)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding='utf-8'))


def yaml_docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def deep_merge(base: Any, override: Any) -> Any:
    """Helm's coalescing for plain values: maps merge, everything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = deep_merge(base.get(k), v) if k in base else v
        return out
    return override
