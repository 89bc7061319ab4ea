/**
 * Starts the real app on a real port (0: any free one) over a test database, and sends real
 * HTTP requests to it. Every response is checked against the contract before a test sees it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Database } from '../../src/data/database.js';
import { postgresStorage } from '../../src/data/postgres-storage.js';
import { createHttpServer } from '../../src/http-server.js';
import { createLogger } from '../../src/observability/logger.js';
import { redisGatewayFromConfig } from '../../src/redis/ioredis-gateway.js';
import { ContractChecker } from './contract-check.js';
import { openTestDatabase, type BackendKind, type TestDatabase } from './databases.js';

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body (undefined when empty). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as it is, instead of JSON.stringify(body). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  app: App;
  config: Readonly<Config>;
  db: Database;
  testDb?: TestDatabase;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

/** Runs the app over an existing Database (the caller owns it). */
export async function startServerOn(
  db: Database,
  env: Record<string, string> = {},
  logLines?: Record<string, unknown>[],
  tuning?: AppDeps['tuning'],
): Promise<TestServer> {
  // Rate limiting and authentication are off unless a test turns them on: suites send hundreds
  // of requests from one address, and test/api/auth.test.ts covers who may do what. So is the
  // shedding on event-loop lag: servers and test code share this process's one loop, whose
  // stalls (another server compiling its validators) are no overload of this server;
  // test/api/load-shedding.test.ts turns it on.
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    AUTH_MODE: 'none',
    SHED_EVENT_LOOP_LAG_MS: '0',
    ...env,
  });
  const redis = redisGatewayFromConfig(config);
  // With logLines, every JSON log line is parsed into it (at level info), for tests that read logs.
  const logger = logLines
    ? createLogger('info', {
        write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>),
      })
    : createLogger(config.logLevel);
  const app = await createApp({ config, storage: postgresStorage(db), logger, redis, tuning });
  const server: Server = createHttpServer(app.koa, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const checker = new ContractChecker(app.backend.api);

  async function request(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Buffer | undefined = options.raw;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    checker.check({ method, path, status: res.status, headers: res.headers, text });
    let parsed: unknown;
    // JSON and problem+json; not NDJSON (application/x-ndjson), which is lines of JSON.
    if (text !== '' && /^application\/([\w.-]+\+)?json\b/.test(res.headers.get('content-type') ?? '')) {
      parsed = JSON.parse(text);
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  return {
    url,
    app,
    config,
    db,
    request,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.close();
    },
  };
}

/** A fresh test database of the given kind with the app over it. */
export async function startServer(
  kind: BackendKind,
  env: Record<string, string> = {},
  options: { logLines?: Record<string, unknown>[]; tuning?: AppDeps['tuning'] } = {},
): Promise<TestServer> {
  const testDb = await openTestDatabase(kind);
  const server = await startServerOn(testDb.db, env, options.logLines, options.tuning);
  return {
    ...server,
    testDb,
    async close() {
      await server.close();
      await testDb.drop();
    },
  };
}

/** The value of one sample of GET /metrics, e.g. metricValue(s, 'cache_hits_total{level="l1"}'). */
export async function metricValue(s: TestServer, sample: string): Promise<number> {
  const text = (await s.request('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}
