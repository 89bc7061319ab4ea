/** Database settings: which database (PostgreSQL, Oracle or the embedded PGlite) and its URL. */
import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { KeyValues, Loose } from './config-keys.js';

type DatabaseKeys = Pick<KeyValues, 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'ORACLE_CONNECT_STRING' | 'WORKERS'>;

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** DATABASE_URL is postgres:// and the TLS files it names can be read; DATABASE_SCHEMA is an identifier. */
export function checkDatabase(v: Loose<DatabaseKeys>, problems: string[]): void {
  const databaseUrl = v.DATABASE_URL;
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
  if (v.DATABASE_SCHEMA !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v.DATABASE_SCHEMA)) {
    problems.push('DATABASE_SCHEMA: expected an unquoted SQL identifier');
  }
}

/** One database at most; several workers need a database server (PGlite is one process). */
export function checkDatabaseChoice(v: Loose<DatabaseKeys>, problems: string[]): void {
  const oracle = Boolean(v.ORACLE_CONNECT_STRING?.trim());
  if (oracle && v.DATABASE_URL) {
    problems.push('ORACLE_CONNECT_STRING: set together with DATABASE_URL; set only the database to use');
  }
  if ((v.WORKERS ?? 1) > 1 && !v.DATABASE_URL && !oracle) {
    problems.push(
      'WORKERS: above 1 needs DATABASE_URL or ORACLE_CONNECT_STRING (the embedded database is one process)',
    );
  }
}

/**
 * WORKERS resolved: 0 means one worker per core this process may use. os.availableParallelism()
 * is libuv's uv_available_parallelism(), which on Linux reads the cgroup's CPU quota (cpu.max,
 * rounded up) besides the affinity mask, so in a container it follows the CPU limit, not the host's
 * cores (docs/configuration.md, "Workers"). With the embedded database (one process) 0 means 1.
 */
export function workerCount(v: DatabaseKeys, cores: () => number = availableParallelism): number {
  if (v.WORKERS !== 0) return v.WORKERS;
  const server = Boolean(v.DATABASE_URL) || Boolean(v.ORACLE_CONNECT_STRING?.trim());
  return server ? Math.max(1, Math.min(64, cores())) : 1;
}
