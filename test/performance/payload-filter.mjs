// node test/performance/payload-filter.mjs   (after `npx tsc -p tsconfig.build.json`; needs psql)
//
// Does a GIN index (jsonb_path_ops) on records.payload pay for itself next to the list's index
// (user_id, created_at, id), for payload_contains at 1,000,000 records of one user? A benchmark,
// not a test: it prints what it measured and writes .reports/bench/payload-filter-<time>.json.
//
// A dedicated database (FILTER_DATABASE_URL, default .../data_api_filter) gets the service's
// schema (its own migrate CLI) and, set-based inside PostgreSQL as test/performance/scale does,
// USER_ROWS records of the user bench-user and OTHER_ROWS records of OTHER_USERS other users over
// DAYS days of monthly partitions; the load is kept between runs. The statements timed are the
// service's own (sql/postgres/queries/records.sql, compiled by dist/), prepared by name on a
// connection with the service's session settings (plan_cache_mode=force_generic_plan), so the
// plans are the ones the service gets:
//   window   one filtered page as the service reads it: findListPosition (the floor of the scan
//            window, SCAN_ROWS rows down) then listRecordsContaining above the floor
//   walk     every page of the walk to the end, window by window (LIMIT per page)
//   unbounded  listRecordsContaining with no floor: one statement that reads until LIMIT
//            matches or the user's end, what a list without a window would do
// each without the GIN index, then with it (built on the partitioned table, so on every
// partition), and the cost of inserts (bulkInsertRecords of 1000 rows) with and without it.
// Settings: USER_ROWS=1000000 OTHER_ROWS=1000000 OTHER_USERS=1000 DAYS=365 SCAN_ROWS=10000
//           LIMIT=20 RUNS=5 INSERT_BATCHES=20; INSERT_ONLY=1 measures only the inserts (without,
//           with, without the index again)
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { query, scalar } from './scale/psql.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const num = (name, dflt) => Number(env[name] || dflt);
const url = env.FILTER_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/data_api_filter';
const dbName = decodeURIComponent(new URL(url).pathname.slice(1));
const adminUrl = Object.assign(new URL(url), { pathname: '/postgres' }).toString();
const S = {
  userRows: num('USER_ROWS', 1_000_000),
  otherRows: num('OTHER_ROWS', 1_000_000),
  otherUsers: num('OTHER_USERS', 1000),
  days: num('DAYS', 365),
  scanRows: num('SCAN_ROWS', 10_000),
  limit: num('LIMIT', 20),
  runs: num('RUNS', 5),
  insertBatches: num('INSERT_BATCHES', 20),
};
const USER = 'bench-user';
const log = (m) => process.stderr.write(`payload-filter: ${m}\n`);

// The filters, from common to absent (shares of the user's records, by the generator below).
const FILTERS = [
  { name: 'kind (20%)', filter: { kind: 'k0' } },
  { name: 'vip (1%)', filter: { vip: true } },
  { name: 'tag (0.1%)', filter: { tag: 't7' } },
  { name: 'item in array (0.01%)', filter: { items: [{ sku: 's42' }] } },
  { name: 'needle (10 rows)', filter: { marker: 'needle' } },
  { name: 'absent (0 rows)', filter: { marker: 'nothing' } },
];

// Payload i: kind k0..k4, tag t0..t999, vip every 100th, an array of one item (sku s0..s9999),
// a marker that is 'needle' every 100,000th, some text (about 330 bytes in all).
const PAYLOAD_SQL = `jsonb_build_object(
  'kind', 'k' || (g % 5), 'tag', 't' || (g % 1000), 'vip', g % 100 = 0, 'n', g,
  'items', jsonb_build_array(jsonb_build_object('sku', 's' || (g % 10000), 'qty', 1 + g % 7)),
  'marker', CASE WHEN g % 100000 = 0 THEN 'needle' ELSE 'hay' END,
  'note', repeat('lorem ipsum ', 18))`;

async function load(userId, rows, from, t0) {
  const batch = 100_000;
  for (let done = from; done < rows; done += batch) {
    const n = Math.min(batch, rows - done);
    // A UUIDv7 of created_at (as scale/batch.sql), time-ordered with it.
    await query(
      url,
      `SET synchronous_commit = off;
       INSERT INTO records (id, user_id, payload, created_at, updated_at, version)
       SELECT encode(set_byte(overlay(s.rb PLACING substring(int8send(s.ms) FROM 3 FOR 6) FROM 1 FOR 6),
                              6, (get_byte(s.rb, 6) & 15) | 112), 'hex')::uuid,
              ${userId === USER ? `'${USER}'` : `'other-' || (s.g % ${S.otherUsers})`},
              ${PAYLOAD_SQL.replace(/\bg\b/g, 's.g')},
              'epoch'::timestamptz + s.ms * interval '1 millisecond',
              'epoch'::timestamptz + s.ms * interval '1 millisecond', 1
       FROM (SELECT g, (${t0}::bigint - floor(random() * ${S.days}::bigint * 86400000))::bigint AS ms,
                    uuid_send(gen_random_uuid()) AS rb
             FROM generate_series(${done + 1}, ${done + n}) AS g) AS s;`,
    );
    log(`${userId === USER ? USER : 'others'}: ${done + n} rows`);
  }
}

async function prepare() {
  if (!(await scalar(adminUrl, `SELECT 1 FROM pg_database WHERE datname = :'db'`, { db: dbName }))) {
    await query(adminUrl, `CREATE DATABASE "${dbName}"`);
  }
  await promisify(execFile)(process.execPath, [join(ROOT, 'dist/src/cli/migrate.js')], {
    env: { ...env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
  });
  const t0 = Date.now();
  await query(url, readFileSync(join(ROOT, 'test/performance/scale/ensure-partitions.sql'), 'utf8'), {
    t0,
    days: S.days,
  });
  const have = async (where) => Number(await scalar(url, `SELECT count(*) FROM records WHERE ${where}`));
  const mine = await have(`user_id = '${USER}'`);
  if (mine < S.userRows) await load(USER, S.userRows, mine, t0);
  const others = await have(`user_id <> '${USER}'`);
  if (others < S.otherRows) await load('other', S.otherRows, others, t0);
  await query(url, 'VACUUM (ANALYZE) records');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function session(catalog, planMode = 'force_generic_plan') {
  const client = new pg.Client({
    connectionString: url,
    options: `-c plan_cache_mode=${planMode} -c statement_timeout=600000`,
  });
  await client.connect();
  const run = async (name, values) => {
    const st = catalog.get(name);
    const started = process.hrtime.bigint();
    const res = await client.query({ name: st.name, text: st.text, values: st.params.map((p) => values[p]) });
    return { rows: res.rows, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  };
  return { client, run };
}

const TOP = {
  created_after: '-infinity',
  created_before: 'infinity',
  cursor_created_at: 'infinity',
  cursor_id: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
};
const BOTTOM = { floor_created_at: '-infinity', floor_id: '00000000-0000-0000-0000-000000000000' };

/** One windowed page below `cursor`: floor, then the filtered statement. */
async function windowPage(run, contains, cursor) {
  const bounds = { ...TOP, ...cursor, user_id: USER };
  const floor = await run('findListPosition', { ...bounds, skip: S.scanRows - 1 });
  const f = floor.rows[0];
  const page = await run('listRecordsContaining', {
    ...bounds,
    ...(f ? { floor_created_at: f.created_at.toISOString(), floor_id: f.id } : BOTTOM),
    contains,
    limit: S.limit + 1,
  });
  const items = page.rows.slice(0, S.limit);
  const last = items[items.length - 1];
  const next =
    page.rows.length > S.limit
      ? { cursor_created_at: last.created_at.toISOString(), cursor_id: last.id }
      : f
        ? { cursor_created_at: f.created_at.toISOString(), cursor_id: f.id }
        : null;
  return { ms: floor.ms + page.ms, items: items.length, next };
}

async function measureFilters(run, label, { walk: walking = true } = {}) {
  const out = [];
  for (const { name, filter } of FILTERS) {
    const contains = JSON.stringify(filter);
    const first = [];
    const unbounded = [];
    let items = 0;
    let unboundedItems = 0;
    for (let r = 0; r < S.runs; r++) {
      const w = await windowPage(run, contains, {});
      first.push(w.ms);
      items = w.items;
      const u = await run('listRecordsContaining', {
        ...TOP,
        ...BOTTOM,
        user_id: USER,
        contains,
        limit: S.limit + 1,
      });
      unbounded.push(u.ms);
      unboundedItems = Math.min(u.rows.length, S.limit);
    }
    if (!walking) {
      const row = {
        index: label,
        filter: name,
        window_first_page_ms: +median(first).toFixed(2),
        window_first_page_items: items,
        unbounded_first_page_ms: +median(unbounded).toFixed(2),
        unbounded_first_page_items: unboundedItems,
      };
      log(JSON.stringify(row));
      out.push(row);
      continue;
    }
    // The whole walk, once: pages, matches, the slowest statement pair, the total.
    let cursor = {};
    let pages = 0;
    let matches = 0;
    let slowest = 0;
    const started = process.hrtime.bigint();
    for (;;) {
      const w = await windowPage(run, contains, cursor);
      pages++;
      matches += w.items;
      slowest = Math.max(slowest, w.ms);
      if (!w.next) break;
      cursor = w.next;
    }
    const walkMs = Number(process.hrtime.bigint() - started) / 1e6;
    const row = {
      index: label,
      filter: name,
      window_first_page_ms: +median(first).toFixed(2),
      window_first_page_items: items,
      walk_pages: pages,
      walk_matches: matches,
      walk_slowest_page_ms: +slowest.toFixed(2),
      walk_total_ms: +walkMs.toFixed(0),
      unbounded_first_page_ms: +median(unbounded).toFixed(2),
      unbounded_first_page_items: unboundedItems,
    };
    log(JSON.stringify(row));
    out.push(row);
  }
  return out;
}

async function planOf(client, catalog, contains) {
  const st = catalog.get('listRecordsContaining');
  const values = { ...TOP, ...BOTTOM, user_id: USER, contains, limit: S.limit + 1 };
  await client.query(`PREPARE plan_probe AS ${st.text}`);
  const res = await client.query(
    `EXPLAIN (COSTS OFF) EXECUTE plan_probe(${st.params.map((p) => `'${String(values[p]).replace(/'/g, "''")}'`).join(', ')})`,
  );
  await client.query('DEALLOCATE plan_probe');
  return res.rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function insertCost(client, run) {
  const times = [];
  for (let b = 0; b < S.insertBatches; b++) {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      id: randomUUID(),
      user_id: `insert-${b % 10}`,
      payload: {
        kind: `k${i % 5}`,
        tag: `t${i % 1000}`,
        vip: i % 100 === 0,
        items: [{ sku: `s${i}`, qty: 1 }],
        note: 'lorem ipsum '.repeat(18),
      },
    }));
    const r = await run('bulkInsertRecords', { items: JSON.stringify(items) });
    times.push(r.ms);
  }
  await client.query(`DELETE FROM records WHERE user_id LIKE 'insert-%'`);
  return { batches: S.insertBatches, rows_per_batch: 1000, median_ms: +median(times).toFixed(1) };
}

/**
 * INSERT_ONLY=1: the cost of inserts alone, without the index, with it, and without it again, so
 * that a drift of the machine in between shows.
 */
async function insertOnly(client, run, result) {
  result.insert_only = [];
  for (const gin of [false, true, false]) {
    if (gin)
      await client.query(
        'CREATE INDEX records_payload_gin_idx ON records USING gin (payload jsonb_path_ops)',
      );
    else await client.query('DROP INDEX IF EXISTS records_payload_gin_idx');
    const r = { gin, ...(await insertCost(client, run)) };
    log(JSON.stringify(r));
    result.insert_only.push(r);
  }
  await client.query('DROP INDEX IF EXISTS records_payload_gin_idx');
  await client.end();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function main() {
  const { SqlCatalog } = await import(join(ROOT, 'dist/src/data/sql-catalog.js'));
  const catalog = SqlCatalog.load(join(ROOT, 'sql/postgres/queries'));
  log(`preparing ${dbName}`);
  await prepare();
  const { client, run } = await session(catalog);
  await client.query('DROP INDEX IF EXISTS records_payload_gin_idx');
  const sizes = async () => ({
    table_bytes: Number(
      await scalar(url, `SELECT sum(pg_table_size(relid)) FROM pg_partition_tree('records')`),
    ),
    indexes_bytes: Number(
      await scalar(url, `SELECT sum(pg_indexes_size(relid)) FROM pg_partition_tree('records')`),
    ),
  });
  const result = { settings: S, at: new Date().toISOString(), without: {}, with: {} };
  if (env.INSERT_ONLY === '1') return insertOnly(client, run, result);
  result.without.sizes = await sizes();
  result.without.filters = await measureFilters(run, 'user_id only');
  result.without.plan_rare = await planOf(client, catalog, JSON.stringify({ marker: 'needle' }));
  result.without.insert = await insertCost(client, run);
  const customWithout = await session(catalog, 'force_custom_plan');
  result.without.custom_plans = await measureFilters(customWithout.run, 'user_id only, custom plans', {
    walk: false,
  });
  await customWithout.client.end();
  log('building the GIN index (jsonb_path_ops) on every partition');
  const started = process.hrtime.bigint();
  await client.query('CREATE INDEX records_payload_gin_idx ON records USING gin (payload jsonb_path_ops)');
  result.with.build_seconds = +(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1);
  await client.query('ANALYZE records');
  result.with.sizes = await sizes();
  result.with.gin_bytes = Number(
    await scalar(
      url,
      `SELECT sum(pg_relation_size(c.oid)) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relkind = 'i' AND a.amname = 'gin'`,
    ),
  );
  // A new session: prepared statements keep the plans made before the index existed.
  await client.end();
  const withGin = await session(catalog);
  result.with.filters = await measureFilters(withGin.run, 'user_id + GIN');
  result.with.plan_rare = await planOf(withGin.client, catalog, JSON.stringify({ marker: 'needle' }));
  result.with.plan_common = await planOf(withGin.client, catalog, JSON.stringify({ kind: 'k0' }));
  result.with.insert = await insertCost(withGin.client, withGin.run);
  // For reference: plans made for each value (not what the service runs), with the index there.
  const custom = await session(catalog, 'force_custom_plan');
  result.with.custom_plans = await measureFilters(custom.run, 'user_id + GIN, custom plans', { walk: false });
  result.with.custom_plan_rare = await planOf(custom.client, catalog, JSON.stringify({ marker: 'needle' }));
  result.with.custom_plan_common = await planOf(custom.client, catalog, JSON.stringify({ kind: 'k0' }));
  await custom.client.end();
  await withGin.client.query('DROP INDEX IF EXISTS records_payload_gin_idx');
  await withGin.client.end();
  mkdirSync(join(ROOT, '.reports/bench'), { recursive: true });
  const file = join(ROOT, `.reports/bench/payload-filter-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  log(`wrote ${file}`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
