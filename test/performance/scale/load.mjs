// The loader: a dedicated database with the service's own schema, then rows added up to each
// step's size in set-based batches generated inside PostgreSQL (INSERT ... SELECT FROM
// generate_series; see batch.sql), a few sessions at once, with a progress bar on stderr.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { query, scalar, Session } from './psql.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const sqlFile = (name) => readFileSync(join(HERE, name), 'utf8');

/** Creates the database when missing and applies the service's migrations with its own CLI. */
export async function prepareDatabase({ url, adminUrl, dbName, distDir }) {
  const exists = await scalar(adminUrl, `SELECT 1 FROM pg_database WHERE datname = :'db'`, { db: dbName });
  if (!exists) {
    await query(adminUrl, `CREATE DATABASE "${dbName}"`);
    process.stderr.write(`bench-scale: created database ${dbName}\n`);
  }
  try {
    await promisify(execFile)(process.execPath, [join(distDir, 'src/cli/migrate.js')], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    });
  } catch (err) {
    // A migration edited since this database applied it (work in progress in the tree): the
    // steps already loaded stay comparable only on the schema they were loaded with, so go on.
    if (!exists || !/changed after it was applied/.test(String(err.stderr ?? err.message))) throw err;
    const why = /migration \S+ changed after it was applied/.exec(String(err.stderr))?.[0];
    process.stderr.write(`bench-scale: keeping the schema as applied (${why})\n`);
  }
  await query(url, sqlFile('setup.sql'));
}

/** What the measurements ran on: the migrations applied and whether records is partitioned. */
export async function schemaInfo(url) {
  const migrations = (await query(url, `SELECT version FROM schema_migrations ORDER BY version`)).map(
    (r) => r[0],
  );
  const kind = await scalar(url, `SELECT relkind FROM pg_class WHERE oid = 'records'::regclass`);
  const partitions = Number(
    await scalar(
      url,
      `SELECT count(*) FROM pg_partition_tree('records') WHERE isleaf AND relid <> 'records'::regclass`,
    ),
  );
  return { migrations, partitioned: kind === 'p', partitions };
}

export async function loadedRows(url) {
  return Number(await scalar(url, `SELECT loaded FROM bench_scale.state`));
}

function fmtDuration(s) {
  if (!Number.isFinite(s)) return '--';
  const t = Math.round(s);
  const m = Math.floor(t / 60);
  return m > 0 ? `${m}m${String(t % 60).padStart(2, '0')}s` : `${t}s`;
}

const fmtRows = (n) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n);

/** A progress bar on stderr; a line per 5% when stderr is not a terminal (nohup, CI logs). */
function progress(from, target) {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastTick = -1;
  return (done) => {
    const elapsed = (Date.now() - started) / 1000;
    const added = done - from;
    const rate = added / Math.max(elapsed, 1e-3);
    const fraction = (done - from) / Math.max(target - from, 1);
    const width = 30;
    const filled = Math.round(fraction * width);
    const line =
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}% ` +
      `${fmtRows(done)}/${fmtRows(target)} rows  ${fmtRows(Math.round(rate))} rows/s  ` +
      `elapsed ${fmtDuration(elapsed)}  ETA ${fmtDuration((target - done) / rate)}`;
    if (tty) process.stderr.write(`\r${line}${done >= target ? '\n' : ''}`);
    else if (Math.floor(fraction * 20) !== lastTick || done >= target) {
      lastTick = Math.floor(fraction * 20);
      process.stderr.write(`${line}\n`);
    }
  };
}

/**
 * Adds rows until the table holds `target`; never deletes (steps only grow). Returns the rows
 * added and the seconds it took.
 */
export async function loadTo(url, target, { batch, jobs, days, indexes = 'keep' }) {
  const from = await loadedRows(url);
  if (from >= target) {
    const index_seconds = await buildIndexes(url); // after a load interrupted with LOAD_INDEXES=defer
    return { from, added: 0, seconds: 0, ...(index_seconds > 0 ? { index_seconds } : {}) };
  }
  const t0 = Date.now();
  await query(url, sqlFile('ensure-partitions.sql'), { t0, days });
  // defer: the rows go into bare heaps and the indexes are built after, by sort (far faster than
  // three B-tree inserts a row once the indexes outgrow shared_buffers; the indexes come out
  // packed, as after a REINDEX, where inserts leave them about 70% full).
  if (indexes === 'defer') await query(url, sqlFile('drop-indexes.sql'));
  const tick = progress(from, target);
  let next = from;
  let done = from;
  tick(done);
  const started = process.hrtime.bigint();
  const worker = async () => {
    const session = new Session(url);
    try {
      await session.run(sqlFile('session.sql'));
      for (;;) {
        const n = Math.min(batch, target - next);
        if (n <= 0) break;
        next += n;
        await session.run(`\\set n ${n}\n\\set t0 ${t0}\n\\set days ${days}\n${sqlFile('batch.sql')}`);
        done += n;
        tick(done);
      }
    } finally {
      await session.close();
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // Also when a load with LOAD_INDEXES=defer was interrupted and this one kept them.
  const index_seconds = await buildIndexes(url);
  return {
    from,
    added: target - from,
    seconds,
    indexes: index_seconds > 0 ? 'built after the load' : 'kept',
    ...(index_seconds > 0 ? { index_seconds } : {}),
  };
}

/** Builds the keys and indexes a deferred load dropped (also after an interrupted one). */
export async function buildIndexes(url) {
  const pending = Number(await scalar(url, `SELECT count(*) FROM bench_scale.deferred_indexes`));
  if (pending === 0) return 0;
  process.stderr.write(`bench-scale: building ${pending} keys and indexes of records by sort\n`);
  const started = process.hrtime.bigint();
  await query(url, sqlFile('build-indexes.sql'));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export async function vacuumAnalyze(url) {
  const started = process.hrtime.bigint();
  await query(url, `VACUUM (ANALYZE) records`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Disk used: records with its partitions (heap + TOAST, indexes) and the whole database. */
export async function diskUsage(url) {
  const [row] = await query(
    url,
    `SELECT sum(pg_total_relation_size(relid)), sum(pg_table_size(relid)), sum(pg_indexes_size(relid)),
            pg_database_size(current_database())
     FROM pg_partition_tree('records')`,
  );
  return {
    records_total_bytes: Number(row[0]),
    records_table_bytes: Number(row[1]),
    records_index_bytes: Number(row[2]),
    database_bytes: Number(row[3]),
  };
}
