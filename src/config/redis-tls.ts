/**
 * TLS to Redis. `rediss://` in REDIS_URL alone makes ioredis speak TLS, verified against Node's
 * built-in root CAs; a Redis whose certificate comes from a private CA needs that CA handed to
 * Node's TLS (REDIS_TLS_CA_FILE), and a server reached by a name or address its certificate does
 * not hold needs the name to check instead (REDIS_TLS_SERVERNAME). Verification of the chain and
 * of the name is never turned off: there is no key for that on purpose.
 *
 * loadConfig calls this once (redis-rules.ts), so a bad setting stops the start with a
 * ConfigError; the Redis gateway calls it again for the options it connects with.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

/** The configuration this needs (a Pick of Config). */
export interface RedisTlsSettings {
  redisUrl: string | undefined;
  redisClusterNodes: readonly string[];
  redisTlsCaFile: string | undefined;
  redisTlsServername: string | undefined;
}

function readCa(file: string, readFile: (path: string) => string): string {
  let pem: string;
  try {
    pem = readFile(file);
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    throw new Error(`REDIS_TLS_CA_FILE: cannot read ${file} (${code})`);
  }
  // A key or a DER file here would only show later as an opaque handshake failure.
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`REDIS_TLS_CA_FILE: ${file} holds no PEM certificate`);
  }
  return pem;
}

/**
 * The ioredis `tls` option for the configured Redis: undefined when the connection is plaintext,
 * else Node TLS options (the CA to trust, the name to check). A single server uses TLS when
 * REDIS_URL is rediss://; a cluster (host:port list, no scheme) uses TLS when REDIS_TLS_CA_FILE is
 * set. Throws an Error naming the key when the settings contradict each other or the CA file
 * cannot be read, so a bad setting stops the start instead of degrading to "Redis unavailable".
 */
export function redisTlsOptions(
  settings: RedisTlsSettings,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ConnectionOptions | undefined {
  const { redisTlsCaFile: caFile, redisTlsServername: servername } = settings;
  const cluster = settings.redisClusterNodes.length > 0;
  const tls = cluster ? caFile !== undefined : /^rediss:\/\//i.test(settings.redisUrl ?? '');
  if (!tls) {
    if (caFile !== undefined && settings.redisUrl !== undefined) {
      throw new Error('REDIS_TLS_CA_FILE: set, but REDIS_URL is redis:// (plaintext); use rediss://');
    }
    if (servername !== undefined) {
      throw new Error('REDIS_TLS_SERVERNAME: set, but the Redis connection is plaintext');
    }
    return undefined;
  }
  const options: ConnectionOptions = {};
  if (caFile !== undefined) options.ca = readCa(caFile, readFile);
  if (servername !== undefined) options.servername = servername;
  return options;
}
