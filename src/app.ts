/**
 * createApp builds the Koa application: middleware order, the contract router and the
 * handlers over the services. It never listens; main.ts does.
 */
import { constants as zlib } from 'node:zlib';
import Koa from 'koa';
import compress from 'koa-compress';
import type { Config } from './config/config.js';
import type { Storage } from './data/storage.js';
import { Idempotency } from './services/idempotency.js';
import { createBackend, type Backend } from './api/router/contract-router.js';
import { securityHandlers, unauthorizedHandler } from './api/router/security-handlers.js';
import { loadContract } from './api/contract.js';
import { operationsHandlers } from './api/handlers/operations-handlers.js';
import type { Lifecycle } from './services/readiness.js';
import { recordsHandlers } from './api/handlers/records-handlers.js';
import { auditLog } from './api/middleware/audit-log.js';
import { authenticate } from './api/middleware/authenticate.js';
import { compressThreshold, contentCoding } from './api/middleware/content-coding.js';
import { cors } from './api/middleware/cors.js';
import { drainConnections } from './api/middleware/drain-connections.js';
import { headRequests } from './api/middleware/head-requests.js';
import { MANAGEMENT_ONLY, MANAGEMENT_PATHS, servePaths } from './api/middleware/management.js';
import { noStore } from './api/middleware/no-store.js';
import { prefetchRecord } from './api/middleware/prefetch-record.js';
import { problemResponses } from './api/middleware/problem-responses.js';
import { kindOf, rateLimit, subjectOf } from './api/middleware/rate-limit.js';
import { requestLog } from './api/middleware/request-log.js';
import { requireHost, requireKnownExpectation } from './api/middleware/require-host.js';
import { securityHeaders } from './api/middleware/security-headers.js';
import { shedLoad, type ShedSignal } from './api/middleware/shed-load.js';
import { Authenticator } from './auth/authenticator.js';
import { UniqueUsers } from './usage/unique-users.js';
import { RecordCache } from './cache/record-cache.js';
import { createEventPublisher } from './events/change-events.js';
import { createRateLimiter } from './ratelimit/rate-limiter.js';
import type { Logger } from './observability/logger.js';
import type { Tracing } from './observability/tracing.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { eventLoopLag } from './observability/event-loop-lag.js';
import { NO_REDIS } from './redis/redis-gateway.js';
import type { RedisGateway } from './redis/redis-gateway.js';
import { RecordOperations } from './services/record-operations.js';
import { RecordsService } from './services/records-service.js';

export interface AppDeps {
  config: Readonly<Config>;
  /** The database (openStorage), already instrumented by the caller when it traces. */
  storage: Storage;
  logger: Logger;
  /** Redis for the cache, rate limits and events; NO_REDIS (the default) runs without. */
  redis?: RedisGateway;
  /** Spans per request (createTracing); unset: none. main.ts wraps storage and redis itself. */
  tracing?: Pick<Tracing, 'httpMiddleware' | 'currentTraceId'>;
  /**
   * Sizes fixed in code that tests shrink to reach their edges with few records: the rows one
   * filtered statement examines, and the records one erase statement deletes.
   */
  tuning?: { filterScanRows?: number; eraseBatchRows?: number };
}

export interface App {
  koa: Koa;
  /** The management listener's app (/metrics, /health, /ready) when MANAGEMENT_PORT is set. */
  management?: Koa;
  backend: Backend;
  lifecycle: Lifecycle;
  cache: RecordCache;
  metrics: Metrics;
  /** Preloads the first pages of the most recently active users; resolves with how many. */
  warmCache(): Promise<number>;
}

/** The measured delays that shed load: the event loop's lag, the pool's queue (when there is one). */
function shedSignals(config: Readonly<Config>, storage: Storage): ShedSignal[] {
  const signals: ShedSignal[] = [];
  if (config.shedEventLoopLagMs > 0) {
    const lag = eventLoopLag();
    signals.push({
      reason: 'event_loop_lag',
      measureMs: () => lag.lagMs(),
      thresholdMs: config.shedEventLoopLagMs,
    });
  }
  const queueDelayMs = storage.queueDelayMs?.bind(storage);
  if (config.shedPoolWaitMs > 0 && queueDelayMs) {
    signals.push({ reason: 'pool_wait', measureMs: queueDelayMs, thresholdMs: config.shedPoolWaitMs });
  }
  return signals;
}

const NOT_LIMITED = /^\/(health|ready|metrics|openapi(\.|\/partner\.)(json|yaml)|docs(\/.*)?)$/;
// Envelope levels above a payload: {"items": [{"payload": ...}]}.
const ENVELOPE_DEPTH = 3;

export async function createApp({
  config,
  storage,
  logger,
  redis = NO_REDIS,
  tracing,
  tuning = {},
}: AppDeps): Promise<App> {
  const contract = await loadContract();
  const idempotency = new Idempotency(storage.idempotency, {
    ttlSeconds: config.idempotencyTtlSeconds,
    leaseSeconds: config.idempotencyLeaseSeconds,
    writeWindowMs: config.idempotencyWriteWindowMs,
  });
  const metrics = createMetrics();
  const events = createEventPublisher(redis, {
    maxLen: config.eventsStreamMaxLen,
    onFailed: (count) => {
      metrics.eventsPublishFailed.inc(count);
      logger.warn({ count }, 'change events not published');
    },
  });
  const service = new RecordsService(
    storage.records,
    {
      payloadLimitBytes: config.payloadLimitBytes,
      jsonMaxDepth: config.jsonMaxDepth,
      jsonMaxNumberDigits: config.jsonMaxNumberDigits,
      bulkMaxItems: config.bulkMaxItems,
      cursorSecret: config.cursorSecret,
      ...tuning,
    },
    events,
  );
  const lifecycle: Lifecycle = { draining: false };
  const cache = new RecordCache(redis, {
    enabled: config.cacheEnabled,
    l1MaxEntries: config.cacheL1MaxEntries,
    l1MaxBytes: config.cacheL1MaxBytes,
    l1TtlMs: config.cacheL1TtlMs,
    entryMaxBytes: config.cacheEntryMaxBytes,
    l2MaxBytes: config.cacheL2MaxBytes,
    l2TtlSeconds: config.cacheTtlSeconds,
    tombstoneTtlSeconds: 60,
  });
  // Give a configured Redis a moment to connect, so the first requests can use it.
  await redis.waitUntilReady(undefined, 1000);
  await cache.start();
  metrics.observeCache(cache.stats);
  const uniqueUsers = new UniqueUsers(redis);
  metrics.observeUniqueUsers(() => uniqueUsers.count());
  metrics.observePool(() => storage.poolStats(), storage.kind);
  metrics.observePartitions(() => storage.partitions?.stats());
  const operations = new RecordOperations({
    records: service,
    cache,
    observer: {
      created: (count) => metrics.recordsCreated.inc(count),
      seen: (userId) => uniqueUsers.seen(userId),
    },
    idempotency,
  });
  const records = recordsHandlers(operations, { jsonMaxDepth: config.jsonMaxDepth });
  const backend = await createBackend(
    contract.document(),
    {
      ...records,
      unauthorizedHandler,
      ...operationsHandlers({
        metrics: metrics.registry,
        readiness: { database: storage, cache: redis, lifecycle },
        contract,
        referenceTtlSeconds: config.cacheReferenceTtlSeconds,
      }),
    },
    {
      bodyLimitBytes: config.bodyLimitBytes,
      maxDepth: config.jsonMaxDepth + ENVELOPE_DEPTH,
      maxNumberDigits: config.jsonMaxNumberDigits,
    },
    securityHandlers(),
  );

  const koa = new Koa({ proxy: false });
  koa.silent = true;
  // Answers given before routing (401, 429, 405) are still named by their path template.
  const { routeOf } = backend;
  const perWindow = (perMinute: number) =>
    Math.max(1, Math.round((perMinute * config.rateLimitWindowSeconds) / 60));
  // Outermost: everything after it, the request log included, runs inside the request's span.
  if (tracing) koa.use(tracing.httpMiddleware({ routeOf: (ctx) => routeOf(ctx.path)?.route }));
  koa.use(securityHeaders());
  koa.use(drainConnections(lifecycle));
  koa.use(requestLog(logger, metrics, routeOf, tracing?.currentTraceId));
  koa.use(auditLog(logger));
  // Around the error middleware: errors under /data are no-store too.
  koa.use(noStore());
  // Outside compression, which skips HEAD: a HEAD request is compressed as its GET would be.
  koa.use(headRequests());
  // Outside the error middleware, so that problem+json answers are encoded as the client asks.
  koa.use(
    compress({
      threshold: compressThreshold(config.compressionThresholdBytes),
      gzip: { flush: zlib.Z_SYNC_FLUSH },
      br: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
      deflate: false,
    }),
  );
  koa.use(problemResponses(logger));
  koa.use(contentCoding());
  koa.use(requireHost());
  koa.use(requireKnownExpectation());
  // With a management port, /metrics is served there only (it answers without credentials).
  if (config.managementPort !== undefined) koa.use(servePaths(MANAGEMENT_ONLY, { except: true }));
  const signals = shedSignals(config, storage);
  if (config.maxRequestsInFlight > 0 || config.maxBodyBytesInFlight > 0 || signals.length > 0) {
    koa.use(
      shedLoad({
        maxRequests: config.maxRequestsInFlight,
        maxBodyBytes: config.maxBodyBytesInFlight,
        bodyLimitBytes: config.bodyLimitBytes,
        signals,
        exempt: NOT_LIMITED,
        onShed: (reason) => metrics.requestsShed.inc({ reason }),
      }),
    );
  }
  // Off unless CORS_ALLOWED_ORIGINS is set. Before authentication and rate limiting: a preflight
  // carries no credentials and spends no budget; after the log, so preflights are logged.
  if (config.cors) koa.use(cors(config.cors, routeOf));
  const authenticator = await Authenticator.create(config.auth, {
    onKeysUnavailable: () => metrics.authKeysUnavailable.inc(),
  });
  // Failed authentication has a budget per client address, shared in Redis like the others. One
  // limiter holds every budget, so the rate limit can ask the address's budget and the request's
  // own in one step (authenticate's gateLater), and the in-process fallback counts both alike.
  const authLimit = config.auth.failuresPerMinute > 0 ? perWindow(config.auth.failuresPerMinute) : undefined;
  const limiter =
    config.rateLimitEnabled || authLimit !== undefined
      ? createRateLimiter(redis, {
          readLimit: perWindow(config.rateLimitReadPerMinute),
          writeLimit: perWindow(config.rateLimitWritePerMinute),
          ...(authLimit !== undefined && { authLimit }),
          windowSeconds: config.rateLimitWindowSeconds,
          onFallback: () => metrics.rateLimitFallbacks.inc(),
        })
      : undefined;
  const failures = authLimit !== undefined ? limiter : undefined;
  koa.use(
    authenticate(authenticator, {
      failures,
      gateLater: config.rateLimitEnabled,
      onRefused: () => metrics.rateLimited.inc({ kind: 'auth' }),
    }),
  );
  // The record a GET names is read from L2 in the same Redis round trip as the rate-limit check.
  koa.use(prefetchRecord((id) => operations.prefetch(id)));
  if (config.rateLimitEnabled && limiter) {
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
  koa.use(backend.dispatch);

  // MANAGEMENT_PORT: /metrics, /health and /ready on a listener of their own (main.ts), which
  // a NetworkPolicy can open to the monitoring system alone.
  let management: Koa | undefined;
  if (config.managementPort !== undefined) {
    management = new Koa({ proxy: false });
    management.silent = true;
    management.use(securityHeaders());
    management.use(requestLog(logger, metrics, routeOf, tracing?.currentTraceId));
    management.use(problemResponses(logger));
    management.use(servePaths(MANAGEMENT_PATHS));
    management.use(backend.dispatch);
  }

  const warmCache = () => operations.warmFirstPages(config.cacheWarmUsers);
  return { koa, management, backend, lifecycle, cache, metrics, warmCache };
}
