// What a request costs the service and Redis, for two builds side by side: the service's CPU
// time per request (from /proc, so other work on a shared machine weighs far less on it than
// on requests/s), Redis commands and Redis socket reads (round trips) per request, and
// requests/s. Each build runs the same instances as `make bench` (L1 in front of L2; L2 only),
// with every check on, against one PostgreSQL schema and a Redis server of its own (started here,
// so nothing else's commands are counted). Rounds alternate the builds.
//   BUILDS=/path/of/before,/path/of/after node test/performance/redis-trips.mjs
// Each path must hold a built dist/ (make build). Knobs: PATHS (get-l1,get-l2,post,bulk),
// ROUNDS (3), DURATION (4 s), WARMUP (1 s), CONCURRENCY (16), BULK_ITEMS (500), BULK_PREFER
// (a Prefer header for the bulk path, e.g. return=minimal), TEST_DATABASE_URL.
/* global fetch */
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { TextEncoder } from 'node:util';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import pg from 'pg';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const BUILDS = (process.env.BUILDS ?? ROOT).split(',').map((p) => resolve(p));
const PATHS = (process.env.PATHS ?? 'get-l1,get-l2,post,bulk').split(',');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 4);
const WARMUP = Number(process.env.WARMUP ?? 1);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const BULK_ITEMS = Number(process.env.BULK_ITEMS ?? 500);
const BULK_PREFER = process.env.BULK_PREFER;
const DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomBytes(3).toString('hex');
const schema = `trips_${tag}`;
const secret = randomBytes(32).toString('hex');
const TICK_US = 1e6 / 100; // /proc counts CPU time in clock ticks of 10 ms (USER_HZ)
const children = [];
const log = (...a) => console.log(`[trips ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

function start(cmd, args, env, cwd = ROOT) {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function waitHttp(port, path) {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error(`:${port}${path} not ready`);
}

function cpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime + stime
}

async function redisStats(redis) {
  const info = await redis.info('stats');
  const n = (name) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? NaN);
  const calls = {};
  for (const m of (await redis.info('commandstats')).matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g))
    calls[m[1]] = Number(m[2]);
  return { commands: n('total_commands_processed'), reads: n('total_reads_processed'), calls };
}

/** Calls per request of each command between two snapshots (those above 0.01). */
function perRequest(before, after, requests) {
  const out = {};
  for (const [name, n] of Object.entries(after.calls)) {
    const per = (n - (before.calls[name] ?? 0)) / requests;
    if (per >= 0.01 && name !== 'info') out[name] = Math.round(per * 100) / 100;
  }
  return out;
}

let loadgen;
let jobs = 0;
const waiting = new Map();
function load(job) {
  const id = ++jobs;
  return new Promise((ok, fail) => {
    waiting.set(id, { ok, fail });
    loadgen.send({ type: 'run', id, job: { host: '127.0.0.1', warmupMs: 0, pick: 'cycle', ...job } });
  });
}

async function main() {
  const dir = await mkdtemp(join(os.tmpdir(), 'trips-'));
  const redisPort = await freePort();
  start(
    'redis-server',
    ['--port', String(redisPort), '--save', '', '--appendonly', 'no', '--dir', dir],
    process.env,
  );
  const redis = new Redis(redisPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  await redis.ping();
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    const env = (port, extra) => ({
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      TLS_EXEMPT: 'database,redis',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_KEY_PREFIX: `trips:`,
      CURSOR_SECRET: secret,
      AUTH_MODE: 'required',
      AUTH_JWT_SECRET: secret,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READ_PER_MINUTE: '1000000',
      RATE_LIMIT_WRITE_PER_MINUTE: '1000000',
      CACHE_WARM_USERS: '0',
      ...extra,
    });
    const instances = [];
    for (const [b, build] of BUILDS.entries()) {
      for (const [kind, extra] of [
        ['main', {}],
        ['l2', { CACHE_L1_MAX_ENTRIES: '1', CACHE_L1_TTL_MS: '1' }],
      ]) {
        const port = await freePort();
        const child = start(process.execPath, ['dist/src/main.js'], env(port, extra), build);
        // The first instance migrates; the others start once the schema is there.
        if (instances.length === 0) await waitHttp(port, '/ready');
        instances.push({ build: b, kind, port, child });
      }
    }
    await Promise.all(instances.map((i) => waitHttp(i.port, '/ready')));
    const users = Array.from({ length: 100 }, (_, i) => `trips-r${i}`);
    const writers = Array.from({ length: 20 }, (_, i) => `trips-w${i}`);
    await admin.query(
      `INSERT INTO ${schema}.records (id, user_id, payload, created_at, updated_at, version)
       SELECT (lpad(to_hex((extract(epoch FROM t.ts) * 1000)::bigint), 12, '0') || '7'
               || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
              u, jsonb_build_object('name', 'João', 'n', n, 'tags', jsonb_build_array('a', 'b'), 'note', repeat('x', 40)),
              t.ts, t.ts, 1
       FROM unnest($1::text[]) AS u, generate_series(1, 2) AS n,
            LATERAL (SELECT date_trunc('milliseconds', now() - (n || ' seconds')::interval) AS ts) AS t`,
      [users],
    );
    const rows = (await admin.query(`SELECT id::text, user_id FROM ${schema}.records`)).rows;
    const key = new TextEncoder().encode(secret);
    const tok = {};
    for (const sub of [...users, ...writers]) {
      tok[sub] = await new SignJWT({ scope: 'data:read data:write' })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .setSubject(sub)
        .setIssuer('data-api')
        .setAudience('data-api')
        .setIssuedAt()
        .setExpirationTime('3h')
        .sign(key);
    }
    const auth = (u) => ({ authorization: `Bearer ${tok[u]}` });
    const json = { 'content-type': 'application/json' };
    const payload = { name: 'João', age: 30, tags: ['a', 'b'], note: 'x'.repeat(40) };
    const gets = rows.map((r) => ({ method: 'GET', path: `/data/${r.id}`, headers: auth(r.user_id) }));
    const targets = {
      'get-l1': { kind: 'main', targets: gets, prime: true },
      'get-l2': { kind: 'l2', targets: gets, prime: true },
      post: {
        kind: 'main',
        targets: writers.map((u) => ({
          method: 'POST',
          path: '/data',
          headers: { ...auth(u), ...json },
          body: JSON.stringify({ user_id: u, payload }),
          expect: [201],
        })),
      },
      bulk: {
        kind: 'main',
        concurrency: 2,
        targets: writers.slice(0, 4).map((u) => ({
          method: 'POST',
          path: '/data/bulk',
          headers: { ...auth(u), ...json, ...(BULK_PREFER ? { prefer: BULK_PREFER } : {}) },
          body: JSON.stringify({
            items: Array.from({ length: BULK_ITEMS }, () => ({ user_id: u, payload })),
          }),
          expect: [201],
          rows: BULK_ITEMS,
        })),
      },
    };
    loadgen = fork(join(HERE, 'bench', 'loadgen.mjs'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(loadgen);
    loadgen.on('message', (m) => {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) w?.fail(new Error(m.error));
      else w?.ok(m.result);
    });
    const results = {};
    const load0 = os.loadavg();
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of PATHS) {
        const spec = targets[path];
        const order = round % 2 === 0 ? BUILDS.map((_, i) => i) : BUILDS.map((_, i) => BUILDS.length - 1 - i);
        for (const b of order) {
          const inst = instances.find((i) => i.build === b && i.kind === spec.kind);
          if (spec.prime)
            await load({ port: inst.port, mode: 'once', concurrency: 8, targets: spec.targets });
          const concurrency = spec.concurrency ?? CONCURRENCY;
          // Warm-up apart, so the counters cover the measured window only.
          await load({
            port: inst.port,
            mode: 'closed',
            concurrency,
            durationMs: WARMUP * 1000,
            targets: spec.targets,
          });
          const cpu0 = cpuUs(inst.child.pid);
          const r0 = await redisStats(redis);
          const r = await load({
            port: inst.port,
            mode: 'closed',
            concurrency,
            durationMs: DURATION * 1000,
            targets: spec.targets,
          });
          const cpu1 = cpuUs(inst.child.pid);
          const r1 = await redisStats(redis);
          const requests = r.rps * DURATION;
          const row = {
            rps: r.rps,
            rows_per_s: r.rows_per_s,
            errors: r.errors,
            cpu_us_per_request: Math.round((cpu1 - cpu0) / requests),
            redis_commands_per_request: Math.round(((r1.commands - r0.commands - 1) / requests) * 100) / 100,
            redis_reads_per_request: Math.round(((r1.reads - r0.reads - 1) / requests) * 100) / 100,
            x_cache: r.x_cache,
            calls: perRequest(r0, r1, requests),
          };
          ((results[path] ??= {})[b] ??= []).push(row);
          log(`round ${round + 1} ${path.padEnd(6)} build ${b} ${JSON.stringify(row)}`);
        }
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    console.log(
      `\nload average ${load0.map((x) => x.toFixed(2)).join(' ')} → ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    console.log('path    build  req/s (rows/s)  CPU µs/req  Redis cmds/req  Redis reads/req  (medians)');
    for (const path of PATHS) {
      for (const [b] of BUILDS.entries()) {
        const rs = results[path][b];
        const m = (k) => median(rs.map((r) => r[k]));
        console.log(
          `${path.padEnd(7)} ${String(b).padEnd(6)} ${String(path === 'bulk' ? m('rows_per_s') : m('rps')).padStart(14)}  ${String(m('cpu_us_per_request')).padStart(10)}  ${String(m('redis_commands_per_request')).padStart(14)}  ${String(m('redis_reads_per_request')).padStart(15)}`,
        );
      }
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(500);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  },
);
