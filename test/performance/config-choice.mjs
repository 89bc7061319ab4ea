// Measures what reading the configuration costs at start, per schema library, on this service's
// own key table (64 keys: kinds, defaults, bounds, choices) and a production-like environment.
// Each sample is a fresh process: the time to import the library and declare every key, then the
// time of one parse. Rounds are interleaved (every candidate once per round) so that load from
// other work hits all alike; prints medians and 90th percentiles, and the load average.
// It chose the library (docs/adr/0006-configuration-schema.md).
//
// Run (after `make build`; zod and convict are not dependencies, install them for the run only):
//   npm install --no-save zod@4 convict@6 && node test/performance/config-choice.mjs
//   ROUNDS=31 node test/performance/config-choice.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// CONFIG_MODULE=/path/to/dist/src/config/config.js measures another build of the service's module.
const SERVICE = pathToFileURL(
  process.env.CONFIG_MODULE ?? join(ROOT, 'dist', 'src', 'config', 'config.js'),
).href;
const ROUNDS = Number(process.env.ROUNDS ?? 21);
const ENV = {
  NODE_ENV: 'production',
  PORT: '8000',
  DATABASE_URL: 'postgres://u:p@db:5432/app',
  REDIS_URL: 'redis://redis:6379',
  AUTH_JWT_SECRET: 's'.repeat(32),
  CURSOR_SECRET: 'c'.repeat(32),
  DB_POOL_MAX: '40',
  CACHE_ENABLED: 'false',
  WORKERS: '2',
  CORS_ALLOWED_ORIGINS: 'https://app.example.com',
};

// Each candidate: import the library and declare the keys (returns a parse function), in the child.
const CANDIDATES = {
  // The floor: a dynamic import of nothing.
  none: async () => () => ({}),
  // No library: a hand-written parse of each kind, as src/config/config.ts had before.
  'hand-written': async (keys) => (env) => plainParse(keys, env),
  envalid: async (keys) => {
    const { customCleanEnv, makeExactValidator, EnvError } = await import('envalid');
    const specs = Object.fromEntries(
      Object.entries(keys).map(([n, k]) => [
        n,
        { ...makeExactValidator(kindParser(k, (m) => new EnvError(m)))({}), default: typed(k) },
      ]),
    );
    return (env) => customCleanEnv(input(keys, env), specs, (c) => c, { reporter: () => {} });
  },
  convict: async (keys) => {
    const convict = (await import('convict')).default;
    const schema = Object.fromEntries(
      Object.entries(keys).map(([n, k]) => [
        n,
        { doc: k.doc, env: n, default: typed(k) ?? null, nullable: true, format: convictFormat(k) },
      ]),
    );
    return (env) => {
      const c = convict(schema, { env: input(keys, env), args: [] });
      c.validate({ allowed: 'strict' });
      return c.getProperties();
    };
  },
  'zod/mini': async (keys) => zodParse(await import('zod/mini'), keys),
  zod: async (keys) => zodParse(await import('zod'), keys),
  // This service's module as built: import src/config/config.ts, then one loadConfig().
  'service (dist)': async () => {
    const { loadConfig } = await import(SERVICE);
    return (env) => loadConfig(env);
  },
};

const input = (keys, env) =>
  Object.fromEntries(Object.keys(keys).flatMap((n) => (env[n] ? [[n, env[n]]] : [])));
const typed = (k) =>
  k.default === undefined
    ? undefined
    : k.kind === 'integer'
      ? Number(k.default)
      : k.kind === 'boolean'
        ? k.default === 'true'
        : k.default;

function kindParser(k, error) {
  if (k.kind === 'integer')
    return (raw) => {
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw.trim()) || n < k.min || n > k.max) throw error(`${raw}: bad integer`);
      return n;
    };
  if (k.kind === 'boolean')
    return (raw) => {
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      throw error(`${raw}: not a flag`);
    };
  if (k.kind === 'enum')
    return (raw) => {
      if (!k.values.includes(raw)) throw error(`${raw}: not a choice`);
      return raw;
    };
  if (k.kind === 'url')
    return (raw) => {
      if (!URL.canParse(raw)) throw error('not a URL');
      return raw;
    };
  return (raw) => raw;
}

function plainParse(keys, env) {
  const out = {};
  for (const [n, k] of Object.entries(keys)) {
    const raw = env[n] || undefined;
    out[n] = raw === undefined ? typed(k) : kindParser(k, (m) => new Error(m))(raw);
  }
  return out;
}

function convictFormat(k) {
  if (k.kind === 'integer') return (v) => v === null || (Number.isInteger(v) && v >= k.min && v <= k.max);
  if (k.kind === 'boolean') return 'Boolean';
  if (k.kind === 'enum') return k.values;
  return '*';
}

function zodParse(z, keys) {
  const bool = {
    truthy: ['true', '1', 'yes', 'on'],
    falsy: ['false', '0', 'no', 'off'],
    case: 'insensitive',
  };
  const kind = (k) =>
    k.kind === 'integer'
      ? z.pipe(
          z.string().check(z.regex(/^\s*-?\d+\s*$/)),
          z.pipe(z.transform(Number), z.int().check(z.gte(k.min), z.lte(k.max))),
        )
      : k.kind === 'boolean'
        ? z.stringbool(bool)
        : k.kind === 'enum'
          ? z.enum(k.values)
          : k.kind === 'url'
            ? z.string().check(z.refine((v) => URL.canParse(v)))
            : z.string();
  const schemas = Object.entries(keys).map(([n, k]) => [n, k, kind(k)]);
  return (env) => {
    const out = {};
    for (const [n, k, schema] of schemas) {
      const raw = env[n] || undefined;
      out[n] = raw === undefined ? typed(k) : schema.parse(raw);
    }
    return out;
  };
}

async function child(name, keysFile) {
  const keys = JSON.parse(readFileSync(keysFile, 'utf8'));
  const t0 = performance.now();
  const parse = await CANDIDATES[name](keys);
  const t1 = performance.now();
  parse(ENV);
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ importMs: t1 - t0, parseMs: t2 - t1 }));
}

async function installed(name) {
  if (name === 'service (dist)')
    return import(SERVICE).then(
      () => true,
      () => false,
    );
  const lib = { envalid: 'envalid', convict: 'convict', 'zod/mini': 'zod/mini', zod: 'zod' }[name];
  return (
    lib === undefined ||
    import(lib).then(
      () => true,
      () => false,
    )
  );
}

async function parent() {
  const { keyTable } = await import(
    pathToFileURL(join(ROOT, 'dist', 'src', 'config', 'config-keys.js')).href
  );
  const keysFile = join(mkdtempSync(join(tmpdir(), 'config-choice-')), 'keys.json');
  writeFileSync(keysFile, JSON.stringify(keyTable()));
  const names = [];
  for (const name of Object.keys(CANDIDATES)) {
    if (await installed(name)) names.push(name);
    else console.log(`skipped ${name}: not installed (see the header of this file)`);
  }
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const load = loadavg()[0];
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, keysFile], {
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`${name}: ${run.stderr}`);
      samples[name].push(JSON.parse(run.stdout));
    }
  }
  const q = (rows, key, p) => {
    const v = rows.map((r) => r[key]).sort((a, b) => a - b);
    return v[Math.floor((v.length - 1) * p)].toFixed(1).padStart(6);
  };
  console.log(
    `node ${process.version}, ${ROUNDS} rounds, ${Object.keys(JSON.parse(readFileSync(keysFile, 'utf8'))).length} keys`,
  );
  console.log('candidate        import+declare ms (median, p90)   one parse ms (median, p90)');
  for (const name of names) {
    const rows = samples[name];
    console.log(
      `${name.padEnd(16)} ${q(rows, 'importMs', 0.5)} ${q(rows, 'importMs', 0.9)}                     ${q(rows, 'parseMs', 0.5)} ${q(rows, 'parseMs', 0.9)}`,
    );
  }
  console.log(`load average: ${load.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end`);
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await parent();
