/**
 * Every metric of the service, declared in this one file (prom-client). Counters end in
 * `_total`; labels are bounded sets, never raw URLs or user ids.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from '../domain/record-cache.js';

/** A database pool's connections by state, as the composition root reads them for the metrics. */
export interface PoolStats {
  active: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  max: number;
}

/** The records partitions at the last maintenance run of this process. */
export interface PartitionStats {
  partitions: number;
  /** Exclusive end of the newest partition: inserts after it fail. */
  coveredUntil: Date | null;
  created: number;
  dropped: number;
}

export interface Metrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  requests: Counter<'method' | 'route' | 'status'>;
  recordsCreated: Counter<string>;
  /** Reads the pool's connections at every scrape; database 'oracle': also oracle_connections_active. */
  observePool(stats: () => PoolStats | undefined, database: string): void;
  /** Reads the partition maintenance's figures at every scrape (undefined: none has run here). */
  observePartitions(stats: () => PartitionStats | undefined): void;
  /** Counts distinct active users at every scrape. */
  observeUniqueUsers(count: () => Promise<number>): void;
  eventsPublishFailed: Counter<string>;
  rateLimited: Counter<'kind'>;
  /** Requests answered 503 because the identity provider's keys could not be fetched. */
  authKeysUnavailable: Counter<string>;
  rateLimitFallbacks: Counter<string>;
  /** Requests answered 503 at once by the load shedding, by reason (in_flight, body_bytes, event_loop_lag, pool_wait). */
  requestsShed: Counter<'reason'>;
  /** Reads the cache's counters at every scrape. */
  observeCache(stats: CacheStats): void;
}

/** Every reason starts at 0, so a dashboard shows the series before the first shed request. */
function shedCounter(registry: Registry): Counter<'reason'> {
  const counter = new Counter({
    name: 'requests_shed_total',
    help: 'Requests answered 503 at once by the load shedding: past MAX_REQUESTS_IN_FLIGHT (in_flight), MAX_BODY_BYTES_IN_FLIGHT (body_bytes), SHED_EVENT_LOOP_LAG_MS (event_loop_lag) or SHED_POOL_WAIT_MS (pool_wait).',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of ['in_flight', 'body_bytes', 'event_loop_lag', 'pool_wait']) counter.inc({ reason }, 0);
  return counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges with _total, which promtool rejects (prom-client issue #283);
  // the per-type gauges (nodejs_active_handles{type}, ...) carry the same information.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]) {
    registry.removeSingleMetric(name);
  }
  let cacheStats: CacheStats = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, l1Bytes: 0 };
  let poolStats: () => PoolStats | undefined = () => undefined;
  let isOracle = false;
  let partitionStats: () => PartitionStats | undefined = () => undefined;
  let activeUsers: () => Promise<number> = async () => 0;

  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state (active, idle, waiting callers, max).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = poolStats();
      if (!stats) return;
      for (const state of ['active', 'idle', 'waiting', 'max'] as const) this.set({ state }, stats[state]);
    },
  });
  new Gauge({
    name: 'oracle_connections_active',
    help: 'Oracle sessions in use (only when Oracle is the database).',
    registers: [registry],
    collect() {
      const stats = isOracle ? poolStats() : undefined;
      if (stats) this.set(stats.active);
    },
  });
  new Gauge({
    name: 'unique_users_active',
    help: 'Distinct users seen over the last 15 minutes (Redis HyperLogLog, or this instance alone without Redis).',
    registers: [registry],
    async collect() {
      this.set(await activeUsers());
    },
  });

  // Partition maintenance of records (PostgreSQL and PGlite): absent until it ran in this process.
  new Gauge({
    name: 'records_partitions',
    help: 'Partitions of the records table at the last partition maintenance of this instance.',
    registers: [registry],
    collect() {
      const p = partitionStats();
      if (p) this.set(p.partitions);
    },
  });
  new Gauge({
    name: 'records_partitions_ahead_seconds',
    help: 'Seconds until the end of the newest records partition: inserts fail after it (alert well before 0).',
    registers: [registry],
    collect() {
      const until = partitionStats()?.coveredUntil;
      if (until) this.set((until.getTime() - Date.now()) / 1000);
    },
  });
  new Counter({
    name: 'records_partitions_changed_total',
    help: 'Records partitions created or dropped by this instance, by action (created, dropped).',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      const p = partitionStats();
      this.reset();
      this.inc({ action: 'created' }, p?.created ?? 0);
      this.inc({ action: 'dropped' }, p?.dropped ?? 0);
    },
  });

  new Counter({
    name: 'cache_hits_total',
    help: 'Cache lookups answered, by level (l1: in process, l2: Redis).',
    labelNames: ['level'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ level: 'l1' }, cacheStats.l1Hits);
      this.inc({ level: 'l2' }, cacheStats.l2Hits);
    },
  });
  new Counter({
    name: 'cache_misses_total',
    help: 'Cache lookups not answered, by level.',
    labelNames: ['level'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ level: 'l1' }, cacheStats.l1Misses);
      this.inc({ level: 'l2' }, cacheStats.l2Misses);
    },
  });
  new Gauge({
    name: 'cache_hit_rate',
    help: 'Share of cacheable reads answered by a cache level since start (0 to 1).',
    registers: [registry],
    collect() {
      const hits = cacheStats.l1Hits + cacheStats.l2Hits;
      // Every read that reached L2 or the database missed L1; reads that missed both are misses.
      const misses = cacheStats.l2Misses;
      this.set(hits + misses === 0 ? 0 : hits / (hits + misses));
    },
  });
  new Gauge({
    name: 'cache_l1_bytes',
    help: 'Bytes the in-process cache holds, as counted against CACHE_L1_MAX_BYTES.',
    registers: [registry],
    collect() {
      this.set(cacheStats.l1Bytes);
    },
  });

  return {
    registry,
    // `route`, not `endpoint`: the Prometheus Operator gives every target an `endpoint` label (the
    // port's name), which would rename ours exported_endpoint and blind the alerts' selectors.
    requestDuration: new Histogram({
      name: 'request_duration_seconds',
      help: 'Time to answer a request, by method, contract path template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    requests: new Counter({
      name: 'requests_total',
      help: 'Requests answered, by method, contract path template and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    recordsCreated: new Counter({
      name: 'data_records_created_total',
      help: 'Records created (single and bulk).',
      registers: [registry],
    }),
    observePool(stats, database) {
      poolStats = stats;
      isOracle = database === 'oracle';
    },
    observePartitions(stats) {
      partitionStats = stats;
    },
    observeUniqueUsers(count) {
      activeUsers = count;
    },
    eventsPublishFailed: new Counter({
      name: 'events_publish_failed_total',
      help: 'Change events that could not be published (the writes were committed).',
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'rate_limited_requests_total',
      help: 'Requests refused with 429, by kind (read, write, or auth: an address over its budget of failed authentications).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    authKeysUnavailable: new Counter({
      name: 'auth_keys_unavailable_total',
      help: "Requests answered 503 because the identity provider's keys (AUTH_JWKS_URL) could not be fetched.",
      registers: [registry],
    }),
    rateLimitFallbacks: new Counter({
      name: 'rate_limit_fallback_total',
      help: 'Rate-limit checks decided by the per-instance limiter because Redis did not answer.',
      registers: [registry],
    }),
    requestsShed: shedCounter(registry),
    observeCache(stats: CacheStats) {
      cacheStats = stats;
    },
  };
}
