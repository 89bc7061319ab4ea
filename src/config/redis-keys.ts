/** Keys of Redis, the caches and the change-event stream. */
import { flag, integer, text, url } from './key-kinds.js';

export const redisKeys = {
  REDIS_URL: url({
    doc: 'redis:// or rediss:// (TLS) URL of Redis. Unset: the in-process cache and rate limiter serve alone.',
    secret: true,
  }),
  REDIS_CLUSTER_NODES: text({
    doc: 'host:port,host:port,... of a Redis Cluster; takes precedence over REDIS_URL.',
  }),
  REDIS_TLS_CA_FILE: text({
    doc: 'PEM file of the CA that signed the Redis server certificate, for rediss:// (a cluster: set, its nodes are reached over TLS). Unset: the built-in public roots.',
  }),
  REDIS_TLS_SERVERNAME: text({
    doc: 'Name the Redis certificate must hold, when it is not the host connected to (e.g. cluster nodes announced by IP).',
  }),
  REDIS_USERNAME: text({
    doc: 'ACL user for Redis (single server or every cluster node); not together with credentials in REDIS_URL.',
  }),
  REDIS_PASSWORD: text({
    doc: 'Password of REDIS_USERNAME (or of the default user); not together with credentials in REDIS_URL.',
    secret: true,
  }),
  REDIS_KEY_PREFIX: text({ default: 'dapi:', doc: 'Prefix of every Redis key and channel.' }),
  REDIS_COMMAND_TIMEOUT_MS: integer({
    default: 50,
    min: 1,
    max: 10000,
    doc: 'Longest a Redis command may take before the service goes on without it.',
  }),
  REDIS_BREAKER_THRESHOLD: integer({
    default: 5,
    min: 1,
    max: 1000,
    doc: 'Consecutive Redis failures that open the circuit (Redis is then skipped).',
  }),
  REDIS_BREAKER_COOLDOWN_MS: integer({
    default: 1000,
    min: 10,
    max: 600000,
    doc: 'How long the circuit stays open before one call probes Redis again.',
  }),
};

export const cacheKeys = {
  EVENTS_STREAM_MAX_LEN: integer({
    default: 100000,
    min: 1,
    max: 100000000,
    doc: 'Approximate most entries kept in the change-event stream (XADD MAXLEN ~).',
  }),
  CACHE_ENABLED: flag({ default: true, doc: 'Cache reads in process (L1) and in Redis (L2).' }),
  CACHE_L1_MAX_ENTRIES: integer({
    default: 10000,
    min: 1,
    max: 10000000,
    doc: 'Most entries of the in-process LRU cache.',
  }),
  CACHE_L1_MAX_BYTES: integer({
    default: 67108864,
    min: 65536,
    max: 68719476736,
    doc: 'Most bytes the in-process cache (L1) holds, entries and keys counted (64 MiB by default).',
  }),
  CACHE_ENTRY_MAX_BYTES: integer({
    default: 262144,
    min: 1024,
    max: 67108864,
    doc: 'Largest record or first page kept in either cache level; a larger one is served, not cached.',
  }),
  CACHE_L2_MAX_BYTES: integer({
    default: 67108864,
    min: 65536,
    max: 68719476736,
    doc: 'Most bytes of records and pages the cache stores in Redis (L2), whoever reads them (64 MiB by default).',
  }),
  CACHE_L1_TTL_MS: integer({
    default: 5000,
    min: 1,
    max: 3600000,
    doc: 'Life of an in-process cache entry: the safety net if an invalidation announcement is lost.',
  }),
  CACHE_TTL_SECONDS: integer({
    default: 300,
    min: 1,
    max: 86400,
    doc: 'Life of user data (records, first pages) in Redis.',
  }),
  CACHE_REFERENCE_TTL_SECONDS: integer({
    default: 3600,
    min: 0,
    max: 86400,
    doc: 'Cache-Control max-age of reference data: the published contract and the documentation files.',
  }),
  CACHE_WARM_USERS: integer({
    default: 100,
    min: 0,
    max: 100000,
    doc: 'On start, preload the first page of this many most recently active users (0: off).',
  }),
};
