/**
 * createApp builds the Koa application: middleware order, the contract router and the
 * handlers over the services. It never listens; main.ts does.
 */
import { constants as zlib } from 'node:zlib';
import Koa from 'koa';
import compress from 'koa-compress';
import type { Config } from './config/config.js';
import type { AnyDatabase } from './data/open-database.js';
import { OracleIdempotencyStore } from './data/oracle/oracle-idempotency-store.js';
import { OracleRecordsRepository } from './data/oracle/oracle-records-repository.js';
import { OracleSqlCatalog } from './data/oracle/oracle-sql.js';
import { PostgresRecordsRepository } from './data/records-repository.js';
import { type RecordsRepository } from './domain/records.js';
import { PostgresIdempotencyStore } from './data/idempotency-store.js';
import { type IdempotencyStore } from './domain/idempotency.js';
import { Idempotency } from './api/idempotency.js';
import { SqlCatalog } from './data/sql-catalog.js';
import { createBackend, type Backend } from './api/backend.js';
import { cors } from './api/cors.js';
import { loadContract } from './api/contract.js';
import { operationsHandlers, type Lifecycle } from './api/handlers/operations-handlers.js';
import { recordsHandlers } from './api/handlers/records-handlers.js';
import { recordJson } from './api/reply.js';
import {
  auditLog,
  problemResponses,
  requireHost,
  requestLog,
  securityHeaders,
  shedLoad,
} from './api/middleware.js';
import { authenticate, securityHandlers, unauthorizedHandler } from './auth/auth-middleware.js';
import { Authenticator } from './auth/authenticator.js';
import { UniqueUsers } from './observability/unique-users.js';
import { RecordCache } from './cache/record-cache.js';
import { createEventPublisher } from './events/change-events.js';
import { kindOf, rateLimit, subjectOf } from './ratelimit/rate-limit-middleware.js';
import { createRateLimiter } from './ratelimit/rate-limiter.js';
import type { Logger } from './observability/logger.js';
import type { Tracing } from './observability/tracing.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { NO_REDIS } from './redis/redis-gateway.js';
import type { RedisGateway } from './redis/redis-gateway.js';
import { POSTGRES_QUERIES_DIR } from './config/paths.js';
import { RecordsService } from './services/records-service.js';

export interface AppDeps {
  config: Readonly<Config>;
  db: AnyDatabase;
  logger: Logger;
  /** Redis for the cache, rate limits and events; NO_REDIS (the default) runs without. */
  redis?: RedisGateway;
  /** Spans per request (createTracing); unset: none. main.ts wraps db and redis itself. */
  tracing?: Pick<Tracing, 'httpMiddleware' | 'currentTraceId'>;
}

export interface App {
  koa: Koa;
  backend: Backend;
  lifecycle: Lifecycle;
  cache: RecordCache;
  metrics: Metrics;
  /** Preloads the first pages of the most recently active users; resolves with how many. */
  warmCache(): Promise<number>;
}

const NOT_LIMITED = /^\/(health|ready|metrics|openapi\.(json|yaml)|docs(\/.*)?)$/;
// The contract's default limit: the page warming preloads.
const DEFAULT_PAGE_SIZE = 20;
// Envelope levels above a payload: {"items": [{"payload": ...}]}.
const ENVELOPE_DEPTH = 3;

export async function createApp({ config, db, logger, redis = NO_REDIS, tracing }: AppDeps): Promise<App> {
  const contract = await loadContract();
  // One storage choice: the records repository and the idempotency store share one catalog.
  let repository: RecordsRepository;
  let store: IdempotencyStore;
  if (db.kind === 'oracle') {
    const catalog = OracleSqlCatalog.load();
    repository = new OracleRecordsRepository(db, catalog);
    store = new OracleIdempotencyStore(db, catalog);
  } else {
    const catalog = SqlCatalog.load(POSTGRES_QUERIES_DIR);
    repository = new PostgresRecordsRepository(db, catalog);
    store = new PostgresIdempotencyStore(db, catalog);
  }
  const idempotency = new Idempotency(store, { ttlSeconds: config.idempotencyTtlSeconds });
  const metrics = createMetrics();
  const events = createEventPublisher(redis, {
    maxLen: config.eventsStreamMaxLen,
    onFailed: (count) => {
      metrics.eventsPublishFailed.inc(count);
      logger.warn({ count }, 'change events not published');
    },
  });
  const service = new RecordsService(
    repository,
    {
      payloadLimitBytes: config.payloadLimitBytes,
      jsonMaxDepth: config.jsonMaxDepth,
      bulkMaxItems: config.bulkMaxItems,
      cursorSecret: config.cursorSecret,
    },
    events,
  );
  const lifecycle: Lifecycle = { draining: false };
  const cache = new RecordCache(redis, {
    enabled: config.cacheEnabled,
    l1MaxEntries: config.cacheL1MaxEntries,
    l1TtlMs: config.cacheL1TtlMs,
    l2TtlSeconds: config.cacheTtlSeconds,
    tombstoneTtlSeconds: 60,
  });
  // Give a configured Redis a moment to connect, so the first requests can use it.
  await redis.waitUntilReady(undefined, 1000);
  await cache.start();
  metrics.observeCache(cache.stats);
  const uniqueUsers = new UniqueUsers(redis);
  metrics.observeActiveUsers(() => uniqueUsers.count());
  metrics.observePool(() => db.poolStats?.(), db.kind === 'oracle');
  const records = recordsHandlers(
    service,
    cache,
    {
      created: (count) => metrics.recordsCreated.inc(count),
      seen: (userId) => uniqueUsers.seen(userId),
    },
    idempotency,
  );
  const backend = await createBackend(
    contract.document(),
    {
      ...records,
      unauthorizedHandler,
      ...operationsHandlers({
        metrics: metrics.registry,
        db,
        redis,
        contract,
        lifecycle,
        referenceTtlSeconds: config.cacheReferenceTtlSeconds,
      }),
    },
    { bodyLimitBytes: config.bodyLimitBytes, maxDepth: config.jsonMaxDepth + ENVELOPE_DEPTH },
    securityHandlers(),
  );

  const koa = new Koa({ proxy: false });
  koa.silent = true;
  // Answers given before routing (401, 429) are still named by their path template.
  const routeOf = (ctx: Koa.Context) =>
    backend.api.router.matchOperation({ method: ctx.method, path: ctx.path, headers: {} })?.path;
  // Outermost: everything after it, the request log included, runs inside the request's span.
  if (tracing) koa.use(tracing.httpMiddleware({ routeOf }));
  koa.use(securityHeaders());
  // While draining, every answer closes its connection, so keep-alive clients reconnect elsewhere
  // instead of finding the socket closed under them.
  koa.use(async (ctx, next) => {
    if (lifecycle.draining) ctx.set('Connection', 'close');
    await next();
  });
  koa.use(requestLog(logger, metrics, routeOf, tracing?.currentTraceId));
  koa.use(auditLog(logger));
  koa.use(problemResponses(logger));
  koa.use(requireHost());
  if (config.maxRequestsInFlight > 0) {
    koa.use(shedLoad(config.maxRequestsInFlight, NOT_LIMITED, () => metrics.requestsShed.inc()));
  }
  // Off unless CORS_ALLOWED_ORIGINS is set. Before authentication and rate limiting: a preflight
  // carries no credentials and spends no budget; after the log, so preflights are logged.
  if (config.cors) koa.use(cors(config.cors, backend.routeOf));
  koa.use(authenticate(await Authenticator.create(config.auth)));
  if (config.rateLimitEnabled) {
    const perWindow = (perMinute: number) =>
      Math.max(1, Math.round((perMinute * config.rateLimitWindowSeconds) / 60));
    const limiter = createRateLimiter(redis, {
      readLimit: perWindow(config.rateLimitReadPerMinute),
      writeLimit: perWindow(config.rateLimitWritePerMinute),
      windowSeconds: config.rateLimitWindowSeconds,
      onFallback: () => metrics.rateLimitFallbacks.inc(),
    });
    // Probes, the contract and the docs are never limited: a busy client must not fail readiness.
    koa.use(
      rateLimit(limiter, {
        subjectOf,
        kindOf,
        skip: (ctx) => NOT_LIMITED.test(ctx.path),
        onRefused: (kind) => metrics.rateLimited.inc({ kind }),
      }),
    );
  }
  koa.use(
    compress({
      threshold: config.compressionThresholdBytes,
      gzip: { flush: zlib.Z_SYNC_FLUSH },
      br: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
      deflate: false,
    }),
  );
  koa.use(backend.dispatch);

  async function warmCache(): Promise<number> {
    const users = await cache.recentWriters(config.cacheWarmUsers);
    for (const userId of users) {
      await cache.getFirstPage(userId, DEFAULT_PAGE_SIZE, async () => {
        const page = await service.list({ userId, limit: DEFAULT_PAGE_SIZE });
        return Buffer.from(
          JSON.stringify({ items: page.items.map(recordJson), next_cursor: page.nextCursor }),
        );
      });
    }
    return users.length;
  }
  return { koa, backend, lifecycle, cache, metrics, warmCache };
}
