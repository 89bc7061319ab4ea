/**
 * The only reader of process.env. Every key is declared once here with its type, default and
 * meaning; docs/configuration.md and .env.example list the same keys (a test checks it).
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { corsOptions, type CorsOptions } from '../api/cors.js';
import type { ApiKeyEntry, AuthOptions } from '../auth/authenticator.js';
import { oracleOptionsFromEnv, type OracleOptions } from '../data/oracle/oracle-database.js';
import { redisTlsOptions } from '../redis/redis-tls.js';

type Kind = 'string' | 'integer' | 'boolean' | 'enum' | 'url';

interface KeySpec {
  kind: Kind;
  doc: string;
  default?: string;
  min?: number;
  max?: number;
  values?: readonly string[];
  secret?: boolean;
}

export const CONFIG_KEYS = {
  NODE_ENV: {
    kind: 'enum',
    values: ['development', 'test', 'production'],
    default: 'development',
    doc: 'Runtime environment; production refuses unsafe settings.',
  },
  HOST: { kind: 'string', default: '0.0.0.0', doc: 'Address to listen on.' },
  PORT: { kind: 'integer', default: '8000', min: 0, max: 65535, doc: 'Port to listen on.' },
  LOG_LEVEL: {
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    doc: 'Minimum level of the JSON log lines.',
  },
  DATABASE_URL: {
    kind: 'url',
    doc: 'postgres://user:pass@host:5432/db for PostgreSQL. Unset: the embedded PGlite database.',
    secret: true,
  },
  DATABASE_SCHEMA: {
    kind: 'string',
    default: 'public',
    doc: 'PostgreSQL schema that holds the tables (created when missing).',
  },
  PGLITE_DATA_DIR: {
    kind: 'string',
    default: './data/pglite',
    doc: 'Where the embedded database keeps its files; memory:// keeps nothing.',
  },
  DB_POOL_MAX: { kind: 'integer', default: '20', min: 1, max: 1000, doc: 'Most PostgreSQL connections.' },
  DB_CONNECT_TIMEOUT_MS: {
    kind: 'integer',
    default: '5000',
    min: 100,
    max: 600000,
    doc: 'Time allowed to open a connection or wait for a free one before answering 503.',
  },
  DB_STATEMENT_TIMEOUT_MS: {
    kind: 'integer',
    default: '5000',
    min: 100,
    max: 600000,
    doc: 'Longest a statement may run before it is cancelled and the request answers 504.',
  },
  ORACLE_CONNECT_STRING: {
    kind: 'string',
    doc: 'Oracle Database 23ai Easy Connect string (host:1521/FREEPDB1) or TNS alias. Set: Oracle is the database (leave DATABASE_URL unset).',
  },
  ORACLE_USER: {
    kind: 'string',
    doc: 'Oracle schema user that owns the tables; required with ORACLE_CONNECT_STRING.',
  },
  ORACLE_PASSWORD: {
    kind: 'string',
    doc: 'Password of ORACLE_USER; required with ORACLE_CONNECT_STRING.',
    secret: true,
  },
  ORACLE_POOL_MIN: { kind: 'integer', min: 0, max: 10000, doc: 'Oracle sessions kept open (default 10).' },
  ORACLE_POOL_MAX: { kind: 'integer', min: 1, max: 10000, doc: 'Most Oracle sessions (default 50).' },
  ORACLE_QUEUE_TIMEOUT_MS: {
    kind: 'integer',
    min: 1,
    max: 600000,
    doc: 'Longest wait for a free Oracle session before answering 503 (default 5000).',
  },
  ORACLE_CALL_TIMEOUT_MS: {
    kind: 'integer',
    min: 1,
    max: 600000,
    doc: 'Longest Oracle round trip before the request answers 504 (default 5000).',
  },
  MIGRATE_ON_START: {
    kind: 'boolean',
    default: 'true',
    doc: 'Apply pending migrations when the server starts (they are idempotent and locked).',
  },
  PARTITION_PREMAKE_MONTHS: {
    kind: 'integer',
    default: '3',
    min: 1,
    max: 120,
    doc: 'PostgreSQL/PGlite: months after the current one that get their records partition ahead of time.',
  },
  PARTITION_RETENTION_MONTHS: {
    kind: 'integer',
    default: '0',
    min: 0,
    max: 1200,
    doc: 'PostgreSQL/PGlite: full months before the current one to keep; older monthly partitions are dropped with their records. 0: keep forever.',
  },
  PARTITION_MAINTAIN_SECONDS: {
    kind: 'integer',
    default: '3600',
    min: 0,
    max: 86400,
    doc: 'PostgreSQL/PGlite: run the partition maintenance at start and then this often. 0: never in the server (run the partitions job instead).',
  },
  REDIS_URL: {
    kind: 'url',
    doc: 'redis:// or rediss:// (TLS) URL of Redis. Unset: the in-process cache and rate limiter serve alone.',
    secret: true,
  },
  REDIS_CLUSTER_NODES: {
    kind: 'string',
    doc: 'host:port,host:port,... of a Redis Cluster; takes precedence over REDIS_URL.',
  },
  REDIS_TLS_CA_FILE: {
    kind: 'string',
    doc: 'PEM file of the CA that signed the Redis server certificate, for rediss:// (a cluster: set, its nodes are reached over TLS). Unset: the built-in public roots.',
  },
  REDIS_TLS_SERVERNAME: {
    kind: 'string',
    doc: 'Name the Redis certificate must hold, when it is not the host connected to (e.g. cluster nodes announced by IP).',
  },
  REDIS_KEY_PREFIX: { kind: 'string', default: 'dapi:', doc: 'Prefix of every Redis key and channel.' },
  REDIS_COMMAND_TIMEOUT_MS: {
    kind: 'integer',
    default: '50',
    min: 1,
    max: 10000,
    doc: 'Longest a Redis command may take before the service goes on without it.',
  },
  REDIS_BREAKER_THRESHOLD: {
    kind: 'integer',
    default: '5',
    min: 1,
    max: 1000,
    doc: 'Consecutive Redis failures that open the circuit (Redis is then skipped).',
  },
  REDIS_BREAKER_COOLDOWN_MS: {
    kind: 'integer',
    default: '1000',
    min: 10,
    max: 600000,
    doc: 'How long the circuit stays open before one call probes Redis again.',
  },
  MAX_REQUESTS_IN_FLIGHT: {
    kind: 'integer',
    default: '1000',
    min: 0,
    max: 1000000,
    doc: 'Most requests in progress at once per process; past it, new ones answer 503 at once (0: no limit).',
  },
  RATE_LIMIT_ENABLED: {
    kind: 'boolean',
    default: 'true',
    doc: 'Limit requests per subject (user_id in the query, else the client address); over the limit answers 429.',
  },
  RATE_LIMIT_READ_PER_MINUTE: {
    kind: 'integer',
    default: '100',
    min: 1,
    max: 1000000,
    doc: 'Reads (GET, HEAD, OPTIONS) per subject per minute.',
  },
  RATE_LIMIT_WRITE_PER_MINUTE: {
    kind: 'integer',
    default: '100',
    min: 1,
    max: 1000000,
    doc: 'Writes (POST, PUT, PATCH, DELETE) per subject per minute.',
  },
  RATE_LIMIT_WINDOW_SECONDS: {
    kind: 'integer',
    default: '60',
    min: 1,
    max: 3600,
    doc: 'Burst window: a rested subject may spend rate x window / 60 requests at once; the rate stays per minute.',
  },
  EVENTS_STREAM_MAX_LEN: {
    kind: 'integer',
    default: '100000',
    min: 1,
    max: 100000000,
    doc: 'Approximate most entries kept in the change-event stream (XADD MAXLEN ~).',
  },
  CACHE_ENABLED: { kind: 'boolean', default: 'true', doc: 'Cache reads in process (L1) and in Redis (L2).' },
  CACHE_L1_MAX_ENTRIES: {
    kind: 'integer',
    default: '10000',
    min: 1,
    max: 10000000,
    doc: 'Most entries of the in-process LRU cache.',
  },
  CACHE_L1_TTL_MS: {
    kind: 'integer',
    default: '5000',
    min: 1,
    max: 3600000,
    doc: 'Life of an in-process cache entry: the safety net if an invalidation announcement is lost.',
  },
  CACHE_TTL_SECONDS: {
    kind: 'integer',
    default: '300',
    min: 1,
    max: 86400,
    doc: 'Life of user data (records, first pages) in Redis.',
  },
  CACHE_REFERENCE_TTL_SECONDS: {
    kind: 'integer',
    default: '3600',
    min: 0,
    max: 86400,
    doc: 'Cache-Control max-age of reference data: the published contract and the documentation files.',
  },
  CACHE_WARM_USERS: {
    kind: 'integer',
    default: '100',
    min: 0,
    max: 100000,
    doc: 'On start, preload the first page of this many most recently active users (0: off).',
  },
  BODY_LIMIT_BYTES: {
    kind: 'integer',
    default: '1048576',
    min: 1024,
    max: 104857600,
    doc: 'Largest request body; larger answers 413.',
  },
  PAYLOAD_LIMIT_BYTES: {
    kind: 'integer',
    default: '65536',
    min: 16,
    max: 104857600,
    doc: 'Largest serialized payload of one record; larger answers 413.',
  },
  JSON_MAX_DEPTH: {
    kind: 'integer',
    default: '32',
    min: 2,
    max: 1000,
    doc: 'Deepest nesting of objects and arrays accepted in a payload.',
  },
  BULK_MAX_ITEMS: {
    kind: 'integer',
    default: '1000',
    min: 1,
    max: 1000,
    doc: 'Most items in one bulk create (the contract allows at most 1000).',
  },
  AUTH_MODE: {
    kind: 'enum',
    values: ['required', 'none'],
    default: 'required',
    doc: 'required: /data needs a bearer JWT or an API key. none: no authentication, for local development only (refused when NODE_ENV=production).',
  },
  AUTH_JWT_SECRET: {
    kind: 'string',
    doc: 'Shared secret (32+ characters) for HS256 bearer tokens.',
    secret: true,
  },
  AUTH_JWKS_URL: {
    kind: 'url',
    doc: 'JWKS URL of the identity provider, for RS256/ES256 bearer tokens.',
  },
  AUTH_JWT_ISSUER: { kind: 'string', default: 'data-api', doc: 'Required iss of bearer tokens.' },
  AUTH_JWT_AUDIENCE: { kind: 'string', default: 'data-api', doc: 'Required aud of bearer tokens.' },
  AUTH_JWT_ALGORITHMS: {
    kind: 'string',
    doc: 'Allowed JWT algorithms, comma-separated. Default: HS256 with AUTH_JWT_SECRET, RS256,ES256 with AUTH_JWKS_URL.',
  },
  AUTH_API_KEYS: {
    kind: 'string',
    doc: 'API keys as JSON: [{"sha256": "<hex SHA-256 of the key>", "subject": "svc", "scopes": ["data:read"]}].',
    secret: true,
  },
  CORS_ALLOWED_ORIGINS: {
    kind: 'string',
    doc: 'Origins whose pages may call the API from a browser, comma-separated, exactly as browsers send them (https://app.example.com). * allows any origin (not with CORS_ALLOW_CREDENTIALS, not in production). Unset: CORS off.',
  },
  CORS_ALLOW_CREDENTIALS: {
    kind: 'boolean',
    default: 'false',
    doc: 'Let allowed origins send credentialed requests (cookies, TLS client certificates): Access-Control-Allow-Credentials: true.',
  },
  CORS_MAX_AGE_SECONDS: {
    kind: 'integer',
    default: '600',
    min: 0,
    max: 86400,
    doc: 'How long a browser may cache a preflight answer (Access-Control-Max-Age).',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    kind: 'url',
    doc: 'OTLP/HTTP base URL of an OpenTelemetry collector (http://collector:4318); traces go to <url>/v1/traces. Unset: no tracing.',
  },
  OTEL_SERVICE_NAME: { kind: 'string', default: 'data-api', doc: 'service.name of the exported traces.' },
  IDEMPOTENCY_TTL_SECONDS: {
    kind: 'integer',
    default: '86400',
    min: 60,
    max: 2592000,
    doc: 'How long an Idempotency-Key and its response are kept (24 hours by default).',
  },
  CURSOR_SECRET: {
    kind: 'string',
    doc: 'Key (32+ characters) that signs pagination cursors; required in production. Unset elsewhere: a random key per process.',
    secret: true,
  },
  COMPRESSION_THRESHOLD_BYTES: {
    kind: 'integer',
    default: '1024',
    min: 0,
    max: 104857600,
    doc: 'Smallest response body that is compressed (gzip or brotli, as the client accepts).',
  },
  REQUEST_TIMEOUT_MS: {
    kind: 'integer',
    default: '30000',
    min: 1000,
    max: 600000,
    doc: 'Time allowed to receive a whole request.',
  },
  WORKERS: {
    kind: 'integer',
    default: '1',
    min: 1,
    max: 64,
    doc: 'Worker processes on this host (node:cluster), e.g. one per core. Above 1 needs DATABASE_URL or Oracle (the embedded database is one process).',
  },
  SHUTDOWN_DELAY_MS: {
    kind: 'integer',
    default: '0',
    min: 0,
    max: 600000,
    doc: 'On SIGTERM, time to keep serving (with /ready at 503) before closing the listener, so load balancers stop routing here first.',
  },
  SHUTDOWN_GRACE_MS: {
    kind: 'integer',
    default: '10000',
    min: 0,
    max: 600000,
    doc: 'On SIGTERM, time given to in-flight requests before connections are closed.',
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  host: string;
  port: number;
  logLevel: string;
  databaseUrl: string | undefined;
  databaseSchema: string;
  pgliteDataDir: string;
  dbPoolMax: number;
  dbConnectTimeoutMs: number;
  dbStatementTimeoutMs: number;
  /** Set when ORACLE_CONNECT_STRING is: Oracle is then the database. */
  oracle: OracleOptions | undefined;
  migrateOnStart: boolean;
  /** Records partitions (PostgreSQL and PGlite; docs/partitioning.md). */
  partitions: { premakeMonths: number; retentionMonths: number; maintainSeconds: number };
  redisUrl: string | undefined;
  redisClusterNodes: string[];
  redisTlsCaFile: string | undefined;
  redisTlsServername: string | undefined;
  redisKeyPrefix: string;
  redisCommandTimeoutMs: number;
  redisBreakerThreshold: number;
  redisBreakerCooldownMs: number;
  /** Requests in progress at once before new ones answer 503 (0: no limit). */
  maxRequestsInFlight: number;
  rateLimitEnabled: boolean;
  rateLimitReadPerMinute: number;
  rateLimitWritePerMinute: number;
  rateLimitWindowSeconds: number;
  eventsStreamMaxLen: number;
  cacheEnabled: boolean;
  cacheL1MaxEntries: number;
  cacheL1TtlMs: number;
  cacheTtlSeconds: number;
  cacheReferenceTtlSeconds: number;
  cacheWarmUsers: number;
  bodyLimitBytes: number;
  payloadLimitBytes: number;
  jsonMaxDepth: number;
  bulkMaxItems: number;
  cursorSecret: Buffer;
  auth: AuthOptions;
  /** Set when CORS_ALLOWED_ORIGINS lists origins: CORS is then on. */
  cors: CorsOptions | undefined;
  otelEndpoint: string | undefined;
  idempotencyTtlSeconds: number;
  otelServiceName: string;
  compressionThresholdBytes: number;
  requestTimeoutMs: number;
  workers: number;
  shutdownDelayMs: number;
  shutdownGraceMs: number;
}

/** Thrown when the environment holds a bad value; main prints it and exits 1. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function parseValue(name: string, spec: KeySpec, raw: string, problems: string[]): unknown {
  switch (spec.kind) {
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) {
        problems.push(`${name}: expected an integer, got "${raw}"`);
        return undefined;
      }
      const n = Number(raw);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        problems.push(`${name}: ${n} is outside ${spec.min}..${spec.max}`);
        return undefined;
      }
      return n;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      problems.push(`${name}: expected true or false, got "${raw}"`);
      return undefined;
    case 'enum':
      if (!spec.values?.includes(raw)) {
        problems.push(`${name}: expected one of ${spec.values?.join(', ')}, got "${raw}"`);
        return undefined;
      }
      return raw;
    case 'url':
      try {
        new URL(raw);
        return raw;
      } catch {
        problems.push(`${name}: not a URL`);
        return undefined;
      }
    default:
      return raw;
  }
}

/** Reads, validates and freezes the configuration. Throws ConfigError naming every bad key. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { serving: boolean } = { serving: true },
): Readonly<Config> {
  const problems: string[] = [];
  const v: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(CONFIG_KEYS) as [string, KeySpec][]) {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? spec.default : raw;
    v[name] = value === undefined ? undefined : parseValue(name, spec, value, problems);
  }
  const nodeEnv = v.NODE_ENV as Config['nodeEnv'];
  const databaseUrl = v.DATABASE_URL as string | undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL: expected a postgres:// or postgresql:// URL');
  } else if (databaseUrl) {
    // node-postgres reads these files when it opens each connection: a missing one would show
    // only as 503s at the first request, so it stops the start instead.
    const params = new URL(databaseUrl).searchParams;
    for (const key of ['sslrootcert', 'sslcert', 'sslkey']) {
      const file = params.get(key);
      if (file !== null && !readable(file)) problems.push(`DATABASE_URL: ${key}=${file} cannot be read`);
    }
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(String(v.DATABASE_SCHEMA))) {
    problems.push('DATABASE_SCHEMA: expected an unquoted SQL identifier');
  }
  const cursorSecret = v.CURSOR_SECRET as string | undefined;
  if (cursorSecret !== undefined && cursorSecret.length < 32) {
    problems.push('CURSOR_SECRET: must be at least 32 characters');
  }
  if (cursorSecret === undefined && nodeEnv === 'production') {
    problems.push('CURSOR_SECRET: required when NODE_ENV=production');
  }
  const redisUrl = v.REDIS_URL as string | undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl))
    problems.push('REDIS_URL: expected a redis:// or rediss:// URL');
  const clusterNodes = ((v.REDIS_CLUSTER_NODES as string | undefined) ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  for (const node of clusterNodes) {
    if (!/^[^:\s]+:\d{1,5}$/.test(node)) problems.push(`REDIS_CLUSTER_NODES: "${node}" is not host:port`);
  }
  const redisTlsCaFile = v.REDIS_TLS_CA_FILE as string | undefined;
  const redisTlsServername = v.REDIS_TLS_SERVERNAME as string | undefined;
  try {
    // Reads the CA now, so a wrong path or a plaintext redis:// URL stops the start.
    redisTlsOptions({ redisUrl, redisClusterNodes: clusterNodes, redisTlsCaFile, redisTlsServername });
  } catch (err) {
    problems.push((err as Error).message);
  }
  // Tools that serve no requests (make migrate) need no authentication settings.
  const auth = authOptions(v, nodeEnv, options.serving ? problems : []);
  const cors = corsOptions(
    {
      origins: v.CORS_ALLOWED_ORIGINS as string | undefined,
      allowCredentials: v.CORS_ALLOW_CREDENTIALS as boolean,
      maxAgeSeconds: v.CORS_MAX_AGE_SECONDS as number,
      production: nodeEnv === 'production',
    },
    options.serving ? problems : [],
  );
  let oracle: OracleOptions | undefined;
  try {
    oracle = oracleOptionsFromEnv(env);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (env.ORACLE_CONNECT_STRING?.trim() && databaseUrl) {
    problems.push('ORACLE_CONNECT_STRING: set together with DATABASE_URL; set only the database to use');
  }
  if ((v.WORKERS as number) > 1 && !databaseUrl && !env.ORACLE_CONNECT_STRING?.trim()) {
    problems.push(
      'WORKERS: above 1 needs DATABASE_URL or ORACLE_CONNECT_STRING (the embedded database is one process)',
    );
  }
  const otelEndpoint = v.OTEL_EXPORTER_OTLP_ENDPOINT as string | undefined;
  if (otelEndpoint && !/^https?:\/\//.test(otelEndpoint)) {
    problems.push('OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    nodeEnv,
    host: v.HOST as string,
    port: v.PORT as number,
    logLevel: v.LOG_LEVEL as string,
    databaseUrl,
    databaseSchema: v.DATABASE_SCHEMA as string,
    pgliteDataDir: v.PGLITE_DATA_DIR as string,
    dbPoolMax: v.DB_POOL_MAX as number,
    dbConnectTimeoutMs: v.DB_CONNECT_TIMEOUT_MS as number,
    dbStatementTimeoutMs: v.DB_STATEMENT_TIMEOUT_MS as number,
    oracle,
    migrateOnStart: v.MIGRATE_ON_START as boolean,
    partitions: {
      premakeMonths: v.PARTITION_PREMAKE_MONTHS as number,
      retentionMonths: v.PARTITION_RETENTION_MONTHS as number,
      maintainSeconds: v.PARTITION_MAINTAIN_SECONDS as number,
    },
    redisUrl,
    redisClusterNodes: clusterNodes,
    redisTlsCaFile,
    redisTlsServername,
    redisKeyPrefix: v.REDIS_KEY_PREFIX as string,
    redisCommandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS as number,
    redisBreakerThreshold: v.REDIS_BREAKER_THRESHOLD as number,
    redisBreakerCooldownMs: v.REDIS_BREAKER_COOLDOWN_MS as number,
    maxRequestsInFlight: v.MAX_REQUESTS_IN_FLIGHT as number,
    rateLimitEnabled: v.RATE_LIMIT_ENABLED as boolean,
    rateLimitReadPerMinute: v.RATE_LIMIT_READ_PER_MINUTE as number,
    rateLimitWritePerMinute: v.RATE_LIMIT_WRITE_PER_MINUTE as number,
    rateLimitWindowSeconds: v.RATE_LIMIT_WINDOW_SECONDS as number,
    eventsStreamMaxLen: v.EVENTS_STREAM_MAX_LEN as number,
    cacheEnabled: v.CACHE_ENABLED as boolean,
    cacheL1MaxEntries: v.CACHE_L1_MAX_ENTRIES as number,
    cacheL1TtlMs: v.CACHE_L1_TTL_MS as number,
    cacheTtlSeconds: v.CACHE_TTL_SECONDS as number,
    cacheReferenceTtlSeconds: v.CACHE_REFERENCE_TTL_SECONDS as number,
    cacheWarmUsers: v.CACHE_WARM_USERS as number,
    bodyLimitBytes: v.BODY_LIMIT_BYTES as number,
    payloadLimitBytes: v.PAYLOAD_LIMIT_BYTES as number,
    jsonMaxDepth: v.JSON_MAX_DEPTH as number,
    bulkMaxItems: v.BULK_MAX_ITEMS as number,
    cursorSecret: cursorSecret ? Buffer.from(cursorSecret, 'utf8') : randomBytes(32),
    auth,
    cors,
    otelEndpoint,
    idempotencyTtlSeconds: v.IDEMPOTENCY_TTL_SECONDS as number,
    otelServiceName: v.OTEL_SERVICE_NAME as string,
    compressionThresholdBytes: v.COMPRESSION_THRESHOLD_BYTES as number,
    requestTimeoutMs: v.REQUEST_TIMEOUT_MS as number,
    workers: v.WORKERS as number,
    shutdownDelayMs: v.SHUTDOWN_DELAY_MS as number,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS as number,
  });
}

const ALGORITHMS = new Set([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'ES256',
  'ES384',
  'EdDSA',
]);

function parseApiKeys(raw: string | undefined, problems: string[]): ApiKeyEntry[] {
  if (raw === undefined) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    problems.push('AUTH_API_KEYS: not JSON');
    return [];
  }
  const ok =
    Array.isArray(list) &&
    list.every(
      (e: { sha256?: unknown; subject?: unknown; scopes?: unknown }) =>
        typeof e?.sha256 === 'string' &&
        /^[0-9a-f]{64}$/i.test(e.sha256) &&
        typeof e.subject === 'string' &&
        e.subject !== '' &&
        Array.isArray(e.scopes) &&
        e.scopes.every((s) => typeof s === 'string'),
    );
  if (!ok) {
    problems.push(
      'AUTH_API_KEYS: expected [{"sha256": "<64 hex>", "subject": "...", "scopes": ["data:read"]}]',
    );
    return [];
  }
  return list as ApiKeyEntry[];
}

function authOptions(v: Record<string, unknown>, nodeEnv: string, problems: string[]): AuthOptions {
  const mode = v.AUTH_MODE as AuthOptions['mode'];
  const jwtSecret = v.AUTH_JWT_SECRET as string | undefined;
  const jwksUrl = v.AUTH_JWKS_URL as string | undefined;
  const apiKeys = parseApiKeys(v.AUTH_API_KEYS as string | undefined, problems);
  if (jwtSecret !== undefined && jwtSecret.length < 32)
    problems.push('AUTH_JWT_SECRET: must be at least 32 characters');
  if (jwtSecret && jwksUrl)
    problems.push('AUTH_JWKS_URL: set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  const algorithms = ((v.AUTH_JWT_ALGORITHMS as string | undefined) ?? (jwtSecret ? 'HS256' : 'RS256,ES256'))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const alg of algorithms) {
    if (!ALGORITHMS.has(alg)) problems.push(`AUTH_JWT_ALGORITHMS: "${alg}" is not an allowed algorithm`);
  }
  // Algorithm confusion: a shared secret goes with HMAC only, a JWKS with public-key algorithms only.
  if (jwtSecret && algorithms.some((a) => !a.startsWith('HS'))) {
    problems.push('AUTH_JWT_ALGORITHMS: only HS* algorithms go with AUTH_JWT_SECRET');
  }
  if (jwksUrl && algorithms.some((a) => a.startsWith('HS'))) {
    problems.push('AUTH_JWT_ALGORITHMS: HS* algorithms cannot be used with AUTH_JWKS_URL');
  }
  if (mode === 'none' && nodeEnv === 'production') {
    problems.push('AUTH_MODE: none is for local development and refused when NODE_ENV=production');
  }
  if (mode === 'required' && !jwtSecret && !jwksUrl && apiKeys.length === 0) {
    problems.push(
      'AUTH_MODE: required needs AUTH_JWT_SECRET, AUTH_JWKS_URL or AUTH_API_KEYS (AUTH_MODE=none for local development)',
    );
  }
  return {
    mode,
    jwtSecret,
    jwksUrl,
    issuer: v.AUTH_JWT_ISSUER as string,
    audience: v.AUTH_JWT_AUDIENCE as string,
    algorithms,
    apiKeys,
  };
}
