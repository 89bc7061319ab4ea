#!/usr/bin/env node
/**
 * What DB_POOLER costs, side by side: a record read by id (the repository's findById, as a GET
 * /data/{id} runs it) through the service's own pool, directly and through a real PgBouncer in
 * transaction mode, with each way of getting the session settings. Sequential reads give the
 * latency of one; 8 readers at once give the throughput of a pool of 8.
 *
 *   npx tsc -p tsconfig.build.json && node test/performance/pooler-cost.mjs
 *
 * Needs the PostgreSQL of TEST_DATABASE_URL (a superuser: it makes a role) and pgbouncer
 * (mk/ensure-pgbouncer.sh). A measurement, not a test: it prints a table and asserts nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadMigrations, migrate } from '../../dist/src/data/migrations.js';
import { createPostgres } from '../../dist/src/data/postgres.js';
import { PostgresRecordsRepository } from '../../dist/src/data/records-repository.js';
import { postgresCatalog } from '../../dist/src/data/sql-catalog.js';
import { POSTGRES_MIGRATIONS_DIR } from '../../dist/src/config/paths.js';

const SERVER = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const SEQUENTIAL = Number(process.env.READS ?? 3000);
const PARALLEL = 8;
const ROUNDS = 3;

const admin = async (sql) => {
  const c = new pg.Client({ connectionString: SERVER.href });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
};

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startBouncer(role) {
  const bin = execFileSync('bash', ['mk/ensure-pgbouncer.sh'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'dapi-pooler-cost-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const db = SERVER.pathname.slice(1);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${db} = host=${SERVER.hostname} port=${SERVER.port || 5432} dbname=${db}`,
      '[pgbouncer]',
      `listen_addr = 127.0.0.1`,
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${PARALLEL}`,
      'server_reset_query =',
    ].join('\n') + '\n',
    { mode: 0o644 },
  );
  const serverUser = decodeURIComponent(SERVER.username) || 'postgres';
  writeFileSync(join(dir, 'users.txt'), `"${serverUser}" ""\n"${role}" ""\n`, { mode: 0o644 });
  const args = [join(dir, 'pgbouncer.ini')];
  if (process.getuid?.() === 0) args.unshift('-u', 'nobody');
  const child = spawn(bin, args, { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const url = (user, pass) => `postgres://${user}${pass ? `:${pass}` : ''}@127.0.0.1:${port}/${db}`;
  return {
    url,
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(label, db, ids) {
  const repo = new PostgresRecordsRepository(db, postgresCatalog());
  for (let i = 0; i < 300; i++) await repo.findById(ids[i % ids.length]); // warm the connections
  let best;
  for (let round = 0; round < ROUNDS; round++) {
    const times = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t = process.hrtime.bigint();
      await repo.findById(ids[i % ids.length]);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < SEQUENTIAL * 2) await repo.findById(ids[next++ % ids.length]);
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const result = {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      rps: (SEQUENTIAL * 2) / seconds,
    };
    if (!best || result.p50 < best.p50) best = result;
  }
  console.log(
    `| ${label.padEnd(58)} | ${best.p50.toFixed(3).padStart(6)} | ${best.p99.toFixed(3).padStart(6)} | ${Math.round(best.rps).toString().padStart(6)} |`,
  );
}

const schema = `perf_${randomBytes(4).toString('hex')}`;
const role = `dapi_perf_${randomBytes(4).toString('hex')}`;
const password = randomBytes(8).toString('hex');
await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
await admin(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
for (const s of [
  'statement_timeout = 5000',
  `search_path = ${schema}`,
  'plan_cache_mode = force_generic_plan',
]) {
  await admin(`ALTER ROLE ${role} SET ${s}`);
}
const bouncer = await startBouncer(role);
const common = { schema, poolMax: PARALLEL, connectTimeoutMs: 5000, statementTimeoutMs: 5000 };
const opened = [];
const open = (o) => {
  const db = createPostgres({ ...common, ...o });
  opened.push(db);
  return db;
};
try {
  const direct = open({ url: SERVER.href });
  await admin(`GRANT ALL ON SCHEMA ${schema} TO ${decodeURIComponent(SERVER.username) || 'postgres'}`);
  await migrate(direct, schema, loadMigrations(POSTGRES_MIGRATIONS_DIR));
  await admin(`GRANT ALL ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
  const repo = new PostgresRecordsRepository(direct, postgresCatalog());
  const ids = [];
  for (let i = 0; i < 200; i++) {
    const r = await repo.insert({
      id: randomUUID(),
      userId: `u${i % 20}`,
      payload: { i, text: 'x'.repeat(200) },
    });
    ids.push(r.id);
  }
  const roleUrl = (base) => {
    const u = new URL(base);
    u.username = role;
    u.password = password;
    return u.href;
  };
  console.log(
    `findById, ${SEQUENTIAL} sequential reads (ms) and ${SEQUENTIAL * 2} reads by ${PARALLEL} at once (reads/s); best of ${ROUNDS}`,
  );
  console.log(`| ${'path'.padEnd(58)} |    p50 |    p99 | reads/s |`);
  console.log(`| ${'-'.repeat(58)} | -----: | -----: | -----: |`);
  await measure('direct, DB_POOLER=none (named, start-up parameters)', direct, ids);
  await measure(
    'direct, DB_POOLER=transaction, set-local (unnamed)',
    open({ url: SERVER.href, pooler: 'transaction' }),
    ids,
  );
  await measure(
    'direct, DB_POOLER=transaction, role (unnamed)',
    open({ url: roleUrl(SERVER.href), pooler: 'transaction', poolerSettings: 'role' }),
    ids,
  );
  await measure(
    'PgBouncer 1.18, DB_POOLER=transaction, set-local',
    open({ url: bouncer.url(decodeURIComponent(SERVER.username) || 'postgres'), pooler: 'transaction' }),
    ids,
  );
  await measure(
    'PgBouncer 1.18, DB_POOLER=transaction, role',
    open({ url: bouncer.url(role, password), pooler: 'transaction', poolerSettings: 'role' }),
    ids,
  );
} finally {
  for (const db of opened) await db.close();
  bouncer.stop();
  await admin(`DROP OWNED BY ${role} CASCADE`);
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin(`DROP ROLE IF EXISTS ${role}`);
}
