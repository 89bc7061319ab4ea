/**
 * The configuration: read from the environment once, at start, and handed to everything else.
 * This room is the only reader of process.env. Each key is declared once (config-keys.ts and the
 * *-keys.ts files: type, default, bounds or choices, doc, secret); the rules between keys are in
 * the *-rules.ts and *-options.ts files; docs/configuration.md and .env.example list the same keys
 * (a test checks it). See docs/adr/0006-configuration-schema.md.
 */
import { authOptions, authWarnings, checkAuth, listenHost } from './auth-options.js';
import { checkCache, checkLease, leaseWriteWindowMs } from './cache-rules.js';
import { CONFIG_KEYS, type KeyValues, type Loose } from './config-keys.js';
import { ConfigError } from './config-error.js';
import { checkCors, corsOptions } from './cors-options.js';
import { checkCursorSecret, cursorSecretOf } from './cursor-secret.js';
import { checkDatabase, checkDatabaseChoice, workerCount } from './database-rules.js';
import { allParsed, parseKeys, type Env } from './key-parser.js';
import { checkOracle, oracleOptions } from './oracle-options.js';
import { checkRedis, clusterNodes } from './redis-rules.js';
import { checkTransport, tlsExemptions, transportWarnings } from './transport-rules.js';

// What main and the tests need besides loadConfig; the option types are imported from their files.
export { ConfigError } from './config-error.js';
export { CONFIG_KEYS, type ConfigKey } from './config-keys.js';
export { workerEnv } from './cursor-secret.js';

/** The configuration's shape, from the parsed keys; `Config` is its type. */
function configOf(v: KeyValues) {
  return {
    nodeEnv: v.NODE_ENV,
    /** HOST, or 127.0.0.1 with AUTH_MODE=none (auth-options.ts, listenHost). */
    host: listenHost(v),
    port: v.PORT,
    /** Set: /metrics is served on this port only, beside /health and /ready. */
    managementPort: v.MANAGEMENT_PORT,
    logLevel: v.LOG_LEVEL,
    databaseUrl: v.DATABASE_URL,
    databaseSchema: v.DATABASE_SCHEMA,
    pgliteDataDir: v.PGLITE_DATA_DIR,
    dbPoolMax: v.DB_POOL_MAX,
    dbConnectTimeoutMs: v.DB_CONNECT_TIMEOUT_MS,
    dbStatementTimeoutMs: v.DB_STATEMENT_TIMEOUT_MS,
    dbPooler: v.DB_POOLER,
    dbPoolerSettings: v.DB_POOLER_SETTINGS,
    /** Set when ORACLE_CONNECT_STRING is: Oracle is then the database. */
    oracle: oracleOptions(v),
    migrateOnStart: v.MIGRATE_ON_START,
    migrateTimeoutMs: v.MIGRATE_TIMEOUT_MS,
    migrateLockTimeoutMs: v.MIGRATE_LOCK_TIMEOUT_MS,
    /** Records partitions (PostgreSQL and PGlite; docs/partitioning.md). */
    partitions: {
      premakeMonths: v.PARTITION_PREMAKE_MONTHS,
      retentionMonths: v.PARTITION_RETENTION_MONTHS,
      maintainSeconds: v.PARTITION_MAINTAIN_SECONDS,
    },
    redisUrl: v.REDIS_URL,
    redisClusterNodes: clusterNodes(v),
    redisTlsCaFile: v.REDIS_TLS_CA_FILE,
    redisTlsServername: v.REDIS_TLS_SERVERNAME,
    redisUsername: v.REDIS_USERNAME,
    redisPassword: v.REDIS_PASSWORD,
    redisKeyPrefix: v.REDIS_KEY_PREFIX,
    redisCommandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS,
    redisBreakerThreshold: v.REDIS_BREAKER_THRESHOLD,
    redisBreakerCooldownMs: v.REDIS_BREAKER_COOLDOWN_MS,
    /** Requests in progress at once before new ones answer 503 (0: no limit). */
    maxRequestsInFlight: v.MAX_REQUESTS_IN_FLIGHT,
    maxBodyBytesInFlight: v.MAX_BODY_BYTES_IN_FLIGHT,
    /** Event-loop lag in ms past which new requests answer 503 (0: off). */
    shedEventLoopLagMs: v.SHED_EVENT_LOOP_LAG_MS,
    /** Wait for a pool connection in ms past which new requests answer 503 (0: off). */
    shedPoolWaitMs: v.SHED_POOL_WAIT_MS,
    rateLimitEnabled: v.RATE_LIMIT_ENABLED,
    rateLimitReadPerMinute: v.RATE_LIMIT_READ_PER_MINUTE,
    rateLimitWritePerMinute: v.RATE_LIMIT_WRITE_PER_MINUTE,
    rateLimitWindowSeconds: v.RATE_LIMIT_WINDOW_SECONDS,
    eventsStreamMaxLen: v.EVENTS_STREAM_MAX_LEN,
    cacheEnabled: v.CACHE_ENABLED,
    cacheL1MaxEntries: v.CACHE_L1_MAX_ENTRIES,
    cacheL1MaxBytes: v.CACHE_L1_MAX_BYTES,
    cacheEntryMaxBytes: v.CACHE_ENTRY_MAX_BYTES,
    cacheL2MaxBytes: v.CACHE_L2_MAX_BYTES,
    cacheL1TtlMs: v.CACHE_L1_TTL_MS,
    cacheTtlSeconds: v.CACHE_TTL_SECONDS,
    cacheReferenceTtlSeconds: v.CACHE_REFERENCE_TTL_SECONDS,
    cacheWarmUsers: v.CACHE_WARM_USERS,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    payloadLimitBytes: v.PAYLOAD_LIMIT_BYTES,
    jsonMaxDepth: v.JSON_MAX_DEPTH,
    jsonMaxNumberDigits: v.JSON_MAX_NUMBER_DIGITS,
    bulkMaxItems: v.BULK_MAX_ITEMS,
    /** cursorSecret, and cursorSecretGenerated: true when CURSOR_SECRET was unset. */
    ...cursorSecretOf(v),
    auth: authOptions(v),
    /** Set when CORS_ALLOWED_ORIGINS lists origins: CORS is then on. */
    cors: corsOptions(v),
    otelEndpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT,
    idempotencyTtlSeconds: v.IDEMPOTENCY_TTL_SECONDS,
    idempotencyLeaseSeconds: v.IDEMPOTENCY_LEASE_SECONDS,
    /** Within this many ms of its claim a keyed create must start its write (cache-rules.ts). */
    idempotencyWriteWindowMs: leaseWriteWindowMs(v),
    otelServiceName: v.OTEL_SERVICE_NAME,
    compressionThresholdBytes: v.COMPRESSION_THRESHOLD_BYTES,
    requestTimeoutMs: v.REQUEST_TIMEOUT_MS,
    /** WORKERS, 0 resolved to the cores this process may use (database-rules.ts, workerCount). */
    workers: workerCount(v),
    keepAliveTimeoutMs: v.KEEP_ALIVE_TIMEOUT_MS,
    shutdownDelayMs: v.SHUTDOWN_DELAY_MS,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    /** Connections allowed without verified TLS in production (TLS_EXEMPT). */
    tlsExempt: tlsExemptions(v),
    /** What the start logs as warnings: unsafe settings in force, each named. */
    warnings: [...authWarnings(v), ...transportWarnings(v)],
  };
}

export type Config = ReturnType<typeof configOf>;

function checkTracing(v: Loose<KeyValues>, problems: string[]): void {
  const endpoint = v.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint && !/^https?:\/\//.test(endpoint)) {
    problems.push('OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL');
  }
}

/**
 * Reads, validates and freezes the configuration. Throws a ConfigError naming every bad key: first
 * each value that does not parse, in key order, then each rule between keys that is broken.
 * `serving: false` (tools such as make migrate) skips the authentication and CORS rules.
 */
export function loadConfig(
  env: Env = process.env,
  options: { serving: boolean } = { serving: true },
): Readonly<Config> {
  const problems: string[] = [];
  const v = parseKeys(env, CONFIG_KEYS, problems);
  checkDatabase(v, problems);
  checkCursorSecret(v, problems);
  checkRedis(v, problems);
  if (options.serving) {
    checkAuth(v, problems);
    checkCors(v, problems);
  }
  checkOracle(v, problems);
  checkDatabaseChoice(v, problems);
  checkTracing(v, problems);
  checkCache(v, problems);
  checkLease(v, problems);
  checkTransport(v, problems);
  if (!allParsed(v, problems)) throw new ConfigError(problems);
  return Object.freeze(configOf(v));
}
