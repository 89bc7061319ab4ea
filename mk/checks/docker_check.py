"""make docker-check: what can be validated of the container packaging without a Docker engine.

Dockerfile (parsed by BuildKit's own parser), .dockerignore, docker-compose.yml (compose-spec
schema, interpolation, wiring), and .github/workflows/ci.yml (GitHub's workflow schema).
"""

from __future__ import annotations

import json
import re
from typing import Any

import dockerfile
from common import ROOT, Report
from compose_check import check_compose, check_workflow
from config_keys import PENDING_KEYS, read_config_keys
from dockerignore import DockerIgnore


def _stages(cmds: list[Any]) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = []
    for c in cmds:
        if c.cmd == 'FROM':
            v = c.value
            stages.append({'image': v[0], 'name': v[2] if len(v) > 2 and v[1].upper() == 'AS' else None, 'cmds': []})
        elif stages:
            stages[-1]['cmds'].append(c)
    return stages


def _flag(c: Any, name: str) -> str | None:
    for f in c.flags:
        if f.startswith(f'--{name}='):
            return f.split('=', 1)[1]
    return None


def check_dockerfile(rep: Report) -> None:
    rep.section('Dockerfile (BuildKit parser)')
    cmds = list(dockerfile.parse_file(str(ROOT / 'Dockerfile')))
    rep.ok(f'Dockerfile parses: {len(cmds)} instructions')
    args = {c.value[0].split('=')[0]: c.value[0].split('=', 1)[1] for c in cmds if c.cmd == 'ARG' and '=' in c.value[0]}
    stages = _stages(cmds)
    names = [s['name'] for s in stages]
    images = [re.sub(r'\$\{?(\w+)\}?', lambda m: args.get(m.group(1), m.group(0)), s['image']) for s in stages]
    rep.check(
        len(stages) >= 2 and names[0] == 'build',
        f'multi-stage: {", ".join(f"{n} ({i})" for n, i in zip(names, images))}',
    )
    rep.check(all(':' in i and not i.endswith(':latest') for i in images), 'base images carry a tag, not latest')
    ignore = DockerIgnore(ROOT / '.dockerignore')
    context_files: set[str] = set()
    for idx, st in enumerate(stages):
        for c in st['cmds']:
            if c.cmd not in ('COPY', 'ADD'):
                continue
            src = _flag(c, 'from')
            if src is not None:
                rep.check(src in names[:idx], f'{st["name"]}: COPY --from={src} names an earlier stage')
                continue
            for s in c.value[:-1]:
                exists = (ROOT / s).exists()
                files = ignore.included_files(ROOT, s) if exists else []
                context_files.update(files)
                rep.check(
                    exists and bool(files),
                    f'{st["name"]}: COPY {s} exists and reaches the build context ({len(files)} files)',
                    'missing' if not exists else 'every file is excluded by .dockerignore',
                )
    size = sum((ROOT / f).stat().st_size for f in context_files)
    rep.note(f'build context from the COPY sources: {len(context_files)} files, {size / 1e6:.1f} MB')
    for junk in ('node_modules/x', 'dist/x', '.git/x', '.env', 'coverage/x', 'data/pglite/x', '.tools/x'):
        if ignore.excluded(junk) is False:
            rep.fail(f'.dockerignore lets {junk.split("/")[0]} into the build context')
    rep.ok('.dockerignore keeps node_modules, dist, .git, .env, coverage, data and .tools out')

    build, final = stages[0], stages[-1]
    runs = ' '.join(' '.join(c.value) for c in build['cmds'] if c.cmd == 'RUN')
    rep.check(
        'npm ci' in runs and 'tsc -p tsconfig.build.json' in runs,
        'build stage: npm ci, then tsc -p tsconfig.build.json',
    )
    tsb = json.loads((ROOT / 'tsconfig.build.json').read_text())
    copied = {s.rstrip('/') for c in build['cmds'] if c.cmd == 'COPY' and not _flag(c, 'from') for s in c.value[:-1]}
    rep.check(
        set(tsb.get('include', [])) <= copied and 'tsconfig.json' in copied,
        f'build stage copies every input of tsconfig.build.json ({", ".join(tsb.get("include", []))})',
    )
    all_runs = ' '.join(' '.join(c.value) for s in stages for c in s['cmds'] if c.cmd == 'RUN')
    rep.check('npm ci --omit=dev' in all_runs, 'the runtime dependencies come from npm ci --omit=dev')
    _check_runtime_stage(rep, final)


def _check_runtime_stage(rep: Report, final: dict[str, Any]) -> None:
    cmds = final['cmds']
    dests = set()
    for c in (c for c in cmds if c.cmd == 'COPY'):
        dest = c.value[-1].removeprefix('./')
        into_dir = dest.endswith('/') or dest in ('', '.')
        if into_dir:
            dests.update(s.rstrip('/').rsplit('/', 1)[-1] for s in c.value[:-1])
        else:
            dests.add(dest.rstrip('/'))
    # Folders the service reads at run time: every join(PROJECT_ROOT, '<dir>', ...) in src/.
    runtime_dirs = set()
    for ts in (ROOT / 'src').rglob('*.ts'):
        runtime_dirs.update(re.findall(r"join\(PROJECT_ROOT,\s*'([^']+)'", ts.read_text(encoding='utf-8')))
    need = {'dist', 'node_modules', 'package.json'} | runtime_dirs
    rep.check(
        need <= dests,
        f'runtime stage copies {", ".join(sorted(need))} '
        f'(run-time reads found in src/: {", ".join(sorted(runtime_dirs))})',
        f'missing {sorted(need - dests)}',
    )
    user = [c.value[0] for c in cmds if c.cmd == 'USER']
    uid = user[-1].split(':')[0] if user else 'root'
    rep.check(
        uid.isdigit() and uid != '0',
        f'runs as a numeric non-root user ({user[-1] if user else "root"}), so runAsNonRoot can verify it',
    )
    exposed = [p for c in cmds if c.cmd == 'EXPOSE' for p in c.value]
    rep.check('8000' in exposed, 'EXPOSE 8000')
    hc = [c for c in cmds if c.cmd == 'HEALTHCHECK']
    rep.check(
        bool(hc) and hc[-1].value[0] == 'CMD' and hc[-1].value[1] == 'node' and '/health' in ' '.join(hc[-1].value),
        'HEALTHCHECK probes /health with node (no curl in the slim image)',
    )
    cmd = [c for c in cmds if c.cmd == 'CMD']
    rep.check(
        bool(cmd) and cmd[-1].json and list(cmd[-1].value) == ['node', 'dist/src/main.js'],
        'CMD ["node","dist/src/main.js"] in exec form (node is PID 1 and gets SIGTERM)',
    )
    ts = json.loads((ROOT / 'tsconfig.json').read_text())['compilerOptions']
    rep.check(
        ts.get('outDir') == 'dist' and ts.get('rootDir') == '.' and (ROOT / 'src' / 'main.ts').is_file(),
        'dist/src/main.js is what tsc makes of src/main.ts (outDir dist, rootDir .)',
    )
    env = {c.value[i]: c.value[i + 1] for c in cmds if c.cmd == 'ENV' for i in range(0, len(c.value), 2)}
    known = set(read_config_keys()) | PENDING_KEYS
    rep.check(
        set(env) <= known | {'npm_config_ignore_scripts'},
        f'ENV sets only known config keys ({", ".join(sorted(env))})',
        str(sorted(set(env) - known)),
    )
    rep.check(
        not any(re.search(r'PASSWORD|SECRET|TOKEN|DATABASE_URL', k) for k in env), 'no credential baked into the image'
    )
    vols = [v for c in cmds if c.cmd == 'VOLUME' for v in c.value]
    rep.check(
        env.get('PGLITE_DATA_DIR', '').startswith('/data/') and '/data' in vols,
        'PGLITE_DATA_DIR lies in the /data volume (the one writable place with a read-only root)',
    )


def main() -> None:
    rep = Report('docker-check')
    print('docker-check: the container packaging, validated without a Docker engine')
    check_dockerfile(rep)
    check_compose(rep)
    check_workflow(rep)
    rep.skip(
        'docker build, docker run and docker compose up: no Docker engine here (the image is built by the '
        'CI workflow, .github/workflows/ci.yml)'
    )
    rep.finish()


if __name__ == '__main__':
    main()
