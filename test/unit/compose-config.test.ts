/**
 * The environments that start the service outside Kubernetes pass its own configuration loader:
 * each service of docker-compose.yml built from this repository (as `docker compose up` gives it,
 * with no variable set) and the image smoke run of the CI workflow. Neither may fail at start
 * (a missing credential for AUTH_MODE=required restarts the container forever).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { PROJECT_ROOT } from '../../src/config/paths.js';
import { weakness } from '../../src/config/secret-strength.js';

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile_inline?: string };
  environment?: Record<string, string | number | boolean>;
}

/** Compose's interpolation with no variable set: ${VAR:-default}, ${VAR-default}, $$. */
function interpolate(text: string): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?::?-([^}]*))?\}/g,
    (whole, name: string | undefined, fallback?: string) => {
      if (whole === '$$') return '$';
      if (fallback === undefined)
        throw new Error(`\${${name}} has no default: docker compose up needs it set`);
      return fallback;
    },
  );
}

function composeServices(): Record<string, ComposeService> {
  const text = readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
  const doc = parse(text, { merge: true }) as { services: Record<string, ComposeService> };
  return doc.services;
}

/** The services that run this repository's Dockerfile. */
function apiServices(): [string, Record<string, string>][] {
  return Object.entries(composeServices())
    .filter(([, s]) => s.build?.context === '.' && s.build.dockerfile_inline === undefined)
    .map(([name, s]) => [
      name,
      Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))])),
    ]);
}

/** `-e NAME=value` of the smoke run's `docker run` in the CI workflow. */
function ciSmokeEnv(): Record<string, string> {
  const workflow = parse(readFileSync(join(PROJECT_ROOT, '.github', 'workflows', 'ci.yml'), 'utf8')) as {
    jobs: Record<string, { steps: { name?: string; run?: string }[] }>;
  };
  const step = Object.values(workflow.jobs)
    .flatMap((j) => j.steps)
    .find((s) => s.run?.includes('docker run') && s.name?.startsWith('Smoke run'));
  if (!step?.run) throw new Error('no smoke run step with docker run in .github/workflows/ci.yml');
  const env: Record<string, string> = {};
  for (const m of step.run.matchAll(/-e ([A-Z_]+)=('([^']*)'|(\S+))/g)) env[m[1]!] = m[3] ?? m[4]!;
  return env;
}

describe('environments that start the service outside Kubernetes', () => {
  test('when docker-compose.yml is read, then it holds the api services of every profile', () => {
    expect(apiServices().map(([name]) => name)).toEqual(['api', 'api-pgbouncer', 'api-oracle']);
  });

  test.each(apiServices())(
    'when the compose service %s starts with no variable set, then loadConfig accepts its environment',
    (_name, env) => {
      const config = loadConfig(env);
      expect(config.auth.mode).toBe('required');
      expect(config.nodeEnv).toBe('development');
    },
  );

  test('when the CI image job runs the image, then loadConfig accepts the smoke run environment and it authenticates with an API key', () => {
    const env = ciSmokeEnv();
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['CURSOR_SECRET', 'AUTH_API_KEYS']));
    const config = loadConfig(env);
    expect(config.auth.mode).toBe('required');
  });

  test('when the documented development and CI keys are presented, then they are strong enough and match the configured hashes', () => {
    const keyOf = (file: string) =>
      /X-API-Key: ([\w-]+)/.exec(readFileSync(join(PROJECT_ROOT, file), 'utf8'))?.[1];
    const cases: [string | undefined, Record<string, string>][] = [
      [keyOf('docker-compose.yml'), apiServices()[0]![1]],
      [keyOf('.github/workflows/ci.yml'), ciSmokeEnv()],
    ];
    for (const [key, env] of cases) {
      expect(key).toBeDefined();
      expect(weakness(key!)).toBeUndefined();
      const hashes = (JSON.parse(env.AUTH_API_KEYS!) as { sha256: string }[]).map((k) => k.sha256);
      expect(hashes).toContain(createHash('sha256').update(key!).digest('hex'));
    }
  });

  test('when a compose credential has no development default, then the check names it', () => {
    expect(() => interpolate('${AUTH_JWT_SECRET}')).toThrow(/AUTH_JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'development' })).toThrow(/AUTH_MODE/);
  });
});
