// Measures node-postgres (pg) against postgres.js on this service's two hottest statements,
// interleaved in one run against the same server, and prints the ratios. It chose the driver
// (docs/adr/0002-postgres-driver.md). Run: node test/performance/driver-choice.mjs
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import postgres from 'postgres';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_${randomUUID().slice(0, 8)}`;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const OPS = Number(process.env.OPS ?? 2000);
const CONCURRENCY = 10;

const LIST = `SELECT id::text, user_id, payload, created_at, updated_at, version FROM ${schema}.records
  WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 21`;
const GET = `SELECT id::text, user_id, payload, created_at, updated_at, version FROM ${schema}.records WHERE id = $1::uuid`;

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
await admin.query(`CREATE TABLE ${schema}.records (id uuid PRIMARY KEY, user_id varchar(128) NOT NULL,
  payload jsonb NOT NULL, created_at timestamptz(3) NOT NULL, updated_at timestamptz(3) NOT NULL, version int NOT NULL)`);
await admin.query(`CREATE INDEX ON ${schema}.records (user_id, created_at DESC, id DESC)`);
await admin.query(`INSERT INTO ${schema}.records SELECT gen_random_uuid(), 'user' || (i % 100), jsonb_build_object('i', i, 'name', 'João'),
  now() - i * interval '1 second', now(), 1 FROM generate_series(1, 20000) i`);
const ids = (await admin.query(`SELECT id::text FROM ${schema}.records LIMIT 1000`)).rows.map((r) => r.id);

const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
// As the service runs it: custom plans, so optional filters written in SQL fold away per call.
const customPool = new pg.Pool({
  connectionString: url,
  max: CONCURRENCY,
  options: '-c plan_cache_mode=force_custom_plan',
});
const sql = postgres(url, { max: CONCURRENCY, prepare: true });
const drivers = {
  pg: {
    list: (i) => pool.query(LIST, [`user${i % 100}`]),
    get: (i) => pool.query(GET, [ids[i % ids.length]]),
  },
  'pg prepared': {
    list: (i) => pool.query({ name: 'list', text: LIST, values: [`user${i % 100}`] }),
    get: (i) => pool.query({ name: 'get', text: GET, values: [ids[i % ids.length]] }),
  },
  'pg prepared, custom plans': {
    list: (i) => customPool.query({ name: 'list', text: LIST, values: [`user${i % 100}`] }),
    get: (i) => customPool.query({ name: 'get', text: GET, values: [ids[i % ids.length]] }),
  },
  'postgres.js': {
    list: (i) => sql.unsafe(LIST, [`user${i % 100}`], { prepare: true }),
    get: (i) => sql.unsafe(GET, [ids[i % ids.length]], { prepare: true }),
  },
};

async function run(fn) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPS) await fn(next++);
    }),
  );
  return OPS / (Number(process.hrtime.bigint() - started) / 1e9);
}

const results = Object.fromEntries(Object.keys(drivers).map((n) => [n, { list: [], get: [] }]));
for (const name of Object.keys(drivers)) for (const op of ['list', 'get']) await run(drivers[name][op]); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const op of ['list', 'get']) {
    const names = Object.keys(drivers);
    for (const name of r % 2 ? names.reverse() : names) {
      results[name][op].push(await run(drivers[name][op]));
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const op of ['list', 'get']) {
  const base = median(results['postgres.js'][op]);
  const line = Object.keys(drivers).map(
    (n) => `${n} ${median(results[n][op]).toFixed(0)}/s (${(median(results[n][op]) / base).toFixed(2)})`,
  );
  console.log(`${op.padEnd(5)} ${line.join(' · ')}   [ratio to postgres.js]`);
}
await pool.end();
await customPool.end();
await sql.end();
await admin.query(`DROP SCHEMA ${schema} CASCADE`);
await admin.end();
