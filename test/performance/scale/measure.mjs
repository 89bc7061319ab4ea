// The measurements of one step: the built server as a process over the scale database (no
// authentication, no rate limit, no cache, so every request reaches PostgreSQL), closed-loop
// keep-alive load on the first page and on a deep page of GET /data?user_id=, and the list query's
// plan (EXPLAIN ANALYZE, BUFFERS) for the same pages.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { query } from './psql.mjs';

export const HOT_USERS = ['hot-1', 'hot-2', 'hot-3', 'hot-4', 'hot-5'];
// Ordinary users that hold at least 50 records from the 1M step on (user-000000..user-000900 do,
// given the skew of batch.sql), so every first page is a full page at every size and the table
// size is the only thing that changes between steps.
export const ORDINARY_USERS = Array.from({ length: 45 }, (_, j) => `user-${String(j * 20).padStart(6, '0')}`);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function get(agent, port, path) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            body: Buffer.concat(chunks),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
      })
      .on('error', reject);
  });
}

/** Starts dist/src/main.js on a free port and resolves once /health answers. */
export async function startServer({ distDir, url, poolMax }) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(distDir, 'src/main.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: url,
      MIGRATE_ON_START: 'false',
      DB_POOL_MAX: String(poolMax),
      DB_STATEMENT_TIMEOUT_MS: '60000',
      AUTH_MODE: 'none',
      RATE_LIMIT_ENABLED: 'false',
      CACHE_ENABLED: 'false',
      CACHE_WARM_USERS: '0',
      CURSOR_SECRET: randomBytes(32).toString('hex'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
    try {
      if ((await get(agent, port, '/health')).status === 200) {
        return {
          port,
          agent,
          stop: () =>
            new Promise((resolve) => {
              agent.destroy();
              if (child.exitCode !== null) return resolve();
              child.on('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        };
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`server on port ${port} never answered /health: ${stderr}`);
}

const listPath = (user, limit, cursor) =>
  `/data?user_id=${encodeURIComponent(user)}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/** Follows next_cursor `pages` times; returns the cursor of page pages + 1. */
export async function deepCursor(server, user, limit, pages) {
  let cursor;
  for (let p = 0; p < pages; p++) {
    const res = await get(server.agent, server.port, listPath(user, limit, cursor));
    if (res.status !== 200)
      throw new Error(`GET ${listPath(user, limit, cursor)}: ${res.status} ${res.body}`);
    cursor = JSON.parse(res.body).next_cursor;
    if (!cursor) throw new Error(`${user} has fewer than ${(p + 1) * limit + 1} records`);
  }
  return cursor;
}

export function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const round = (x) => Math.round(x * 100) / 100;
  return {
    count: s.length,
    mean_ms: round(s.reduce((a, b) => a + b, 0) / s.length),
    p50_ms: round(at(0.5)),
    p95_ms: round(at(0.95)),
    p99_ms: round(at(0.99)),
    max_ms: round(s[s.length - 1]),
  };
}

/**
 * Closed loop: `concurrency` clients, each sends its next request when the previous answer has
 * arrived, cycling through `paths`; the first `warmup` answers are not counted.
 */
export async function closedLoop(server, paths, { concurrency, requests, warmup }) {
  const total = requests + warmup;
  const latencies = [];
  let next = 0;
  let errors = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  let measuredFrom = started;
  const client = async () => {
    for (;;) {
      const k = next++;
      if (k >= total) return;
      if (k === warmup) measuredFrom = process.hrtime.bigint();
      const res = await get(server.agent, server.port, paths[k % paths.length]);
      if (res.status !== 200) errors++;
      if (k >= warmup) {
        latencies.push(res.ms);
        bytes += res.body.length;
      }
    }
  };
  const load = os.loadavg()[0];
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = Number(process.hrtime.bigint() - measuredFrom) / 1e9;
  return {
    ...percentiles(latencies),
    errors,
    throughput_rps: Math.round(latencies.length / seconds),
    mean_response_bytes: Math.round(bytes / latencies.length),
    loadavg_1m: { before: load, after: os.loadavg()[0] },
    latencies,
  };
}

/** One summary over several rounds: percentiles of all samples, and each round's p95. */
export function combine(rounds) {
  const all = rounds.flatMap((r) => r.latencies);
  const loads = rounds.flatMap((r) => [r.loadavg_1m.before, r.loadavg_1m.after]);
  return {
    ...percentiles(all),
    rounds_p95_ms: rounds.map((r) => r.p95_ms),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    throughput_rps: Math.round(rounds.reduce((a, r) => a + r.throughput_rps, 0) / rounds.length),
    mean_response_bytes: rounds[0].mean_response_bytes,
    loadavg_1m: { before: rounds[0].loadavg_1m.before, max: Math.max(...loads) },
  };
}

/** The list statement of the service's SQL catalog with literal values bound (the plan a call prunes to). */
function listSql(root, { userId, limit, cursorCreatedAt, cursorId }) {
  const text = readFileSync(join(root, 'sql/postgres/queries/records.sql'), 'utf8');
  const after = text.split('/* @name listRecordsByUser */')[1].split('/* @name')[0];
  const statement = after
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join('\n');
  const block = statement.slice(0, statement.indexOf(';'));
  const lit = (v) => (v === null || v === undefined ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);
  const values = {
    user_id: lit(userId),
    // The bounds the repository passes when there is no filter or no cursor (records.sql).
    created_after: "'-infinity'",
    created_before: "'infinity'",
    cursor_created_at: lit(cursorCreatedAt ?? 'infinity'),
    cursor_id: lit(cursorId ?? 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
    limit: String(limit),
  };
  return block.replace(/:([a-z_]+)/g, (m, name) => values[name] ?? m);
}

function summarizePlan(json) {
  const top = json[0];
  const planned = new Set();
  const executed = new Set();
  const nodes = [];
  let subplansRemoved = 0;
  const walk = (n, depth) => {
    if (nodes.length < 6) {
      nodes.push(
        `${'  '.repeat(depth)}${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`,
      );
    }
    if (n['Relation Name']) {
      planned.add(n['Relation Name']);
      // An ordered Append stops at the LIMIT: the partitions after it show "never executed".
      if (n['Actual Loops'] > 0) executed.add(n['Relation Name']);
    }
    subplansRemoved += n['Subplans Removed'] ?? 0;
    for (const c of n.Plans ?? []) walk(c, depth + 1);
  };
  walk(top.Plan, 0);
  return {
    execution_ms: top['Execution Time'],
    planning_ms: top['Planning Time'],
    planning_shared_blocks:
      (top.Planning?.['Shared Hit Blocks'] ?? 0) + (top.Planning?.['Shared Read Blocks'] ?? 0),
    rows: top.Plan['Actual Rows'],
    shared_hit_blocks: top.Plan['Shared Hit Blocks'],
    shared_read_blocks: top.Plan['Shared Read Blocks'],
    relations_planned: planned.size,
    relations_executed: executed.size,
    subplans_removed: subplansRemoved,
    plan: nodes,
  };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of a statement twice in one session: the first run pays for a new
 * connection's catalog caches (28 partitions and their indexes to open) and may read from disk;
 * the second is what a pooled connection of the service pays.
 */
async function explainTwice(url, sql) {
  const stmt = `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql};\n\\echo @@next\n`;
  const rows = await query(url, stmt + stmt);
  const [a, b] = rows
    .map((r) => r.join('|'))
    .join('\n')
    .split('@@next')
    .filter((t) => t.trim() !== '');
  return { first_run: summarizePlan(JSON.parse(a)), repeat: summarizePlan(JSON.parse(b)) };
}

/** The plans of the first page and (depth > 0) of the page after `depth` rows of a user. */
export async function explainPages(url, root, user, limit, depth) {
  const result = { user, first_page: await explainTwice(url, listSql(root, { userId: user, limit })) };
  if (depth > 0) {
    const [cursor] = await query(
      url,
      `SELECT created_at, id FROM records WHERE user_id = :'u' ORDER BY created_at DESC, id DESC OFFSET :d LIMIT 1`,
      { u: user, d: depth - 1 },
    );
    if (!cursor) throw new Error(`${user} has fewer than ${depth} records`);
    const deep = listSql(root, { userId: user, limit, cursorCreatedAt: cursor[0], cursorId: cursor[1] });
    result.deep_page = { offset_rows: depth, ...(await explainTwice(url, deep)) };
  }
  return result;
}
