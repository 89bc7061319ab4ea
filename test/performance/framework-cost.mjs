// The framework's own share of a request, in one process, without HTTP: the contract router's
// dispatch from a matched request to its handler (openapi-backend's handleRequest against the
// operation's compiled run, docs/adr/0007-router-and-request-parse.md), and one request log line
// (pino writing to a file synchronously against asynchronously, 16 lines per event-loop turn; the
// time is the main thread's, an asynchronous write's system call runs on libuv's thread pool).
// Interleaved rounds, median of each. Needs `make build` first.
//   node test/performance/framework-cost.mjs      (ROUNDS=7 MS=400)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { pino } from 'pino';
import { readContract } from '../../dist/src/api/contract.js';
import { createBackend } from '../../dist/src/api/router/contract-router.js';
import { compileOperations } from '../../dist/src/api/router/operation-pipeline.js';
import { securityHandlers } from '../../dist/src/api/router/security-handlers.js';
import { CONTRACT_PATH } from '../../dist/src/config/paths.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const MS = Number(process.env.MS ?? 400);

const document = (await readContract(CONTRACT_PATH, '/nonexistent.json')).document();
const ids = Object.values(document.paths)
  .flatMap((item) => Object.values(item))
  .flatMap((op) => (op.operationId ? [op.operationId] : []));
const handlers = Object.fromEntries(ids.map((id) => [id, () => ({ status: 200 })]));
const backend = await createBackend(
  document,
  { ...handlers, unauthorizedHandler: () => ({ status: 401 }) },
  { bodyLimitBytes: 1 << 20, maxDepth: 64, maxNumberDigits: 1000 },
  securityHandlers(),
);
const { api } = backend;
const runs = compileOperations(api);
const ctx = { state: { principal: { via: 'jwt', sub: 'bench-r0001', scopes: ['data:read', 'data:write'] } } };

// The headers the benchmark's load generator sends (node:http), as Node hands them over.
const headers = {
  host: '127.0.0.1:8000',
  connection: 'keep-alive',
  authorization: `Bearer ${'x'.repeat(220)}`,
};
const requests = {
  'GET /data/{id}': { method: 'GET', path: '/data/0190a0b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b', query: '', headers },
  'POST /data': {
    method: 'POST',
    path: '/data',
    query: '',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': '120' },
    body: {
      user_id: 'bench-w0001',
      payload: { name: 'João', age: 30, tags: ['a', 'b'], note: 'x'.repeat(40) },
    },
  },
  'GET /data?user_id=': { method: 'GET', path: '/data', query: 'user_id=bench-r0001&limit=20', headers },
};

// Calls in batches of `batch`, with an event-loop turn between batches (as between the requests of
// a busy server: an asynchronous log destination writes what it gathered then).
async function perCall(fn, batch = 200) {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 2000; i++) await fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < MS) {
    for (let i = 0; i < batch; i++) await fn();
    n += batch;
    await turn();
  }
  return ((performance.now() - start) * 1000) / n; // µs
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
const record = (name, us) => (results[name] ??= []).push(us);

const dir = mkdtempSync(join(tmpdir(), 'framework-cost-'));
const loggers = {
  'log line, sync file': pino(
    { base: { service: 'data-api' } },
    pino.destination({ dest: join(dir, 's.log'), sync: true }),
  ),
  'log line, async file': pino(
    { base: { service: 'data-api' } },
    pino.destination({ dest: join(dir, 'a.log'), sync: false }),
  ),
};
const line = {
  request_id: 'r-1',
  method: 'GET',
  route: '/data/{id}',
  status: 200,
  duration_ms: 0.41,
  sub: 'bench-r0001',
};

for (let round = 0; round < ROUNDS; round++) {
  for (const [name, req] of Object.entries(requests)) {
    const op = api.router.matchOperation({ ...req });
    const run = runs.get(op);
    const sides = [
      [`${name}: handleRequest`, () => api.handleRequest({ ...req }, ctx)],
      [`${name}: compiled run`, () => run({ ...req }, ctx)],
    ];
    if (round % 2) sides.reverse();
    for (const [label, fn] of sides) record(label, await perCall(fn));
  }
  const logs = Object.entries(loggers);
  if (round % 2) logs.reverse();
  for (const [label, logger] of logs) record(label, await perCall(() => logger.info(line, 'request'), 16));
}
await new Promise((resolve) => loggers['log line, async file'].flush(resolve));
rmSync(dir, { recursive: true, force: true });

console.log(`${ROUNDS} rounds of ${MS} ms, median µs per call (min–max)`);
for (const [name, xs] of Object.entries(results)) {
  const r = (x) => x.toFixed(2);
  console.log(
    `${name.padEnd(40)} ${r(median(xs)).padStart(7)}  (${r(Math.min(...xs))}–${r(Math.max(...xs))})`,
  );
}
