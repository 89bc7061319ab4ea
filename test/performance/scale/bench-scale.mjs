// make bench-scale ROWS=1000000,10000000,100000000
//
// Grows a dedicated database (data_api_scale) step by step to each size in ROWS, never reloading
// from scratch, and at each step measures GET /data?user_id= through the built server (first page
// and a deep page, p50/p95/p99) and the list query's plan, and records the disk used. Writes
// .reports/bench/scale-<time>.json, the bench-scale block of docs/performance.md and
// docs/img/scale-latency.svg. Needs `make build` and psql; the database is left in place
// (`make bench-scale-clean` drops it). Settings (environment):
//   ROWS=1000000,10000000   SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/data_api_scale
//   LOAD_INDEXES=keep|defer (defer: drop records' keys and indexes for the load, build them after)
//   LOAD_JOBS=2 BATCH=100000 DAYS=730   CONCURRENCY=4 REQUESTS=3000 ROUNDS=3 WARMUP=100 LIMIT=50 DEEP_PAGES=100
//   node test/performance/scale/bench-scale.mjs [--clean | --report-only]
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diskUsage, loadedRows, loadTo, prepareDatabase, schemaInfo, vacuumAnalyze } from './load.mjs';
import {
  closedLoop,
  combine,
  deepCursor,
  explainPages,
  HOT_USERS,
  ORDINARY_USERS,
  startServer,
} from './measure.mjs';
import { query, scalar } from './psql.mjs';
import { markdownBlock, writeJson, writeMarkdown, writeSvg } from './report.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const env = process.env;
const num = (name, dflt) => Number(env[name] || dflt);
const url = env.SCALE_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/data_api_scale';
const dbName = decodeURIComponent(new URL(url).pathname.slice(1));
const adminUrl = Object.assign(new URL(url), { pathname: '/postgres' }).toString();
const settings = {
  steps: (env.ROWS || '1000000,10000000')
    .split(',')
    .map((s) => Number(s.trim().replace(/_/g, '')))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b),
  load_jobs: num('LOAD_JOBS', 2),
  load_indexes: env.LOAD_INDEXES === 'defer' ? 'defer' : 'keep',
  batch: num('BATCH', 100000),
  days: num('DAYS', 730),
  concurrency: num('CONCURRENCY', 4),
  requests: num('REQUESTS', 3000),
  rounds: num('ROUNDS', 3),
  warmup: num('WARMUP', 100),
  limit: num('LIMIT', 50),
  deep_pages: num('DEEP_PAGES', 100),
};
const log = (msg) => process.stderr.write(`bench-scale: ${msg}\n`);
const gib = (b) => `${(b / 1024 ** 3).toFixed(2)} GiB`;

if (process.argv.includes('--clean')) {
  await query(adminUrl, `DROP DATABASE IF EXISTS "${dbName}"`);
  log(`dropped database ${dbName}`);
  process.exit(0);
}

async function machine() {
  const dataDir = await scalar(url, 'SHOW data_directory');
  let freeBytes = null;
  try {
    const fs = statfsSync(dataDir);
    freeBytes = fs.bavail * fs.bsize;
  } catch {
    /* the data directory is on another host */
  }
  return {
    cpus: os.cpus().length,
    memory_gib: Math.round(os.totalmem() / 1024 ** 3),
    postgres: await scalar(url, 'SHOW server_version'),
    shared_buffers: await scalar(url, 'SHOW shared_buffers'),
    data_directory_free_bytes: freeBytes,
  };
}

async function measureStep(distDir, rows, load, vacuumSeconds) {
  const disk = await diskUsage(url);
  const schema = await schemaInfo(url);
  log(
    `${rows.toLocaleString('en')} rows: records ${gib(disk.records_total_bytes)}, database ${gib(disk.database_bytes)}`,
  );
  const server = await startServer({ distDir, url, poolMax: settings.concurrency + 2 });
  try {
    const path = (user, cursor) =>
      `/data?user_id=${user}&limit=${settings.limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const deepPaths = [];
    for (const user of HOT_USERS) {
      deepPaths.push(path(user, await deepCursor(server, user, settings.limit, settings.deep_pages)));
    }
    const firstPaths = [...HOT_USERS, ...ORDINARY_USERS].map((u) => path(u));
    // Rounds alternate the two page kinds, so a burst of load from elsewhere on a shared machine
    // weighs on both; the percentiles are over every round's samples.
    const perRound = {
      concurrency: settings.concurrency,
      requests: Math.ceil(settings.requests / settings.rounds),
      warmup: settings.warmup,
    };
    // Untimed first: the pool's connections open the partitions' catalog entries on first use.
    for (const paths of [firstPaths, deepPaths]) {
      await closedLoop(server, paths, { concurrency: settings.concurrency, requests: 1, warmup: 400 });
    }
    const rounds = { first_page: [], deep_page: [] };
    for (let r = 0; r < settings.rounds; r++) {
      rounds.first_page.push(await closedLoop(server, firstPaths, perRound));
      rounds.deep_page.push(await closedLoop(server, deepPaths, perRound));
    }
    const first = combine(rounds.first_page);
    const deep = combine(rounds.deep_page);
    log(
      `  first page p50 ${first.p50_ms} p95 ${first.p95_ms} p99 ${first.p99_ms} ms (load ${first.loadavg_1m.before})`,
    );
    log(
      `  deep page  p50 ${deep.p50_ms} p95 ${deep.p95_ms} p99 ${deep.p99_ms} ms (load ${deep.loadavg_1m.before})`,
    );
    if (first.errors || deep.errors)
      throw new Error(`non-200 answers: ${first.errors} first, ${deep.errors} deep`);
    const depth = settings.deep_pages * settings.limit;
    const explainHot = await explainPages(url, ROOT, HOT_USERS[0], settings.limit, depth);
    const explainOrdinary = await explainPages(url, ROOT, ORDINARY_USERS[1], settings.limit, 0);
    return {
      rows,
      measured_at: new Date().toISOString(),
      load,
      vacuum_seconds: vacuumSeconds,
      disk,
      schema,
      http: { first_page: first, deep_page: deep },
      explain: { ...explainHot, ordinary_user: explainOrdinary },
    };
  } finally {
    await server.stop();
  }
}

async function storedSteps() {
  const rows = await query(url, `SELECT result FROM bench_scale.results ORDER BY rows`);
  return rows.map((r) => JSON.parse(r.join('|')));
}

/** The newest report of compare.mjs, if any. */
function newestComparison() {
  const dir = join(ROOT, '.reports/bench');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^scale-compare-.*\.json$/.test(f)) : [];
  const newest = files.sort().pop();
  return newest ? JSON.parse(readFileSync(join(dir, newest), 'utf8')) : undefined;
}

const run = { started_at: new Date().toISOString(), settings, database: dbName };
// A private copy of dist/: other work in the tree may rebuild dist/ while a long run goes on.
const distDir = join(ROOT, '.tools/bench-scale/dist');
if (!process.argv.includes('--report-only')) {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) throw new Error('dist/ is missing: run make build first');
  rmSync(distDir, { recursive: true, force: true });
  cpSync(join(ROOT, 'dist'), distDir, { recursive: true });
  await prepareDatabase({ url, adminUrl, dbName, distDir });
  for (const target of settings.steps) {
    const have = await loadedRows(url);
    if (have > target) {
      log(
        `skipping ${target.toLocaleString('en')}: the table already holds ${have.toLocaleString('en')} rows`,
      );
      continue;
    }
    log(
      `step ${target.toLocaleString('en')} rows (have ${have.toLocaleString('en')}), load average ${os.loadavg()[0].toFixed(2)}`,
    );
    const loaded = await loadTo(url, target, {
      batch: settings.batch,
      jobs: settings.load_jobs,
      days: settings.days,
      indexes: settings.load_indexes,
    });
    const load = { ...loaded, jobs: settings.load_jobs, batch: settings.batch };
    let vacuumSeconds = 0;
    if (loaded.added > 0) {
      log(
        `loaded ${loaded.added.toLocaleString('en')} rows in ${loaded.seconds.toFixed(0)} s; VACUUM ANALYZE`,
      );
      vacuumSeconds = await vacuumAnalyze(url);
    }
    let step = await measureStep(distDir, target, load, vacuumSeconds);
    if (loaded.added === 0) {
      // Measured again without loading: keep how the rows got there.
      const [prev] = await query(url, `SELECT result FROM bench_scale.results WHERE rows = :rows`, {
        rows: target,
      });
      if (prev) {
        const before = JSON.parse(prev.join('|'));
        step = { ...step, load: before.load, vacuum_seconds: before.vacuum_seconds };
      }
    }
    await query(
      url,
      `INSERT INTO bench_scale.results (rows, measured_at, result) VALUES (:rows, now(), :'result'::jsonb)
       ON CONFLICT (rows) DO UPDATE SET measured_at = now(), result = excluded.result`,
      { rows: target, result: JSON.stringify(step) },
    );
    const bytesPerRow = step.disk.records_total_bytes / target;
    log(
      `  ${Math.round(bytesPerRow)} bytes/row on disk; 100M rows would need ~${gib(bytesPerRow * 1e8)}` +
        (loaded.added
          ? `, ~${Math.round((1e8 - target) / (loaded.added / loaded.seconds) / 60)} min more loading at this rate`
          : ''),
    );
  }
}
run.machine = await machine();
run.steps = await storedSteps();
if (run.steps.length === 0) throw new Error('no step measured yet');
log(`report: ${writeJson(ROOT, run)}`);
run.comparison = newestComparison();
log(`docs:   ${await writeMarkdown(ROOT, markdownBlock(run.steps, run, run.comparison))}`);
log(`chart:  ${writeSvg(ROOT, run.steps, run.comparison)}`);
