/**
 * Tracing over real HTTP: the app on PGlite in memory and a real Redis, its spans sent by the real
 * OTLP/HTTP exporter to a receiver on a loopback port, and read back as a collector would.
 * Until app.ts mounts the middleware, serve() composes it (see docs/tracing.md, "In tests").
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { postgresStorage } from '../../src/data/postgres-storage.js';
import { compileStatement } from '../../src/data/sql-catalog.js';
import { createHttpServer } from '../../src/http-server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTracing } from '../../src/observability/otel-tracing.js';
import type { Tracing } from '../../src/observability/tracing.js';
import { NO_REDIS } from '../../src/redis/redis-gateway.js';
import { createRedisGateway, redisGatewayFromConfig } from '../../src/redis/ioredis-gateway.js';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import {
  OTLP_KIND,
  OTLP_STATUS,
  startOtlpReceiver,
  type ExportedSpan,
  type OtlpReceiver,
} from '../helpers/otlp-receiver.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-servers.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
// AUTH_MODE=none: authentication is not what this file tests (a key config.ts lacks is ignored).
const BASE_ENV = { NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false', AUTH_MODE: 'none' };

/** Serves the app behind the given tracing, as the app.ts wiring will. */
async function serve(tracing: Tracing, testDb: TestDatabase, env: Record<string, string>, seen: unknown[]) {
  const config = loadConfig({ ...BASE_ENV, ...env });
  const redis = tracing.wrapRedisGateway(redisGatewayFromConfig(config));
  const storage = postgresStorage(testDb.db).instrument(tracing.wrapDatabase);
  const app = await createApp({ config, storage, logger: createLogger('silent'), redis });
  const outer = new Koa({ proxy: false });
  outer.silent = true;
  // Koa's middleware is a plain array: the same functions, in order, behind the tracing middleware.
  // Not app.koa.callback(): a second context would answer the response and keep ctx.state.route.
  outer.use(tracing.httpMiddleware({ routeOf: (ctx) => app.backend.routeOf(ctx.path)?.route }));
  // Stands in for the log line: what requestLog will read for trace_id.
  outer.use((_ctx, next) => {
    seen.push(tracing.currentTraceId());
    return next();
  });
  for (const middleware of app.koa.middleware) outer.use(middleware);
  const server: Server = createHttpServer(outer, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    lifecycle: app.lifecycle,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.close();
    },
  };
}

// One embedded database for the file: opening PGlite is the slow part of these tests.
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await openTestDatabase('pglite');
});
afterAll(async () => {
  await testDb?.drop();
});

describe('tracing on, exported over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  const traceId = hex(16);
  const callerSpanId = hex(8);
  const userId = `trace-user-${hex(6)}`;
  const marker = `payload-marker-${hex(6)}`;
  const unknownId = randomUUID();
  const seenTraceIds: unknown[] = [];
  let redisServer: TestRedis;
  let spans: ExportedSpan[];
  let raw: string;
  let createdId: string;
  let getCache: string | null;
  let unknownStatus: number;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    redisServer = await startRedis();
    const tracing = createTracing({
      endpoint: receiver.endpoint,
      serviceName: 'data-api-test',
      serviceVersion: '9.9.9',
    });
    const env = { REDIS_URL: redisServer.url, REDIS_KEY_PREFIX: `trace-${hex(4)}:` };
    const app = await serve(tracing, testDb, env, seenTraceIds);
    const headers = { traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: 'caller=opaque' };
    try {
      const created = await fetch(`${app.url}/data`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: userId, payload: { note: marker } }),
      });
      expect(created.status).toBe(201);
      createdId = ((await created.json()) as { id: string }).id;
      const read = await fetch(`${app.url}/data/${createdId}`, { headers });
      expect(read.status).toBe(200);
      getCache = read.headers.get('x-cache');
      await read.text();
      const unknown = await fetch(`${app.url}/data/${unknownId}`, { headers });
      unknownStatus = unknown.status;
      await unknown.text();
      expect((await fetch(`${app.url}/nothing-here/${marker}`, { headers })).status).toBe(404);
      app.lifecycle.draining = true; // /ready answers 503 while shutting down
      expect((await fetch(`${app.url}/ready`, { headers })).status).toBe(503);

      // A transaction and a script outside any request, under a span of the test's own.
      const db = tracing.wrapDatabase(testDb.db);
      await tracing.tracer.startActiveSpan('test-parent', async (parent) => {
        await db.transaction((tx) =>
          tx.query(compileStatement('probeBind', 'SELECT :v::text AS v'), { v: marker }),
        );
        await db.exec('SELECT 1');
        parent.end();
      });

      // Redis failing inside fn, and Redis configured but unreachable (fn never runs).
      const healthy = tracing.wrapRedisGateway(redisGatewayFromConfig(loadConfig({ ...BASE_ENV, ...env })));
      await healthy.waitUntilReady(undefined, 2000);
      expect(await healthy.run(async () => Promise.reject(new Error(`secret-${marker}`)))).toBeUndefined();
      await healthy.close();
      const unreachable = tracing.wrapRedisGateway(
        createRedisGateway({
          url: `redis://127.0.0.1:${await freePort()}`,
          commandTimeoutMs: 50,
          breakerThreshold: 100,
          breakerCooldownMs: 1000,
          keyPrefix: 'x:',
        }),
      );
      expect(await unreachable.run((c) => c.ping())).toBeUndefined();
      await unreachable.close();
    } finally {
      await app.close();
      await tracing.shutdown(10_000); // flushes the batch to the receiver
    }
    spans = receiver.spans();
    raw = receiver.rawBodies.join('\n');
  });
  afterAll(async () => {
    await redisServer?.stop();
    await receiver?.close();
  });

  const serverSpans = () => spans.filter((s) => s.kind === OTLP_KIND.server && s.traceId === traceId);
  const serverSpan = (name: string, nth = 0) => {
    const found = serverSpans().filter((s) => s.name === name)[nth];
    if (!found) throw new Error(`no server span ${name} #${nth} in ${serverSpans().map((s) => s.name)}`);
    return found;
  };
  const childrenOf = (parent: ExportedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);

  test('when a request carries traceparent, then its SERVER span continues that trace under the caller span', () => {
    expect(serverSpans()).toHaveLength(5);
    for (const span of serverSpans()) {
      expect(span.parentSpanId).toBe(callerSpanId);
      expect(span.traceState).toBe('caller=opaque');
      expect(span.resource['service.name']).toBe('data-api-test');
      expect(span.resource['service.version']).toBe('9.9.9');
    }
    expect(seenTraceIds).toEqual(Array(5).fill(traceId));
  });

  test('when the router matched, then the span is named by method and route template with its attributes', () => {
    expect(serverSpan('POST /data').attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/data',
      'http.response.status_code': 201,
    });
    const read = serverSpan('GET /data/{id}', 0);
    expect(read.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/data/{id}',
      'http.response.status_code': 200,
    });
    expect(unknownStatus).toBe(404);
    const missing = serverSpan('GET /data/{id}', 1);
    expect(missing.attributes['http.response.status_code']).toBe(404);
    // 4xx is the client's doing: the server span stays unset, only 5xx is an error.
    expect(missing.statusCode).toBe(OTLP_STATUS.unset);
  });

  test('when no route matched, then the span is named by the method alone, never the raw path', () => {
    expect(serverSpan('GET').attributes).toEqual({
      'http.request.method': 'GET',
      'http.response.status_code': 404,
    });
  });

  test('when the answer is 5xx, then the server span is an error with the status as error.type', () => {
    const ready = serverSpan('GET /ready');
    expect(ready.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(ready.statusCode).toBe(OTLP_STATUS.error);
  });

  test('when statements run for a request, then each is a CLIENT span named SQL <statement> under it', () => {
    const insert = childrenOf(serverSpan('POST /data')).filter((s) => s.name === 'SQL insertRecord');
    expect(insert).toHaveLength(1);
    expect(insert[0]?.kind).toBe(OTLP_KIND.client);
    expect(insert[0]?.attributes).toEqual({
      'db.system.name': 'postgresql',
      'db.system': 'postgresql',
      'db.operation.name': 'insertRecord',
    });
    const findsFor = (span: ExportedSpan) =>
      childrenOf(span).filter((s) => s.name === 'SQL findRecordById').length;
    // A read served from the cache runs no statement; a miss runs exactly one.
    expect(findsFor(serverSpan('GET /data/{id}', 0))).toBe(getCache === 'miss' ? 1 : 0);
    expect(findsFor(serverSpan('GET /data/{id}', 1))).toBe(1);
  });

  test('when a transaction and a script run, then each is a span and the statements nest inside the transaction', () => {
    const parent = spans.find((s) => s.name === 'test-parent') as ExportedSpan;
    expect(
      childrenOf(parent)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['SQL exec', 'SQL transaction']);
    const tx = childrenOf(parent).find((s) => s.name === 'SQL transaction') as ExportedSpan;
    expect(tx.attributes['db.operation.name']).toBe('transaction');
    expect(childrenOf(tx).map((s) => [s.name, s.attributes['db.operation.name']])).toEqual([
      ['SQL probeBind', 'probeBind'],
    ]);
  });

  test('when Redis is called during a request, then each run is a redis span under the request', () => {
    const redisSpans = serverSpans().flatMap((s) => childrenOf(s).filter((c) => c.name === 'redis'));
    expect(redisSpans.length).toBeGreaterThan(0);
    for (const span of redisSpans) {
      expect(span.kind).toBe(OTLP_KIND.client);
      expect(span.attributes['db.system.name']).toBe('redis');
    }
    expect(redisSpans.some((s) => s.attributes['data_api.redis.outcome'] === 'ok')).toBe(true);
  });

  test('when Redis fails or is unreachable, then the redis span is an error saying which', () => {
    const outcomes = spans
      .filter((s) => s.name === 'redis' && s.statusCode === OTLP_STATUS.error)
      .map((s) => [s.attributes['data_api.redis.outcome'], s.attributes['error.type']]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['failed', 'Error'],
        ['skipped', 'skipped'],
      ]),
    );
  });

  test('when spans are exported, then no bind value, payload, id or error message is in them', () => {
    expect(raw.length).toBeGreaterThan(0);
    for (const secret of [userId, marker, createdId, unknownId]) expect(raw).not.toContain(secret);
    expect(spans.map((s) => s.name).filter((n) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(n))).toEqual([]);
  });
});

describe('tracing off', () => {
  test('when no endpoint is given, then every wrapper returns its input and nothing is traced', async () => {
    for (const endpoint of [undefined, '']) {
      const tracing = createTracing({ endpoint, serviceName: 'data-api-test', serviceVersion: '0' });
      expect(tracing.enabled).toBe(false);
      expect(tracing.wrapRedisGateway(NO_REDIS)).toBe(NO_REDIS);
      expect(tracing.tracer.startSpan('x').isRecording()).toBe(false);
      await tracing.shutdown();
    }
  });

  test('when off, then the app answers as before and no trace id reaches the request', async () => {
    const tracing = createTracing({ serviceName: 'data-api-test', serviceVersion: '0' });
    const seen: unknown[] = [];
    expect(tracing.wrapDatabase(testDb.db)).toBe(testDb.db);
    const app = await serve(tracing, testDb, {}, seen);
    try {
      const res = await fetch(`${app.url}/data`, {
        method: 'POST',
        headers: { traceparent: `00-${hex(16)}-${hex(8)}-01`, 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'off', payload: {} }),
      });
      expect(res.status).toBe(201);
      expect(seen).toEqual([undefined]);
    } finally {
      await app.close();
    }
  });
});

describe('tracing with the collector down or slow', () => {
  test('when the collector refuses, then shutdown resolves instead of rejecting', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    // Below the exporter's first backoff: no retry is scheduled to outlive the test.
    const tracing = createTracing({ endpoint, serviceName: 'x', serviceVersion: '0', exportTimeoutMs: 200 });
    tracing.tracer.startSpan('lost').end();
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });

  test('when the collector is slow, then shutdown gives up at its bound', async () => {
    const slow = await startOtlpReceiver({ answerAfterMs: 1000 });
    const tracing = createTracing({ endpoint: slow.endpoint, serviceName: 'x', serviceVersion: '0' });
    tracing.tracer.startSpan('late').end();
    const started = Date.now();
    await tracing.shutdown(300);
    expect(Date.now() - started).toBeLessThan(900);
    await slow.close();
    expect(slow.spans().map((s) => s.name)).toEqual(['late']);
    // The abandoned export reads its late answer in the background: let it finish within this file.
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
});
