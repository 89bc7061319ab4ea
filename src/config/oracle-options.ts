/**
 * Oracle settings (the ORACLE_* keys), parsed here once; src/data/oracle/ opens the pool with them.
 * Oracle is the database when ORACLE_CONNECT_STRING is set.
 */
import type { KeyValues, Loose } from './config-keys.js';
import { allParsed, parseKeys, type Env } from './key-parser.js';
import { oracleKeys } from './storage-keys.js';

export interface OracleOptions {
  user: string;
  password: string;
  /** Easy Connect (host:port/service) or a TNS alias. */
  connectString: string;
  poolMin: number;
  poolMax: number;
  poolIncrement: number;
  /** Longest wait for a free connection before NJS-040, which answers 503. */
  queueTimeoutMs: number;
  /** Longest round trip before NJS-123, which answers 504. */
  callTimeoutMs: number;
  /** The same for one bulk insert chunk, which carries up to 1000 rows in one round trip. */
  bulkCallTimeoutMs: number;
  stmtCacheSize: number;
  /** Seconds a connection may idle before the pool pings it on checkout. */
  poolPingInterval: number;
}

/** The pool settings when only the connection is given: the keys' defaults and fixed tuning. */
export const ORACLE_DEFAULTS = {
  poolMin: oracleKeys.ORACLE_POOL_MIN.default,
  // ORACLE_POOL_MAX has no declared default: unset, it is ORACLE_POOL_MIN. A fixed-size pool is
  // the node-oracledb guide's recommendation against connection storms (docs/oracle.md).
  poolMax: oracleKeys.ORACLE_POOL_MIN.default,
  // Only matters when ORACLE_POOL_MAX is set above ORACLE_POOL_MIN.
  poolIncrement: 2,
  queueTimeoutMs: oracleKeys.ORACLE_QUEUE_TIMEOUT_MS.default,
  callTimeoutMs: oracleKeys.ORACLE_CALL_TIMEOUT_MS.default,
  bulkCallTimeoutMs: oracleKeys.ORACLE_BULK_CALL_TIMEOUT_MS.default,
  // The catalog holds 12 statements plus migration statements; 40 keeps all cached per session.
  stmtCacheSize: 40,
  poolPingInterval: 60,
} as const;

type OracleKeys = KeyValues<typeof oracleKeys>;

/** ORACLE_POOL_MAX, or unset ORACLE_POOL_MIN (at least 1): equal bounds, a fixed-size pool. */
function poolMaxOf(v: Loose<OracleKeys>): number | undefined {
  if (v.ORACLE_POOL_MAX !== undefined || v.ORACLE_POOL_MIN === undefined) return v.ORACLE_POOL_MAX;
  return Math.max(1, v.ORACLE_POOL_MIN);
}

/** With ORACLE_CONNECT_STRING set: the user and password it needs, a pool whose min fits its max. */
export function checkOracle(v: Loose<OracleKeys>, problems: string[]): void {
  if (!v.ORACLE_CONNECT_STRING?.trim()) return;
  if (!v.ORACLE_USER?.trim()) problems.push('ORACLE_USER: required when ORACLE_CONNECT_STRING is set');
  if (!v.ORACLE_PASSWORD) problems.push('ORACLE_PASSWORD: required when ORACLE_CONNECT_STRING is set');
  const poolMin = v.ORACLE_POOL_MIN;
  const poolMax = poolMaxOf(v);
  if (poolMin !== undefined && poolMax !== undefined && poolMin > poolMax) {
    problems.push(`ORACLE_POOL_MIN: ${poolMin} is above ORACLE_POOL_MAX (${poolMax})`);
  }
}

/** The pool's settings; undefined unless ORACLE_CONNECT_STRING, ORACLE_USER and ORACLE_PASSWORD are set. */
export function oracleOptions(v: OracleKeys): OracleOptions | undefined {
  const connectString = v.ORACLE_CONNECT_STRING?.trim();
  const user = v.ORACLE_USER?.trim();
  const password = v.ORACLE_PASSWORD;
  if (!connectString || !user || !password) return undefined;
  return {
    user,
    password,
    connectString,
    poolMin: v.ORACLE_POOL_MIN,
    poolMax: poolMaxOf(v) ?? ORACLE_DEFAULTS.poolMax,
    poolIncrement: ORACLE_DEFAULTS.poolIncrement,
    queueTimeoutMs: v.ORACLE_QUEUE_TIMEOUT_MS,
    callTimeoutMs: v.ORACLE_CALL_TIMEOUT_MS,
    bulkCallTimeoutMs: v.ORACLE_BULK_CALL_TIMEOUT_MS,
    stmtCacheSize: ORACLE_DEFAULTS.stmtCacheSize,
    poolPingInterval: ORACLE_DEFAULTS.poolPingInterval,
  };
}

/**
 * The Oracle settings alone, for tests and tools that need no other key: undefined when
 * ORACLE_CONNECT_STRING is unset or blank, else the options. Throws an Error naming the first
 * bad ORACLE_* variable (loadConfig names them all, in a ConfigError).
 */
export function oracleOptionsFromEnv(env: Env): OracleOptions | undefined {
  const problems: string[] = [];
  const v = parseKeys(env, oracleKeys, problems);
  if (!v.ORACLE_CONNECT_STRING?.trim()) return undefined;
  checkOracle(v, problems);
  if (!allParsed(v, problems)) throw new Error(problems[0]);
  return oracleOptions(v);
}
