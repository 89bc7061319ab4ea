/**
 * What the service asks of Redis: a cache and a coordinator, never the system of record. Every
 * call goes through `run`, which answers undefined instead of an error (Redis absent, circuit
 * open, failure or timeout); callers fall back to the database or to in-process state.
 * ioredis-gateway.ts implements it; NO_REDIS is the gateway when no Redis is configured.
 */
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface RedisGateway {
  /** False when no Redis is configured: callers use their in-process fallbacks only. */
  readonly configured: boolean;
  /** Configured, connected and the circuit is not open. */
  readonly available: boolean;
  readonly state: BreakerState;
  /** True on a Redis Cluster: keys of different slots cannot share a script call or a pipeline. */
  readonly cluster: boolean;
  readonly keyPrefix: string;
  /** Runs fn against Redis; undefined when Redis is absent, the circuit is open, or fn fails or times out. */
  run<T>(fn: (client: RedisClient) => Promise<T>): Promise<T | undefined>;
  /** True when Redis answers a PING now; also lets a half-open circuit probe. */
  ping(): Promise<boolean>;
  /** A second connection for SUBSCRIBE (a subscribed connection can do nothing else). */
  subscriber(): RedisClient | undefined;
  /** Resolves when the client (default: the main one) is connected, or after ms, whichever is first. */
  waitUntilReady(client?: RedisClient, ms?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** No Redis configured: every call answers undefined at once. */
export const NO_REDIS: RedisGateway = {
  configured: false,
  available: false,
  state: 'open',
  cluster: false,
  keyPrefix: '',
  run: async () => undefined,
  ping: async () => false,
  subscriber: () => undefined,
  waitUntilReady: async () => false,
  close: async () => undefined,
};
