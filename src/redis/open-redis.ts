/**
 * openRedisGateway loads ioredis-gateway.ts (and so ioredis) only when Redis is configured: a
 * process without Redis does not pay for loading it.
 */
import { NO_REDIS, type RedisGateway } from './redis-gateway.js';
import type { redisGatewayFromConfig } from './ioredis-gateway.js';

/** redisGatewayFromConfig, with ioredis loaded only when REDIS_URL or REDIS_CLUSTER_NODES is set. */
export async function openRedisGateway(
  ...[config, onStateChange]: Parameters<typeof redisGatewayFromConfig>
): Promise<RedisGateway> {
  if (!config.redisUrl && !config.redisClusterNodes?.length) return NO_REDIS;
  const gateway = await import('./ioredis-gateway.js');
  return gateway.redisGatewayFromConfig(config, onStateChange);
}
