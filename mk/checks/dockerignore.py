"""The .dockerignore rules as Docker applies them (moby/patternmatcher): the last pattern that
matches a path, or any of its parent folders, decides; `!` re-includes; `**` spans folders."""

from __future__ import annotations

import os
import re
from pathlib import Path


class DockerIgnore:
    def __init__(self, path: Path) -> None:
        self.patterns: list[tuple[re.Pattern[str], bool]] = []
        lines = path.read_text(encoding='utf-8').splitlines() if path.is_file() else []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            exclusion = line.startswith('!')
            if exclusion:
                line = line[1:].strip()
            line = os.path.normpath(line).lstrip('/')
            self.patterns.append((re.compile(self._regex(line)), exclusion))

    @staticmethod
    def _regex(pattern: str) -> str:
        out, i = '^', 0
        while i < len(pattern):
            ch = pattern[i]
            if ch == '*':
                if pattern[i : i + 2] == '**':
                    i += 1
                    if pattern[i + 1 : i + 2] == '/':  # `**/` matches zero or more folders
                        i += 1
                        out += '(.*/)?'
                    else:
                        out += '.*'
                else:
                    out += '[^/]*'
            elif ch == '?':
                out += '[^/]'
            else:
                out += re.escape(ch)
            i += 1
        return out + '$'

    def excluded(self, rel: str) -> bool:
        rel = rel.strip('/')
        parents = rel.split('/')[:-1]
        matched = False
        for regex, exclusion in self.patterns:
            hit = bool(regex.match(rel))
            if not hit:
                hit = any(regex.match('/'.join(parents[: i + 1])) for i in range(len(parents)))
            if hit:
                matched = not exclusion
        return matched

    def included_files(self, root: Path, rel: str) -> list[str]:
        """Files under root/rel that reach the build context."""
        target = root / rel
        files = [target] if target.is_file() else [p for p in target.rglob('*') if p.is_file()]
        return [str(f.relative_to(root)) for f in files if not self.excluded(str(f.relative_to(root)))]
