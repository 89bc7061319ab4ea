/** Change events on a real Redis stream: order, fields, bounded length, and Redis being gone. */
import { randomBytes } from 'node:crypto';
import {
  createEventPublisher,
  eventFromFields,
  RedisStreamPublisher,
} from '../../src/events/change-events.js';
import { NoopPublisher, type ChangeEvent } from '../../src/domain/events.js';
import { NO_REDIS, type RedisClient, type RedisGateway } from '../../src/redis/redis-gateway.js';
import { createRedisGateway, type RedisGatewayOptions } from '../../src/redis/ioredis-gateway.js';
import { freePort, startRedis, type TestRedis, until } from '../helpers/redis-servers.js';

const SHARED_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:ev:${randomBytes(6).toString('hex')}:`;
const gateways: RedisGateway[] = [];
let redis: RedisGateway;

function gateway(options: Partial<RedisGatewayOptions> = {}): RedisGateway {
  const g = createRedisGateway({
    url: SHARED_REDIS,
    commandTimeoutMs: 2000,
    breakerThreshold: 5,
    breakerCooldownMs: 100,
    keyPrefix: PREFIX,
    ...options,
  });
  gateways.push(g);
  return g;
}

function event(n: number, type: ChangeEvent['type'] = 'data.created'): ChangeEvent {
  return {
    type,
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    user_id: 'user123',
    version: n,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString(),
  };
}

async function read(stream: string, g: RedisGateway = redis): Promise<[string, string[]][]> {
  return (await g.run((c: RedisClient) => c.xrange(stream, '-', '+'))) ?? [];
}

const streamName = (label: string) => `${PREFIX}{events}:${label}`;

beforeAll(async () => {
  redis = gateway();
  await until('redis', () => redis.available);
});

afterAll(async () => {
  await redis.run(async (c: RedisClient) => {
    const keys = (await c.keys(`${PREFIX}*`)) as string[];
    if (keys.length > 0) await c.del(...keys);
  });
  await Promise.all(gateways.map((g) => g.close()));
});

describe('RedisStreamPublisher', () => {
  test('when events are published, then they land in order with the documented fields', async () => {
    const failed: number[] = [];
    const publisher = new RedisStreamPublisher(redis, { onFailed: (n) => failed.push(n) });
    expect(publisher.stream).toBe(`${PREFIX}{events}:data`);
    const events = [event(1, 'data.created'), event(1, 'data.updated'), event(1, 'data.deleted')];
    events[1] = { ...events[1], version: 2 } as ChangeEvent;
    events[2] = { ...events[2], version: 2 } as ChangeEvent;
    await publisher.publish(events);
    const entries = await read(publisher.stream);
    expect(entries).toHaveLength(3);
    expect(entries[0]?.[1]).toEqual([
      'type',
      'data.created',
      'id',
      events[0]?.id,
      'user_id',
      'user123',
      'version',
      '1',
      'time',
      '2026-01-01T00:00:00.001Z',
    ]);
    expect(entries.map(([, fields]) => eventFromFields(fields))).toEqual(events);
    // Stream ids grow: the order in the stream is the order of the call.
    const ids = entries.map(([id]) => id.split('-').map(BigInt) as [bigint, bigint]);
    for (let i = 1; i < ids.length; i++) {
      const [[ms0, seq0], [ms1, seq1]] = [ids[i - 1] as [bigint, bigint], ids[i] as [bigint, bigint]];
      expect(ms1 > ms0 || (ms1 === ms0 && seq1 > seq0)).toBe(true);
    }
    expect(failed).toEqual([]);
  });

  test('when two instances publish batches at once, then each batch stays together and in order', async () => {
    const stream = streamName('batches');
    const one = new RedisStreamPublisher(redis, { stream });
    const other = gateway();
    await until('second gateway', () => other.available);
    const two = new RedisStreamPublisher(other, { stream });
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 5 }, (_, i) => event(b * 100 + i)),
    );
    await Promise.all(batches.map((batch, b) => (b % 2 === 0 ? one : two).publish(batch)));
    const versions = (await read(stream)).map(([, f]) => eventFromFields(f)?.version ?? -1);
    expect(versions).toHaveLength(100);
    for (let i = 0; i < 100; i += 5) {
      const base = versions[i] as number;
      expect(versions.slice(i, i + 5)).toEqual([base, base + 1, base + 2, base + 3, base + 4]);
    }
  });

  test('when more than maxLen events are published, then the stream stays near maxLen and keeps the newest', async () => {
    const stream = streamName('bounded');
    const publisher = new RedisStreamPublisher(redis, { stream, maxLen: 100 });
    for (let b = 0; b < 10; b++)
      await publisher.publish(Array.from({ length: 100 }, (_, i) => event(b * 100 + i)));
    const length = (await redis.run((c: RedisClient) => c.xlen(stream))) ?? -1;
    // MAXLEN ~ trims whole stream nodes (stream-node-max-entries, 100 by default): never below
    // maxLen, never a whole node above it.
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(200);
    const entries = await read(stream);
    expect(eventFromFields(entries[entries.length - 1]?.[1] ?? [])?.version).toBe(999);
  });

  test('when Redis answers with an error, then publish resolves and onFailed counts the events', async () => {
    const stream = streamName('wrongtype');
    await redis.run((c: RedisClient) => c.set(stream, 'not a stream'));
    const failed: number[] = [];
    const publisher = new RedisStreamPublisher(redis, { stream, onFailed: (n) => failed.push(n) });
    await expect(publisher.publish([event(1), event(2)])).resolves.toBeUndefined();
    expect(failed).toEqual([2]);
  });

  test('when Redis is unreachable, then publish resolves at once and onFailed counts every event', async () => {
    const closed = gateway({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 50 });
    const failed: number[] = [];
    const publisher = new RedisStreamPublisher(closed, { onFailed: (n) => failed.push(n) });
    const started = Date.now();
    await expect(publisher.publish([event(1), event(2), event(3)])).resolves.toBeUndefined();
    await expect(publisher.publish([event(4)])).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(failed).toEqual([3, 1]);
  });

  test('when onFailed itself throws, or there is nothing to publish, then publish still resolves', async () => {
    const closed = gateway({ url: `redis://127.0.0.1:${await freePort()}` });
    let calls = 0;
    const publisher = new RedisStreamPublisher(closed, {
      onFailed: () => {
        calls++;
        throw new Error('metrics are broken');
      },
    });
    await expect(publisher.publish([event(1)])).resolves.toBeUndefined();
    await expect(publisher.publish([])).resolves.toBeUndefined();
    expect(calls).toBe(1);
  });
});

describe('a Redis that dies and comes back', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('when Redis is killed, then events are counted as failed; after a restart they flow again', async () => {
    const g = gateway({ url: server.url, keyPrefix: '', commandTimeoutMs: 500 });
    await until('gateway ready', () => g.available);
    const failed: number[] = [];
    const publisher = new RedisStreamPublisher(g, { onFailed: (n) => failed.push(n) });
    await publisher.publish([event(1)]);
    await server.kill();
    await publisher.publish([event(2), event(3)]);
    expect(failed).toEqual([2]);
    await server.restart();
    await until('gateway back', async () => (await g.run((c) => c.ping())) === 'PONG');
    await publisher.publish([event(4)]);
    expect(failed).toEqual([2]);
    // The restarted server saved nothing: only what was published after it came back.
    expect((await read('{events}:data', g)).map(([, f]) => eventFromFields(f)?.version)).toEqual([4]);
  });
});

describe('no Redis configured', () => {
  test('when Redis is not configured, then publishing is off: nothing is sent and nothing counts as failed', async () => {
    let failed = 0;
    const publisher = createEventPublisher(NO_REDIS, { onFailed: () => failed++ });
    expect(publisher).toBeInstanceOf(NoopPublisher);
    await expect(publisher.publish([event(1)])).resolves.toBeUndefined();
    expect(failed).toBe(0);
    expect(createEventPublisher(redis)).toBeInstanceOf(RedisStreamPublisher);
  });
});
