/**
 * Redis with ACL credentials (REDIS_USERNAME, REDIS_PASSWORD), on a single server and on every
 * node of a cluster: a Redis Cluster had no way to be given them before (its nodes are host:port
 * pairs, with no URL to carry a password). Throwaway servers whose default user is turned off.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/config.js';
import { redisGatewayFromConfig } from '../../src/redis/ioredis-gateway.js';
import type { RedisGateway } from '../../src/redis/redis-gateway.js';
import {
  redisCommand,
  startRedis,
  startRedisCluster,
  until,
  type TestRedis,
  type TestRedisCluster,
} from '../helpers/redis-servers.js';

const USER = 'data-api';
const PASSWORD = randomBytes(16).toString('hex');

/** An ACL user for the service, then the default user off: nothing answers without credentials. */
async function requireCredentials(port: number): Promise<void> {
  expect(await redisCommand(port, `ACL SETUSER ${USER} on >${PASSWORD} ~* &* +@all`)).toBe('+OK');
  expect(await redisCommand(port, 'ACL SETUSER default off')).toBe('+OK');
}

const gateways: RedisGateway[] = [];
function gateway(env: Record<string, string>): RedisGateway {
  const config = loadConfig({ AUTH_MODE: 'none', REDIS_COMMAND_TIMEOUT_MS: '2000', ...env });
  const g = redisGatewayFromConfig(config);
  gateways.push(g);
  return g;
}

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

async function pings(g: RedisGateway, waitMs = 3000): Promise<boolean> {
  await until('redis', () => g.available, waitMs).catch(() => undefined);
  return (await g.run((c) => c.ping())) === 'PONG';
}

describe('a Redis that requires credentials', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis();
    await requireCredentials(server.port);
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('when REDIS_USERNAME and REDIS_PASSWORD are set, then the gateway is let in', async () => {
    const g = gateway({ REDIS_URL: server.url, REDIS_USERNAME: USER, REDIS_PASSWORD: PASSWORD });
    expect(await pings(g)).toBe(true);
  });

  test('when the password is wrong or missing, then Redis refuses and the gateway answers undefined', async () => {
    expect(
      await pings(gateway({ REDIS_URL: server.url, REDIS_USERNAME: USER, REDIS_PASSWORD: 'wrong' }), 1000),
    ).toBe(false);
    expect(await pings(gateway({ REDIS_URL: server.url }), 1000)).toBe(false);
  });
});

describe('a Redis Cluster that requires credentials', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    for (const node of cluster.nodes) await requireCredentials(Number(node.split(':')[1]));
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('when REDIS_USERNAME and REDIS_PASSWORD are set, then every node lets the gateway in', async () => {
    const g = gateway({
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      REDIS_USERNAME: USER,
      REDIS_PASSWORD: PASSWORD,
    });
    expect(await pings(g, 10_000)).toBe(true);
    // Keys in slots of every master: each node checked the credentials.
    const written = await g.run(async (c) => {
      for (let i = 0; i < 30; i++) await c.set(`cred:${i}`, String(i));
      return c.get('cred:29');
    });
    expect(written).toBe('29');
  });

  test('when no credentials are set, then the cluster refuses the gateway', async () => {
    expect(await pings(gateway({ REDIS_CLUSTER_NODES: cluster.nodes.join(',') }), 2000)).toBe(false);
  });
});
