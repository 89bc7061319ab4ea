// The benchmark harness (issue #7): the service next to bare baselines, interleaved, in one run,
// on the same machine, PostgreSQL and Redis. See docs/performance.md for what each path and
// baseline is. Needs `make build` first (the service runs as dist/src/main.js).
//   node test/performance/bench/run.mjs full    every path, then the 80/20 mix (make bench)
//   node test/performance/bench/run.mjs smoke   the same, seconds long, no docs (make bench-smoke)
//   node test/performance/bench/run.mjs mix     only the 80/20 mix at BENCH_RATE (make bench-mix)
//   node test/performance/bench/run.mjs soak    the mix for BENCH_SOAK_DURATION s, RSS sampled (make bench-soak)
//   node test/performance/bench/run.mjs peak    k6's peak-test.js against the service with 2 workers (make bench-peak)
// full and smoke also run k6's load-test.js (the binary: K6, else `k6` on the PATH; make installs it)
// against the service, and in full against the baseline too (BENCH_K6_DURATION=0: no k6).
// --docs rewrites the bench block of docs/performance.md and its charts in docs/img/.
// BENCH_COMPARE_NODE=<node binary> compares two runtimes instead of service and baseline.
// Writes .reports/bench/<mode>-<timestamp>.json and prints its path last.
/* global fetch */
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { TextEncoder } from 'node:util';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import pg from 'pg';
import { recordJson } from './record-json.mjs';
import { K6, mixResult, peakResult, runK6 } from './k6.mjs';
import { writeDocs, writeSoakDocs } from './report.mjs';
import { medianBy } from './stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const REPORTS = join(ROOT, '.reports', 'bench');
const mode = process.argv[2] ?? 'full';
if (!['full', 'smoke', 'mix', 'soak', 'peak'].includes(mode)) {
  console.error(`usage: run.mjs full|smoke|mix|soak|peak [--docs]`);
  process.exit(2);
}
const writeDocsToo = process.argv.includes('--docs');
const smoke = mode === 'smoke';
const num = (name, full, small) => {
  const raw = process.env[name];
  if (raw !== undefined && raw !== '') return Number(raw);
  return smoke ? small : full;
};
const S = {
  databaseUrl: process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
  duration: num('BENCH_DURATION', 5, 0.5),
  warmup: num('BENCH_WARMUP', 1, 0.2),
  rounds: num('BENCH_ROUNDS', 3, 1),
  concurrency: num('BENCH_CONCURRENCY', 16, 4),
  bulkItems: num('BENCH_BULK_ITEMS', 500, 50),
  bulkConcurrency: num('BENCH_BULK_CONCURRENCY', 2, 2),
  rate: num('BENCH_RATE', 1000, 100),
  mixDuration: num('BENCH_MIX_DURATION', 10, 1),
  soakDuration: num('BENCH_SOAK_DURATION', 600, 600),
  soakSampleS: num('BENCH_SOAK_SAMPLE', 5, 5),
  users: num('BENCH_USERS', 100, 10),
  recordsPerUser: num('BENCH_RECORDS_PER_USER', 50, 5),
  hotIds: num('BENCH_HOT_IDS', 200, 20),
  logLevel: process.env.BENCH_LOG_LEVEL || 'info',
  // WORKERS of every service instance (1: one process, as before; 0: one per core).
  workers: process.env.BENCH_WORKERS || '1',
  // k6's load-test.js after the mix (full: service and baseline; smoke: the service, times relaxed).
  k6Duration: num('BENCH_K6_DURATION', 20, 3),
  k6Rate: num('BENCH_K6_RATE', 1000, 50),
  // k6's peak-test.js (make bench-peak): the service with this many workers.
  peakRate: num('BENCH_PEAK_RATE', 5000, 5000),
  peakDuration: num('BENCH_PEAK_DURATION', 30, 30),
  recoveryRate: num('BENCH_RECOVERY_RATE', 1000, 1000),
  recoveryDuration: num('BENCH_RECOVERY_DURATION', 10, 10),
  peakWorkers: num('BENCH_PEAK_WORKERS', 2, 2),
};
// Extra node options for the service processes, e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof
// --cpu-prof-dir=.reports/bench/prof" to see where a path spends its time (with BENCH_PATHS=post
// to measure one path, and BENCH_MIX_DURATION=0 to skip the mix).
// The Node.js that runs the service and the baselines (default: the one running this harness),
// e.g. BENCH_NODE=/usr/bin/node to measure another runtime with the same harness and load generator.
const NODE = process.env.BENCH_NODE || process.execPath;
const NODE_VERSION = execFileSync(NODE, ['-p', 'process.version']).toString().trim();
// BENCH_COMPARE_NODE=/usr/bin/node: the "baseline" side of every measurement is the same service
// on that other Node.js (the same instances: L1, L2 only, cache off), interleaved round by round,
// so the ratio is service on BENCH_NODE ÷ service on BENCH_COMPARE_NODE (docs/performance.md).
const COMPARE_NODE = process.env.BENCH_COMPARE_NODE || undefined;
const COMPARE_VERSION = COMPARE_NODE
  ? execFileSync(COMPARE_NODE, ['-p', 'process.version']).toString().trim()
  : undefined;
const SERVICE_ARGS = [
  ...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
  'dist/src/main.js',
];
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
const tag = randomBytes(3).toString('hex');
const schema = `bench_${tag}`;
const prefix = `bench-${tag}:`;
const secret = randomBytes(32).toString('hex');
const log = (...args) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

// ---------------------------------------------------------------- processes

const children = [];

async function freePort() {
  const server = createServer();
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

function startProcess(name, args, env, node = NODE) {
  mkdirSync(join(REPORTS, 'logs'), { recursive: true });
  const logFile = join(REPORTS, 'logs', `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(node, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.name = name;
  child.logFile = logFile;
  child.on('exit', (code, signal) => {
    if (!child.stopping) console.error(`[bench] ${name} exited (${code ?? signal}); see ${logFile}`);
  });
  children.push(child);
  return child;
}

function serviceEnv(port, extra) {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    // PostgreSQL and Redis on loopback here: no TLS to verify (logged at start).
    TLS_EXEMPT: 'database,redis',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: S.logLevel,
    WORKERS: S.workers,
    DATABASE_URL: S.databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: S.redisUrl,
    REDIS_KEY_PREFIX: prefix,
    CURSOR_SECRET: secret,
    AUTH_MODE: 'required',
    AUTH_JWT_SECRET: secret,
    // On, but above what one benchmark user sends (the contract's maximum budget).
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_READ_PER_MINUTE: '1000000',
    RATE_LIMIT_WRITE_PER_MINUTE: '1000000',
    CACHE_WARM_USERS: '0',
    ...extra,
  };
}

async function waitHttp(port, path, want = 200, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      await res.arrayBuffer();
      if (res.status === want) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`port ${port}${path} not ${want} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

let loadgen;
let jobId = 0;
const pending = new Map();
function startLoadgen() {
  loadgen = fork(join(HERE, 'loadgen.mjs'), [], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  loadgen.name = 'loadgen';
  loadgen.on('message', (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  });
  children.push(loadgen);
}
function load(job) {
  const id = ++jobId;
  return new Promise((ok, fail) => {
    pending.set(id, { resolve: ok, reject: fail });
    loadgen.send({ type: 'run', id, job: { host: '127.0.0.1', warmupMs: 0, pick: 'cycle', ...job } });
  });
}

async function stopAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.stopping = true;
      child.kill('SIGTERM');
    }
  }
  const deadline = Date.now() + 15_000;
  for (const child of children) {
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(50);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- data and facts

async function seed(admin) {
  const readers = Array.from({ length: S.users }, (_, i) => `bench-r${String(i).padStart(4, '0')}`);
  const writers = Array.from(
    { length: Math.max(4, S.users / 5) },
    (_, i) => `bench-w${String(i).padStart(4, '0')}`,
  );
  // Payloads like the walk-through's, a little bigger; created_at spread over the past. Ids are
  // UUIDv7 carrying their created_at, as the service makes them (the repository reads the
  // partition of a record from its id's time).
  await admin.query(
    `INSERT INTO ${schema}.records (id, user_id, payload, created_at, updated_at, version)
     SELECT (lpad(to_hex((extract(epoch FROM t.ts) * 1000)::bigint), 12, '0') || '7'
             || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
            u.user_id,
            jsonb_build_object('name', 'João', 'age', 30 + n % 40, 'n', n, 'tags', jsonb_build_array('a', 'b'),
                               'note', repeat('x', 40)),
            t.ts, t.ts, 1
     FROM unnest($1::text[]) AS u(user_id), generate_series(1, $2::int) AS n,
          LATERAL (SELECT date_trunc('milliseconds', now() - (n || ' seconds')::interval) AS ts) AS t`,
    [readers, S.recordsPerUser],
  );
  await admin.query(`ANALYZE ${schema}.records`);
  const rows = (
    await admin.query(`SELECT id::text, user_id FROM ${schema}.records ORDER BY user_id, created_at DESC`)
  ).rows;
  return { readers, writers, records: rows };
}

async function tokens(users) {
  const key = new TextEncoder().encode(secret);
  const out = {};
  for (const sub of users) {
    out[sub] = await new SignJWT({ scope: 'data:read data:write' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(sub)
      .setIssuer('data-api')
      .setAudience('data-api')
      .setIssuedAt()
      .setExpirationTime('3h')
      .sign(key);
  }
  return out;
}

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

async function facts(admin, redis) {
  const cpus = os.cpus();
  const info = await redis.info('server');
  return {
    git: {
      commit: sh('git', ['rev-parse', 'HEAD']),
      dirty: (sh('git', ['status', '--porcelain']) ?? '') !== '',
    },
    machine: {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      os: `${os.type()} ${os.release()}`,
      load_average_start: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    versions: {
      node: NODE_VERSION,
      ...(COMPARE_VERSION ? { compare_node: COMPARE_VERSION } : {}),
      postgres: (await admin.query('SHOW server_version')).rows[0].server_version,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      k6: /^k6 (v\S+)/.exec(sh(K6, ['version']) ?? '')?.[1] ?? null,
    },
  };
}

// ---------------------------------------------------------------- scenarios

const PAYLOAD = { name: 'João', age: 30, tags: ['a', 'b'], note: 'x'.repeat(40) };

function auth(token) {
  return { authorization: `Bearer ${token}` };
}

/** Every measured path: the service's targets on one instance, the baseline's on the bare server. */
function paths(data, tok) {
  const byUser = new Map();
  for (const r of data.records) {
    if (!byUser.has(r.user_id)) byUser.set(r.user_id, []);
    byUser.get(r.user_id).push(r.id);
  }
  // A hot set spread over every reader: each id comes back well within the L1 life (5 s).
  const hot = [];
  for (let i = 0; hot.length < S.hotIds && i < S.recordsPerUser; i++) {
    for (const u of data.readers) if (hot.length < S.hotIds) hot.push({ id: byUser.get(u)[i], user: u });
  }
  const get = (prefixPath) =>
    hot.map(({ id, user }) => ({ method: 'GET', path: `${prefixPath}${id}`, headers: auth(tok[user]) }));
  const list = (fn) => data.readers.map((u) => ({ method: 'GET', path: fn(u), headers: auth(tok[u]) }));
  const postBody = (u) => JSON.stringify({ user_id: u, payload: PAYLOAD });
  const json = { 'content-type': 'application/json' };
  const posts = (path) =>
    data.writers.map((u) => ({
      method: 'POST',
      path,
      headers: { ...auth(tok[u]), ...json },
      body: postBody(u),
      expect: [201],
    }));
  // The baseline's COPY answers a count, so the service is asked for its minimal answer too:
  // the ids and their count (Prefer: return=minimal).
  const bulk = (path) =>
    data.writers.slice(0, 4).map((u) => ({
      method: 'POST',
      path,
      headers: { ...auth(tok[u]), ...json, prefer: 'return=minimal' },
      body: JSON.stringify({
        items: Array.from({ length: S.bulkItems }, () => ({ user_id: u, payload: PAYLOAD })),
      }),
      expect: [201],
      rows: S.bulkItems,
    }));
  const c = S.concurrency;
  return [
    {
      id: 'get-l1',
      name: 'GET /data/{id}, L1 hit',
      instance: 'main',
      service: get('/data/'),
      baselineName: '(a) cached bytes from Redis',
      baseline: get('/a/record/'),
      target: 1.0,
      concurrency: c,
    },
    {
      id: 'get-l2',
      name: 'GET /data/{id}, L2 hit',
      instance: 'l2',
      service: get('/data/'),
      baselineName: '(a) cached bytes from Redis',
      baseline: get('/a/record/'),
      target: 0.7,
      concurrency: c,
    },
    {
      id: 'get-db',
      name: 'GET /data/{id}, database',
      instance: 'db',
      service: get('/data/'),
      baselineName: '(d) findRecordById',
      baseline: get('/d/record/'),
      target: null,
      concurrency: c,
    },
    {
      id: 'list-l1',
      name: 'GET /data?user_id= first page, L1 hit',
      instance: 'main',
      service: list((u) => `/data?user_id=${u}`),
      baselineName: '(a) cached page bytes from Redis',
      baseline: list((u) => `/a/page/${u}`),
      target: null,
      concurrency: c,
    },
    {
      id: 'list-l2',
      name: 'GET /data?user_id= first page, L2 hit',
      instance: 'l2',
      service: list((u) => `/data?user_id=${u}`),
      baselineName: '(a) cached page bytes from Redis',
      baseline: list((u) => `/a/page/${u}`),
      target: null,
      concurrency: c,
    },
    {
      id: 'list-db',
      name: 'GET /data?user_id= first page, database',
      instance: 'db',
      service: list((u) => `/data?user_id=${u}`),
      baselineName: '(b) listRecordsByUser',
      baseline: list((u) => `/b/list?user_id=${u}&limit=20`),
      target: 0.8,
      concurrency: c,
    },
    {
      id: 'post',
      name: 'POST /data',
      instance: 'main',
      service: posts('/data'),
      baselineName: '(c) insertRecord',
      baseline: posts('/c/data'),
      target: 0.8,
      concurrency: c,
    },
    {
      id: 'bulk',
      name: `POST /data/bulk (${S.bulkItems} items), rows/s`,
      instance: 'main',
      service: bulk('/data/bulk'),
      baselineName: 'COPY of the same rows',
      baseline: bulk('/c/copy'),
      target: 0.5,
      concurrency: S.bulkConcurrency,
      metric: 'rows_per_s',
    },
  ];
}

/** The 80/20 mix of the k6 script (test/performance/load-test.js), for the service and its baseline. */
function mixTargets(data, tok, side) {
  const json = { 'content-type': 'application/json' };
  const out = [];
  // Reads spread over every seeded record: a realistic blend of L1 and L2 hits.
  const gets = data.records.map((r) => ({
    label: 'GET /data/{id}',
    method: 'GET',
    path: side === 'service' ? `/data/${r.id}` : `/a/record/${r.id}`,
    headers: auth(tok[r.user_id]),
    weight: 60 / data.records.length,
  }));
  const lists = data.readers.map((u) => ({
    label: 'GET /data?user_id=',
    method: 'GET',
    path: side === 'service' ? `/data?user_id=${u}` : `/a/page/${u}`,
    headers: auth(tok[u]),
    weight: 20 / data.readers.length,
  }));
  // Writes by the same users: their cached first pages are invalidated as in production.
  const posts = data.readers.map((u) => ({
    label: 'POST /data',
    method: 'POST',
    path: side === 'service' ? '/data' : '/c/data',
    headers: { ...auth(tok[u]), ...json },
    body: JSON.stringify({ user_id: u, payload: PAYLOAD }),
    expect: [201],
    weight: 20 / data.readers.length,
  }));
  out.push(...gets, ...lists, ...posts);
  return out;
}

// ---------------------------------------------------------------- main

async function main() {
  mkdirSync(REPORTS, { recursive: true });
  try {
    readFileSync(join(ROOT, 'dist/src/main.js'));
  } catch {
    throw new Error('dist/src/main.js is missing: run `make build` first');
  }
  const admin = new pg.Client({ connectionString: S.databaseUrl });
  await admin.connect();
  const redis = new Redis(S.redisUrl, { maxRetriesPerRequest: 1 });
  // Whatever happens (an error, Ctrl-C): stop the processes, drop the schema and the Redis keys.
  cleanupSteps = async () => {
    await stopAll();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((err) => console.error(err));
    await admin.end().catch(() => undefined);
    await deletePrefix(redis).catch((err) => console.error(err));
    redis.disconnect();
  };
  const started = new Date();
  const report = {
    kind: mode,
    started_at: started.toISOString(),
    ...(await facts(admin, redis)),
    settings: { ...S, databaseUrl: redact(S.databaseUrl), redisUrl: redact(S.redisUrl) },
  };
  log(`mode ${mode}, schema ${schema}, Redis prefix ${prefix}`);
  try {
    const ports = {
      main: await freePort(),
      l2: await freePort(),
      db: await freePort(),
      base: await freePort(),
    };
    // The configuration of production: L1 in front of L2. L2 only: an L1 of one entry living
    // 1 ms never serves (X-Cache tells). No cache at all: every read goes to PostgreSQL.
    // The peak: WORKERS processes, authentication off (no token to verify: the load is the mix's
    // work), the per-user budgets as raised as above.
    // SHED_EVENT_LOOP_LAG_MS, SHED_POOL_WAIT_MS and MAX_REQUESTS_IN_FLIGHT pass through, to compare bounds.
    const peakEnv = {
      WORKERS: String(S.peakWorkers),
      NODE_ENV: 'development',
      AUTH_MODE: 'none',
      ...Object.fromEntries(
        ['SHED_EVENT_LOOP_LAG_MS', 'SHED_POOL_WAIT_MS', 'MAX_REQUESTS_IN_FLIGHT']
          .filter((k) => process.env[k] !== undefined)
          .map((k) => [k, process.env[k]]),
      ),
    };
    const instanceEnv = {
      main: mode === 'peak' ? peakEnv : {},
      l2: { CACHE_L1_MAX_ENTRIES: '1', CACHE_L1_TTL_MS: '1' },
      db: { CACHE_ENABLED: 'false' },
    };
    const instances = {
      main: startProcess('service-main', SERVICE_ARGS, serviceEnv(ports.main, instanceEnv.main)),
    };
    // The main instance migrates first; the others find the schema ready.
    await waitHttp(ports.main, '/ready');
    if (mode === 'full' || mode === 'smoke') {
      instances.l2 = startProcess('service-l2', SERVICE_ARGS, serviceEnv(ports.l2, instanceEnv.l2));
      instances.db = startProcess('service-db', SERVICE_ARGS, serviceEnv(ports.db, instanceEnv.db));
    }
    // The same instances on the other runtime, when runtimes are compared (BENCH_COMPARE_NODE).
    const other = {};
    if (COMPARE_NODE) {
      for (const [k, child] of Object.entries(instances)) {
        ports[`${k}B`] = await freePort();
        other[k] = startProcess(
          `${child.name}-b`,
          SERVICE_ARGS,
          serviceEnv(ports[`${k}B`], instanceEnv[k]),
          COMPARE_NODE,
        );
      }
    }
    const baseline =
      mode === 'peak'
        ? undefined
        : startProcess('baseline', [join(HERE, 'baseline-server.mjs')], {
            PATH: process.env.PATH,
            PORT: String(ports.base),
            DATABASE_URL: S.databaseUrl,
            DATABASE_SCHEMA: schema,
            REDIS_URL: S.redisUrl,
            REDIS_KEY_PREFIX: prefix,
          });
    await Promise.all([
      ...Object.keys(instances).map((k) => waitHttp(ports[k], '/ready')),
      ...Object.keys(other).map((k) => waitHttp(ports[`${k}B`], '/ready')),
      ...(baseline ? [waitHttp(ports.base, '/health')] : []),
    ]);
    const data = await seed(admin);
    const tok = await tokens([...data.readers, ...data.writers]);
    if (baseline) await baselineKeys(admin, redis, data, tok, ports.main);
    startLoadgen();
    const port = (side, path) =>
      side === 'service' ? ports[path.instance] : COMPARE_NODE ? ports[`${path.instance}B`] : ports.base;
    const targetsOf = (side, path) => (side === 'service' || COMPARE_NODE ? path.service : path.baseline);

    if (mode === 'full' || mode === 'smoke') {
      // BENCH_PATHS=post,bulk measures only those paths (with a profiler attached, say).
      const only = (process.env.BENCH_PATHS ?? '').split(',').filter(Boolean);
      const all = paths(data, tok).filter((p) => only.length === 0 || only.includes(p.id));
      const results = Object.fromEntries(all.map((p) => [p.id, { service: [], baseline: [] }]));
      for (let round = 0; round < S.rounds; round++) {
        for (const path of all) {
          const order = round % 2 === 0 ? ['service', 'baseline'] : ['baseline', 'service'];
          for (const side of order) {
            // Every read key is present before each measurement (L2 entries live 300 s): one pass
            // through the service instance fills what expired, then the measurement warms up.
            if (!path.service[0].body) {
              await prime(ports[path.instance], path.service);
            }
            const r = await load({
              port: port(side, path),
              mode: 'closed',
              concurrency: path.concurrency,
              warmupMs: S.warmup * 1000,
              durationMs: S.duration * 1000,
              targets: targetsOf(side, path),
            });
            results[path.id][side].push(r);
            const metric = path.metric ?? 'rps';
            log(
              `round ${round + 1}/${S.rounds} ${path.id.padEnd(8)} ${side.padEnd(8)} ${String(r[metric]).padStart(9)} ${metric === 'rps' ? 'req/s' : 'rows/s'}` +
                `  p99 ${r.latency_ms.p99} ms  errors ${r.errors}` +
                (Object.keys(r.x_cache).length ? `  x-cache ${JSON.stringify(r.x_cache)}` : ''),
            );
          }
        }
      }
      report.paths = all.map((p) => {
        const metric = p.metric ?? 'rps';
        const svc = medianBy(results[p.id].service, (r) => r[metric]);
        const base = medianBy(results[p.id].baseline, (r) => r[metric]);
        const ratio = base[metric] > 0 ? Math.round((svc[metric] / base[metric]) * 100) / 100 : null;
        return {
          id: p.id,
          name: p.name,
          baseline_name: p.baselineName,
          metric,
          concurrency: p.concurrency,
          service: { median: strip(svc), rounds: results[p.id].service.map(strip) },
          baseline: { median: strip(base), rounds: results[p.id].baseline.map(strip) },
          ratio,
          target: p.target,
          met: p.target === null ? null : ratio !== null && ratio >= p.target,
        };
      });
    }

    if ((mode === 'full' || mode === 'smoke' || mode === 'mix') && S.mixDuration > 0) {
      // Every record once through the service: it starts the mix with a warm cache, as a
      // long-running instance has.
      await prime(
        ports.main,
        mixTargets(data, tok, 'service').filter((t) => t.label === 'GET /data/{id}'),
      );
      const rounds = { service: [], baseline: [] };
      for (let round = 0; round < S.rounds; round++) {
        const order = round % 2 === 0 ? ['service', 'baseline'] : ['baseline', 'service'];
        for (const side of order) {
          const r = await load({
            port: side === 'service' ? ports.main : COMPARE_NODE ? ports.mainB : ports.base,
            mode: 'open',
            rate: S.rate,
            warmupMs: S.warmup * 1000,
            durationMs: S.mixDuration * 1000,
            pick: 'weighted',
            targets: mixTargets(data, tok, COMPARE_NODE ? 'service' : side),
          });
          rounds[side].push(r);
          await settle(side === 'service' ? ports.main : COMPARE_NODE ? ports.mainB : ports.base, '/health');
          log(
            `round ${round + 1}/${S.rounds} mix ${S.rate}/s ${side.padEnd(8)} p50 ${r.latency_ms.p50} p95 ${r.latency_ms.p95}` +
              ` p99 ${r.latency_ms.p99} max ${r.latency_ms.max} ms  ${r.rps} req/s  errors ${r.errors}  late ${r.late_sends}`,
          );
        }
      }
      const svc = medianBy(rounds.service, (r) => r.latency_ms.p99);
      const base = medianBy(rounds.baseline, (r) => r.latency_ms.p99);
      report.mix = {
        rate: S.rate,
        duration_s: S.mixDuration,
        shares: { 'GET /data/{id}': 60, 'GET /data?user_id=': 20, 'POST /data': 20 },
        service: { median: svc, rounds: rounds.service.map(strip) },
        baseline: { median: base, rounds: rounds.baseline.map(strip) },
        target: { p99_ms: 10, errors: 0 },
        met: svc.latency_ms.p99 <= 10 && rounds.service.every((r) => r.errors === 0),
      };
    }

    if ((mode === 'full' || mode === 'smoke') && S.k6Duration > 0) {
      report.k6 = await k6Mix(data, tok, ports);
    }

    if (mode === 'peak') {
      report.peak = await k6Peak(data, ports.main);
    }

    if (mode === 'soak') {
      const pid = instances.main.pid;
      await prime(
        ports.main,
        mixTargets(data, tok, 'service').filter((t) => t.label === 'GET /data/{id}'),
      );
      const samples = [];
      const t0 = Date.now();
      const sampler = setInterval(() => {
        samples.push({ t_s: Math.round((Date.now() - t0) / 100) / 10, rss_kib: rssKiB(pid) });
      }, S.soakSampleS * 1000);
      samples.push({ t_s: 0, rss_kib: rssKiB(pid) });
      log(`soak: ${S.soakDuration} s at ${S.rate}/s of the mix against pid ${pid}`);
      const r = await load({
        port: ports.main,
        mode: 'open',
        rate: S.rate,
        durationMs: S.soakDuration * 1000,
        pick: 'weighted',
        timelineMs: 60_000,
        targets: mixTargets(data, tok, 'service'),
      });
      clearInterval(sampler);
      samples.push({ t_s: Math.round((Date.now() - t0) / 100) / 10, rss_kib: rssKiB(pid) });
      report.soak = {
        rate: S.rate,
        duration_s: S.soakDuration,
        result: strip(r),
        timeline: r.timeline,
        rss: rssSummary(samples),
      };
      log(
        `soak: ${r.requests} requests, errors ${r.errors}, p99 ${r.latency_ms.p99} ms; RSS ${JSON.stringify(report.soak.rss.summary)}`,
      );
    }

    report.rss_kib_end = Object.fromEntries(
      [...Object.entries(instances), ...(baseline ? [['baseline', baseline]] : [])].map(([k, c]) => [
        k,
        rssKiB(c.pid),
      ]),
    );
  } finally {
    report.finished_at = new Date().toISOString();
    if (report.machine) report.machine.load_average_end = os.loadavg().map((x) => Math.round(x * 100) / 100);
    await cleanup();
  }
  const file = join(REPORTS, `${mode === 'full' ? 'bench' : `bench-${mode}`}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  if (writeDocsToo && mode === 'full') await writeDocs(report, ROOT);
  if (writeDocsToo && mode === 'soak') await writeSoakDocs(report, ROOT);
  printSummary(report);
  console.log(file);
}

/** The seeded users for k6 (DATA of test/performance/k6-mix.js): readers, their tokens and record ids. */
function k6Data(data, tok, withTokens = true) {
  const byUser = new Map(data.readers.map((u) => [u, []]));
  for (const r of data.records) byUser.get(r.user_id)?.push(r.id);
  const file = join(REPORTS, `k6-data-${tag}.json`);
  const users = data.readers.map((u) => ({
    id: u,
    token: withTokens ? tok[u] : null,
    records: byUser.get(u),
  }));
  writeFileSync(file, JSON.stringify({ users }));
  return file;
}

/**
 * k6's load-test.js at S.k6Rate for S.k6Duration s against the service (and, in full, against the
 * baseline: the same mix on its bare paths). The smoke keeps "no failed request, every check held"
 * and raises the times: it proves k6 and the script work, on whatever machine.
 */
async function k6Mix(data, tok, ports) {
  const dataFile = k6Data(data, tok);
  const sides = mode === 'full' ? (COMPARE_NODE ? ['service'] : ['service', 'baseline']) : ['service'];
  const relaxed = smoke ? { P50_MS: 2000, P95_MS: 5000, P99_MS: 10000 } : {};
  const out = {};
  for (const side of sides) {
    const run = await runK6({
      root: ROOT,
      reports: REPORTS,
      name: `${mode}-${side}-${stamp}`,
      script: 'test/performance/load-test.js',
      env: {
        BASE_URL: `http://127.0.0.1:${side === 'service' ? ports.main : ports.base}`,
        RATE: S.k6Rate,
        DURATION: `${S.k6Duration}s`,
        DATA: dataFile,
        ...(side === 'baseline' && { PATHS: 'baseline' }),
        ...relaxed,
      },
    });
    if (run.summary === null)
      throw new Error(`k6 (${side}) wrote no summary, exit ${run.code}; see ${run.logFile}`);
    out[side] = mixResult(run, { rate: S.k6Rate, durationS: S.k6Duration });
    await settle(side === 'service' ? ports.main : ports.base, '/health');
    const l = out[side].latency_ms;
    log(
      `k6 ${S.k6Rate}/s ${side.padEnd(8)} p50 ${l.p50} p95 ${l.p95} p99 ${l.p99} max ${l.max} ms  ` +
        `${out[side].achieved_rate} req/s  failed ${out[side].failed_rate}  exit ${run.code}` +
        (out[side].thresholds_crossed.length ? `  crossed: ${out[side].thresholds_crossed.join('; ')}` : ''),
    );
  }
  return { rate: S.k6Rate, duration_s: S.k6Duration, relaxed: smoke, ...out };
}

/** k6's peak-test.js against the service (WORKERS=S.peakWorkers, auth off), its cache warm. */
async function k6Peak(data, port) {
  // A service just started on a busy machine may shed the priming itself (its event loop is
  // behind while it compiles): another pass once it has settled.
  const reads = mixTargets(data, {}, 'service').filter((t) => t.label === 'GET /data/{id}');
  for (let attempt = 1; ; attempt++) {
    try {
      await prime(port, reads);
      break;
    } catch (err) {
      if (attempt === 5) throw err;
      await settle(port, '/health');
    }
  }
  const phases = [
    { name: 'peak', rate: S.peakRate, durationS: S.peakDuration },
    { name: 'recovery', rate: S.recoveryRate, durationS: S.recoveryDuration },
  ];
  log(
    `peak: ${S.peakRate}/s for ${S.peakDuration} s, then ${S.recoveryRate}/s for ${S.recoveryDuration} s, ` +
      `${S.peakWorkers} workers on :${port}`,
  );
  const run = await runK6({
    root: ROOT,
    reports: REPORTS,
    name: `peak-${stamp}`,
    script: 'test/performance/peak-test.js',
    env: {
      BASE_URL: `http://127.0.0.1:${port}`,
      DATA: k6Data(data, {}, false),
      PEAK_RATE: S.peakRate,
      PEAK_DURATION: `${S.peakDuration}s`,
      RECOVERY_RATE: S.recoveryRate,
      RECOVERY_DURATION: `${S.recoveryDuration}s`,
      ...Object.fromEntries(
        ['PEAK_P99_MS', 'RECOVERY_P99_MS', 'SHED_P99_MS', 'TIMEOUT', 'PRE_VUS', 'MAX_VUS']
          .filter((k) => process.env[k])
          .map((k) => [k, process.env[k]]),
      ),
    },
  });
  if (run.summary === null) throw new Error(`k6 wrote no summary, exit ${run.code}; see ${run.logFile}`);
  return { workers: S.peakWorkers, ...peakResult(run, phases) };
}

/**
 * The baseline's cached bytes, under plain keys without expiry: every seeded record serialized as
 * the service serializes it (checked against the service's answer for a few), and each user's
 * first page as the service answers it.
 */
async function baselineKeys(admin, redis, data, tok, port) {
  const rows = (
    await admin.query(
      `SELECT id::text, user_id, payload, created_at, updated_at, version FROM ${schema}.records`,
    )
  ).rows;
  const bytes = (r) => JSON.stringify(recordJson(r));
  for (let i = 0; i < rows.length; i += 500) {
    const batch = redis.pipeline();
    for (const r of rows.slice(i, i + 500)) batch.set(`${prefix}bench:record:${r.id}`, bytes(r));
    await batch.exec();
  }
  for (const r of rows.slice(0, 5)) {
    const res = await fetch(`http://127.0.0.1:${port}/data/${r.id}`, { headers: auth(tok[r.user_id]) });
    const text = await res.text();
    if (text !== bytes(r))
      throw new Error(`the baseline's bytes of ${r.id} differ from the service's: ${text}`);
  }
  for (const u of data.readers) {
    const res = await fetch(`http://127.0.0.1:${port}/data?user_id=${u}`, { headers: auth(tok[u]) });
    if (res.status !== 200) throw new Error(`GET /data?user_id=${u} answered ${res.status}`);
    await redis.set(`${prefix}bench:page:${u}`, Buffer.from(await res.arrayBuffer()));
  }
}

/**
 * After an open-loop round the server may still be working off a backlog (an overloaded run
 * leaves one): wait until /health answers quickly again, so the next round does not inherit it.
 */
async function settle(port, path) {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const t = performance.now();
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      await res.arrayBuffer();
      if (performance.now() - t < 20) return;
    } catch {
      /* busy */
    }
    await sleep(200);
  }
}

/** A URL without its password, for the report. */
function redact(url) {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** One pass over the read targets, so every key is in the cache before a measurement. */
async function prime(port, targets) {
  const r = await load({ port, mode: 'once', concurrency: 8, targets });
  if (r.errors) throw new Error(`priming :${port} failed: ${JSON.stringify(r.error_kinds)}`);
}

/** What the report keeps of a load result (the per-label detail only where it says something). */
function strip(r) {
  const { timeline: _timeline, ...rest } = r;
  return rest;
}

function rssSummary(samples) {
  const valid = samples.filter((s) => s.rss_kib !== null);
  // The first minute is warm-up (JIT, caches filling, pools opening): flatness is judged after it.
  const settled = valid.filter((s) => s.t_s >= Math.min(60, S.soakDuration / 4));
  const values = settled.map((s) => s.rss_kib).sort((a, b) => a - b);
  const median = values[Math.floor((values.length - 1) / 2)] ?? 0;
  const min = values[0] ?? 0;
  const max = values[values.length - 1] ?? 0;
  const head = settled.slice(0, Math.max(1, Math.floor(settled.length / 10)));
  const tail = settled.slice(-Math.max(1, Math.floor(settled.length / 10)));
  const mean = (xs) => xs.reduce((s, x) => s + x.rss_kib, 0) / Math.max(1, xs.length);
  const deviation = median ? Math.max(max - median, median - min) / median : 0;
  return {
    samples: valid,
    summary: {
      start_kib: valid[0]?.rss_kib ?? null,
      min_kib: min,
      median_kib: median,
      max_kib: max,
      // Largest distance from the median after warm-up, and the last tenth against the first.
      max_deviation_pct: Math.round(deviation * 1000) / 10,
      drift_pct: Math.round(((mean(tail) - mean(head)) / Math.max(1, mean(head))) * 1000) / 10,
      flat: deviation <= 0.1,
    },
  };
}

async function deletePrefix(redis) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

function printSummary(report) {
  for (const [side, r] of Object.entries(report.k6 ?? {})) {
    if (!r?.latency_ms) continue;
    const l = r.latency_ms;
    console.log(
      `k6 ${r.offered_rate}/s ${side}: p50 ${l.p50} p95 ${l.p95} p99 ${l.p99} max ${l.max} ms, ` +
        `${r.achieved_rate} req/s, failed ${r.failed_rate}, exit ${r.exit_code}`,
    );
  }
  if (report.peak) {
    for (const [name, p] of Object.entries(report.peak.phases)) {
      const a = p.answered_ms ?? {};
      console.log(
        `${name} ${p.offered_rate}/s for ${p.duration_s} s: ${p.requests} requests (${p.achieved_rate}/s); answered p50 ${a.p50} ` +
          `p95 ${a.p95} p99 ${a.p99} max ${a.max} ms; shed ${p.shed} (p99 ${p.shed_ms?.p99 ?? '—'} ms); ` +
          `other 5xx ${p.other_5xx}, timeouts ${p.timeouts}, other failures ${p.other_failures}, dropped ${p.dropped_iterations}`,
      );
    }
    console.log(
      `peak: k6 exit ${report.peak.exit_code}, dropped iterations ${report.peak.dropped_iterations}` +
        (report.peak.thresholds_crossed.length
          ? `, crossed: ${report.peak.thresholds_crossed.join('; ')}`
          : ''),
    );
  }
  for (const p of report.paths ?? []) {
    const m = p.metric;
    console.log(
      `${p.name.padEnd(44)} ${String(p.service.median[m]).padStart(9)} vs ${String(p.baseline.median[m]).padStart(9)}` +
        `  ratio ${String(p.ratio).padEnd(5)} target ${p.target ?? '—'} ${p.met === null ? '' : p.met ? 'met' : 'MISSED'}`,
    );
  }
  if (report.mix) {
    const s = report.mix.service.median.latency_ms;
    console.log(
      `mix ${report.mix.rate}/s: p50 ${s.p50} p95 ${s.p95} p99 ${s.p99} max ${s.max} ms, errors ${report.mix.service.median.errors}` +
        ` (target p99 ≤ 10 ms, 0 errors: ${report.mix.met ? 'met' : 'MISSED'})`,
    );
  }
}

let cleanupSteps = stopAll;
let cleaning;
function cleanup() {
  cleaning ??= cleanupSteps();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`[bench] ${signal}: stopping the processes started here, dropping ${schema}`);
    cleanup().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  async (err) => {
    console.error(`[bench] failed: ${err?.stack ?? err}`);
    await cleanup();
    process.exit(1);
  },
);
