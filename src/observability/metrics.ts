/**
 * Every metric of the service, declared in this one file (prom-client). Counters end in
 * `_total`; labels are bounded sets, never raw URLs or user ids.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from '../cache/record-cache.js';

export interface Metrics {
  registry: Registry;
  eventsPublishFailed: Counter<string>;
  rateLimited: Counter<'kind'>;
  rateLimitFallbacks: Counter<string>;
  /** Reads the cache's counters at every scrape. */
  observeCache(stats: CacheStats): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let cacheStats: CacheStats = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0 };

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

  return {
    registry,
    eventsPublishFailed: new Counter({
      name: 'events_publish_failed_total',
      help: 'Change events that could not be published (the writes were committed).',
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'rate_limited_requests_total',
      help: 'Requests refused with 429, by kind (read or write).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    rateLimitFallbacks: new Counter({
      name: 'rate_limit_fallback_total',
      help: 'Rate-limit checks decided by the per-instance limiter because Redis did not answer.',
      registers: [registry],
    }),
    observeCache(stats: CacheStats) {
      cacheStats = stats;
    },
  };
}
