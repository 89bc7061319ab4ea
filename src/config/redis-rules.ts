/** Redis settings: the URL's scheme, the cluster's node list, and TLS that fits the connection. */
import type { KeyValues, Loose } from './config-keys.js';
import { redisTlsOptions } from './redis-tls.js';

type RedisKeys = Pick<
  KeyValues,
  | 'REDIS_URL'
  | 'REDIS_CLUSTER_NODES'
  | 'REDIS_TLS_CA_FILE'
  | 'REDIS_TLS_SERVERNAME'
  | 'REDIS_USERNAME'
  | 'REDIS_PASSWORD'
>;

/** REDIS_CLUSTER_NODES as a list of host:port; empty when unset. */
export function clusterNodes(v: Loose<RedisKeys>): string[] {
  return (v.REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
}

/** Pushes a problem for a URL that is not redis://, a node that is not host:port, and bad TLS. */
export function checkRedis(v: Loose<RedisKeys>, problems: string[]): void {
  const redisUrl = v.REDIS_URL;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl))
    problems.push('REDIS_URL: expected a redis:// or rediss:// URL');
  const nodes = clusterNodes(v);
  for (const node of nodes) {
    if (!/^[^:\s]+:\d{1,5}$/.test(node)) problems.push(`REDIS_CLUSTER_NODES: "${node}" is not host:port`);
  }
  // Two places for one credential would leave which one is used to the driver.
  const url = redisUrl && URL.canParse(redisUrl) ? new URL(redisUrl) : undefined;
  if ((v.REDIS_USERNAME || v.REDIS_PASSWORD) && url && (url.username || url.password)) {
    problems.push('REDIS_PASSWORD: REDIS_URL holds credentials already; set them in one place');
  }
  if (v.REDIS_USERNAME && !v.REDIS_PASSWORD) {
    problems.push('REDIS_PASSWORD: required with REDIS_USERNAME');
  }
  try {
    // Reads the CA now, so a wrong path or a plaintext redis:// URL stops the start.
    redisTlsOptions({
      redisUrl,
      redisClusterNodes: nodes,
      redisTlsCaFile: v.REDIS_TLS_CA_FILE,
      redisTlsServername: v.REDIS_TLS_SERVERNAME,
    });
  } catch (err) {
    problems.push((err as Error).message);
  }
}
