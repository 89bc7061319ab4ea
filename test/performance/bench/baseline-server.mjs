// The baselines: a bare node:http server (no framework, no validation, no authentication, no
// rate limit, no metrics, no logs) doing only the I/O that the service's path cannot avoid,
// through the same clients and the same SQL. The service ÷ baseline ratio is then the price of
// everything else. Run by run.mjs as its own process; needs `make build` (reads the SQL catalog
// from dist/). Paths:
//   GET  /a/record/<id>    (a) the record's bytes, as the service answers them, from Redis (one
//                              GET of a plain key that run.mjs filled)
//   GET  /a/page/<user>    (a) a user's first page from Redis (the same)
//   GET  /b/list?user_id=  (b) listRecordsByUser (the service's named statement) → JSON
//   GET  /d/record/<id>    (d) findRecordById → JSON
//   POST /c/data           (c) insertRecord → 201 JSON
//   POST /c/copy           COPY of the items of a bulk body ({"items": [...]}) → 201 {"count"}
import http from 'node:http';
import { Redis } from 'ioredis';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { SqlCatalog } from '../../../dist/src/data/sql-catalog.js';
import { POSTGRES_QUERIES_DIR } from '../../../dist/src/config/paths.js';
import { recordJson } from './record-json.mjs';

const env = process.env;
const prefix = env.REDIS_KEY_PREFIX ?? 'dapi:';
const catalog = SqlCatalog.load(POSTGRES_QUERIES_DIR);
const LIST = catalog.get('listRecordsByUser');
const FIND = catalog.get('findRecordById');
const INSERT = catalog.get('insertRecord');

// The service's pool settings (src/data/postgres.ts; DB_POOL_MAX defaults to 10).
const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DB_POOL_MAX ?? 10),
  statement_timeout: 5000,
  options: `-c search_path=${env.DATABASE_SCHEMA ?? 'public'} -c plan_cache_mode=force_generic_plan`,
  application_name: 'data-api-bench-baseline',
});
pool.on('error', () => undefined);
// The service's client options (src/redis/redis-gateway.ts).
const redis = new Redis(env.REDIS_URL, {
  enableOfflineQueue: true,
  maxRetriesPerRequest: 0,
  enableAutoPipelining: false,
});
redis.on('error', () => undefined);

function positional(stmt, values) {
  return stmt.params.map((p) => values[p] ?? null);
}

async function query(stmt, values) {
  const res = await pool.query({ name: stmt.name, text: stmt.text, values: positional(stmt, values) });
  return res.rows;
}

/** COPY ... FROM STDIN through pg's query protocol, without pg-copy-streams. */
class CopyIn {
  constructor(text, data) {
    this.text = text;
    this.data = data;
    this.rowCount = 0;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
  submit(connection) {
    connection.query(this.text);
  }
  handleCopyInResponse(connection) {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }
  handleCommandComplete(msg) {
    this.rowCount = Number(/\d+$/.exec(msg.text ?? '')?.[0] ?? 0);
  }
  handleError(err) {
    this.failed = true;
    this.reject(err);
  }
  handleReadyForQuery() {
    if (!this.failed) this.resolve(this.rowCount);
  }
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleCopyData() {}
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyText(s) {
  return s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]);
}

async function copyRecords(items) {
  const now = new Date().toISOString();
  const lines = items.map(
    (item) =>
      `${uuidv7()}\t${copyText(item.user_id)}\t${copyText(JSON.stringify(item.payload))}\t${now}\t${now}\t1\n`,
  );
  const client = await pool.connect();
  try {
    const copy = new CopyIn(
      'COPY records (id, user_id, payload, created_at, updated_at, version) FROM STDIN',
      Buffer.from(lines.join('')),
    );
    client.query(copy);
    return await copy.promise;
  } finally {
    client.release();
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res, status, body) {
  const bytes = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(bytes) });
  res.end(bytes);
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://baseline');
  const [, kind, what, arg] = url.pathname.split('/');
  if (req.method === 'GET' && kind === 'a' && what === 'record') {
    const raw = await redis.getBuffer(`${prefix}bench:record:${arg}`);
    return raw ? reply(res, 200, raw) : reply(res, 404, '{}');
  }
  if (req.method === 'GET' && kind === 'a' && what === 'page') {
    const raw = await redis.getBuffer(`${prefix}bench:page:${arg}`);
    return raw ? reply(res, 200, raw) : reply(res, 404, '{}');
  }
  if (req.method === 'GET' && kind === 'b' && what === 'list') {
    const limit = Number(url.searchParams.get('limit') ?? 20);
    // The bounds the repository passes for "no filter, first page" (src/data/records-repository.ts).
    const rows = await query(LIST, {
      user_id: url.searchParams.get('user_id'),
      created_after: '-infinity',
      created_before: 'infinity',
      cursor_created_at: 'infinity',
      cursor_id: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      limit: limit + 1,
    });
    return reply(res, 200, {
      items: rows.slice(0, limit).map(recordJson),
      next_cursor: rows.length > limit ? 'more' : null,
    });
  }
  if (req.method === 'GET' && kind === 'd' && what === 'record') {
    // As the repository: first within a day of the time in a UUIDv7 id, then anywhere.
    const ms = arg[14] === '7' ? parseInt(arg.slice(0, 8) + arg.slice(9, 13), 16) : NaN;
    let rows = Number.isNaN(ms)
      ? []
      : await query(FIND, {
          id: arg,
          near_from: new Date(ms - 86_400_000).toISOString(),
          near_to: new Date(ms + 86_400_000).toISOString(),
        });
    if (rows.length === 0) rows = await query(FIND, { id: arg, near_from: '-infinity', near_to: 'infinity' });
    return rows[0] ? reply(res, 200, recordJson(rows[0])) : reply(res, 404, '{}');
  }
  if (req.method === 'POST' && kind === 'c' && what === 'data') {
    const body = JSON.parse((await readBody(req)).toString('utf8'));
    const rows = await query(INSERT, {
      id: uuidv7(),
      user_id: body.user_id,
      payload: JSON.stringify(body.payload),
    });
    return reply(res, 201, recordJson(rows[0]));
  }
  if (req.method === 'POST' && kind === 'c' && what === 'copy') {
    const body = JSON.parse((await readBody(req)).toString('utf8'));
    return reply(res, 201, { count: await copyRecords(body.items) });
  }
  if (kind === 'health') return reply(res, 200, '{"status":"healthy"}');
  return reply(res, 404, '{}');
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (!res.headersSent) reply(res, 500, JSON.stringify({ error: String(err?.message ?? err) }));
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(env.PORT), '127.0.0.1');

async function stop() {
  server.close();
  server.closeAllConnections();
  await Promise.allSettled([pool.end(), redis.quit()]);
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
