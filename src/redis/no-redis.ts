/**
 * What runs without ioredis: NO_REDIS, and openRedisGateway, which loads redis-gateway.ts (and
 * so ioredis) only when Redis is configured. A process without Redis does not pay for loading it.
 */
import type { RedisGateway, redisGatewayFromConfig } from './redis-gateway.js';

/** No Redis configured: every call answers undefined at once. */
export const NO_REDIS: RedisGateway = {
  configured: false,
  available: false,
  state: 'open',
  keyPrefix: '',
  run: async () => undefined,
  ping: async () => false,
  subscriber: () => undefined,
  waitUntilReady: async () => false,
  close: async () => undefined,
};

/** redisGatewayFromConfig, with ioredis loaded only when REDIS_URL or REDIS_CLUSTER_NODES is set. */
export async function openRedisGateway(
  ...[config, onStateChange]: Parameters<typeof redisGatewayFromConfig>
): Promise<RedisGateway> {
  if (!config.redisUrl && !config.redisClusterNodes?.length) return NO_REDIS;
  const gateway = await import('./redis-gateway.js');
  return gateway.redisGatewayFromConfig(config, onStateChange);
}
