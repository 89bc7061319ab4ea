// Throughput of a cached GET /data/{id} next to the same server with caching off, side by side
// in one run (interleaved rounds, same PostgreSQL, same Redis). Needs `make build` first.
//   node test/performance/cache-throughput.mjs      (ROUNDS=3 SECONDS=5 CONCURRENCY=16)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';

const DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const schema = `bench_${randomBytes(4).toString('hex')}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function start(port, env) {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: DB,
      DATABASE_SCHEMA: schema,
      REDIS_URL: REDIS,
      REDIS_KEY_PREFIX: `${schema}:`,
      AUTH_MODE: 'none',
      RATE_LIMIT_READ_PER_MINUTE: '1000000',
      RATE_LIMIT_WRITE_PER_MINUTE: '1000000',
      ...env,
    },
    stdio: 'inherit',
  });
  return child;
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
}

async function waitReady(port) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await get(port, '/health')) === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never answered`);
}

async function load(port, path) {
  let done = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const status = await get(port, path);
        if (status !== 200) throw new Error(`status ${status}`);
        done++;
      }
    }),
  );
  return done / SECONDS;
}

const cached = start(18601, { CACHE_ENABLED: 'true' });
const uncached = start(18602, { CACHE_ENABLED: 'false' });
try {
  await Promise.all([waitReady(18601), waitReady(18602)]);
  const created = await new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: 18601,
        path: '/data',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ user_id: 'bench', payload: { name: 'João', age: 30, tags: ['a', 'b'] } }));
  });
  const path = `/data/${created.id}`;
  const rates = { cached: [], uncached: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? ['uncached', 'cached'] : ['cached', 'uncached'];
    for (const name of order) rates[name].push(await load(name === 'cached' ? 18601 : 18602, path));
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const c = median(rates.cached),
    u = median(rates.uncached);
  console.log(
    JSON.stringify(
      {
        concurrency: CONCURRENCY,
        seconds: SECONDS,
        rounds: ROUNDS,
        cached_rps: Math.round(c),
        uncached_rps: Math.round(u),
        ratio: Number((c / u).toFixed(2)),
        rates,
      },
      null,
      1,
    ),
  );
} finally {
  cached.kill('SIGTERM');
  uncached.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  const admin = new pg.Client({ connectionString: DB });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
