/**
 * The Redis gateway on ioredis (src/redis/redis-gateway.ts says what it promises). The one door to Redis. Redis is a cache and a coordinator here, never the system of record,
 * so every call goes through `run`: a short timeout per command, a circuit breaker that makes a
 * dead Redis cost nothing per request, and `undefined` instead of an error. Callers fall back
 * (to the database, to the in-memory limiter) when they get `undefined`.
 */
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { NO_REDIS, type BreakerState, type RedisClient, type RedisGateway } from './redis-gateway.js';
import { redisTlsOptions } from '../config/redis-tls.js';

export interface RedisGatewayOptions {
  /** redis:// or rediss:// URL of a single server. */
  url?: string;
  /** host:port,... of a Redis Cluster (takes precedence over url). */
  clusterNodes?: string[];
  /** Longest a command may take before it counts as a failure (default 50 ms). */
  commandTimeoutMs: number;
  /** Consecutive failures that open the circuit. */
  breakerThreshold: number;
  /** How long the circuit stays open before one probe is let through. */
  breakerCooldownMs: number;
  /** Prefix of every key, so several services can share a Redis. */
  keyPrefix: string;
  /** Node TLS options (CA, server name) when the connection is TLS: see redis-tls.ts. */
  tls?: ConnectionOptions;
  /** ACL user and password (single server and every cluster node); a URL may carry them instead. */
  username?: string;
  password?: string;
  onStateChange?: (state: BreakerState) => void;
}

export class TimeoutError extends Error {}

/**
 * The answer, or a TimeoutError when Redis has not answered within `ms`. Node runs due timers
 * before it reads the sockets, so when the process itself is busy (a long turn of the event
 * loop under load), the timer would fire while Redis's answer already waits unread in the
 * socket: a timeout of this process, not of Redis, and enough of them open the circuit and send
 * every read to the database just when the process is short of CPU. So the timeout is only
 * declared after the sockets have been read once more (setImmediate runs after the poll phase).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      immediate = setImmediate(() => reject(new TimeoutError(`redis: no answer in ${ms} ms`)));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  });
}

function createClient(options: RedisGatewayOptions): RedisClient {
  const common = {
    // Fail fast instead of queueing while disconnected: the caller falls back at once.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Auto-pipelining is off: with it, ioredis 6 throws "results[i] is not iterable" out of a
    // pipeline when a burst of script calls meets NOSCRIPT (seen in test/integration/redis-resilience).
    enableAutoPipelining: false,
    lazyConnect: false,
    // Closing a connection whose socket already dropped must not hold shutdown for 2 s.
    disconnectTimeout: 200,
    // Reconnect forever, at most every 2 s, so the service resumes on its own.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
  };
  if (options.clusterNodes && options.clusterNodes.length > 0) {
    return new Cluster(
      options.clusterNodes.map((n) => {
        const [host, port] = n.split(':');
        return { host: host as string, port: Number(port) };
      }),
      {
        enableOfflineQueue: false,
        enableAutoPipelining: false,
        clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
        redisOptions: {
          maxRetriesPerRequest: 0,
          disconnectTimeout: 200,
          tls: options.tls,
          ...credentials(options),
        },
      },
    );
  }
  // tls undefined: rediss:// alone still turns TLS on (ioredis), with Node's built-in roots.
  return new Redis(options.url as string, { ...common, tls: options.tls, ...credentials(options) });
}

/** The ACL credentials as ioredis takes them; none when unset (a URL may hold its own). */
function credentials(options: RedisGatewayOptions): { username?: string; password?: string } {
  return {
    ...(options.username !== undefined && { username: options.username }),
    ...(options.password !== undefined && { password: options.password }),
  };
}

export function createRedisGateway(options: RedisGatewayOptions): RedisGateway {
  if (!options.url && !options.clusterNodes?.length) return NO_REDIS;
  const client = createClient(options);
  // Connection errors surface through 'error' events; run() already treats them as failures.
  client.on('error', () => undefined);
  let sub: RedisClient | undefined;
  let failures = 0;
  let state: BreakerState = 'closed';
  let openedAt = 0;
  let probing = false;

  function setState(next: BreakerState): void {
    if (next !== state) {
      state = next;
      options.onStateChange?.(next);
    }
  }

  function ready(): boolean {
    return client.status === 'ready';
  }

  return {
    configured: true,
    cluster: client.isCluster,
    keyPrefix: options.keyPrefix,
    get state() {
      return state;
    },
    get available() {
      return ready() && state !== 'open';
    },
    async run<T>(fn: (c: RedisClient) => Promise<T>): Promise<T | undefined> {
      if (state === 'open') {
        if (Date.now() - openedAt < options.breakerCooldownMs || probing) return undefined;
        setState('half-open');
      }
      if (!ready()) {
        failures++;
        if (failures >= options.breakerThreshold) {
          openedAt = Date.now();
          setState('open');
        }
        return undefined;
      }
      const isProbe = state === 'half-open';
      if (isProbe) probing = true;
      try {
        const result = await withTimeout(fn(client), options.commandTimeoutMs);
        failures = 0;
        setState('closed');
        return result;
      } catch {
        failures++;
        if (isProbe || failures >= options.breakerThreshold) {
          openedAt = Date.now();
          setState('open');
        }
        return undefined;
      } finally {
        if (isProbe) probing = false;
      }
    },
    async ping(): Promise<boolean> {
      return (await this.run((c) => c.ping())) !== undefined;
    },
    waitUntilReady(target: RedisClient = client, ms = 1000): Promise<boolean> {
      if (target.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), ms);
        function done(ok: boolean): void {
          clearTimeout(timer);
          target.off('ready', onReady);
          resolve(ok);
        }
        target.on('ready', onReady);
      });
    },
    subscriber() {
      if (!sub) {
        sub = createClient(options);
        sub.on('error', () => undefined);
      }
      return sub;
    },
    async close() {
      await Promise.allSettled([client.quit(), sub?.quit()]);
      client.disconnect();
      sub?.disconnect();
    },
  };
}

/** The gateway the configuration asks for (NO_REDIS when neither REDIS_URL nor a cluster is set). */
export function redisGatewayFromConfig(
  config: Pick<
    Config,
    | 'redisUrl'
    | 'redisClusterNodes'
    | 'redisKeyPrefix'
    | 'redisCommandTimeoutMs'
    | 'redisBreakerThreshold'
    | 'redisBreakerCooldownMs'
    | 'redisTlsCaFile'
    | 'redisTlsServername'
  > &
    Partial<Pick<Config, 'redisUsername' | 'redisPassword'>>,
  onStateChange?: (state: BreakerState) => void,
): RedisGateway {
  return createRedisGateway({
    url: config.redisUrl,
    clusterNodes: config.redisClusterNodes,
    keyPrefix: config.redisKeyPrefix,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    breakerThreshold: config.redisBreakerThreshold,
    breakerCooldownMs: config.redisBreakerCooldownMs,
    tls: redisTlsOptions(config),
    username: config.redisUsername,
    password: config.redisPassword,
    onStateChange,
  });
}
