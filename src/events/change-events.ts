/**
 * Change events: after a write commits, one event per changed record goes to a Redis stream
 * for other services to read. Publishing is best effort by design: the database is the system
 * of record and the write has already succeeded, so a publisher never throws and never fails
 * or delays the write beyond the gateway's command timeout. Lost events are counted (onFailed)
 * so an alert can fire; consumers that need every change reconcile from the database by
 * `version`. See docs/events.md.
 */
import {
  NoopPublisher,
  type ChangeEvent,
  type EventPublisher,
  type StreamEvent,
  type UserErasedEvent,
} from '../domain/events.js';
import type { RedisClient, RedisGateway } from '../redis/redis-gateway.js';

export interface RedisStreamOptions {
  /** Stream key (default `<prefix>{events}:data`; the hash tag pins it to one cluster slot). */
  stream?: string;
  /** Approximate bound on the stream length, XADD MAXLEN ~ (default 100000). */
  maxLen?: number;
  /** Called with the number of events that were not confirmed by Redis. */
  onFailed?: (count: number) => void;
}

/** The stream fields of an event, in a fixed order (XADD takes field value pairs). */
export function eventFields(event: StreamEvent): string[] {
  if (event.type === 'user.erased') {
    return [
      'type',
      event.type,
      'user_id',
      event.user_id,
      'deleted',
      String(event.deleted),
      'time',
      event.time,
    ];
  }
  return [
    'type',
    event.type,
    'id',
    event.id,
    'user_id',
    event.user_id,
    'version',
    String(event.version),
    'time',
    event.time,
  ];
}

/** Reads an event back from stream fields (for consumers and tests); undefined when incomplete. */
export function eventFromFields(fields: string[]): ChangeEvent | undefined {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const type = map.get('type');
  const id = map.get('id');
  const userId = map.get('user_id');
  const version = Number(map.get('version'));
  const time = map.get('time');
  if (type !== 'data.created' && type !== 'data.updated' && type !== 'data.deleted') return undefined;
  if (!id || !userId || !Number.isInteger(version) || !time) return undefined;
  return { type, id, user_id: userId, version, time };
}

/** Reads a user.erased event back from stream fields; undefined when it is not one, or incomplete. */
export function userErasedFromFields(fields: string[]): UserErasedEvent | undefined {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const userId = map.get('user_id');
  const deleted = Number(map.get('deleted'));
  const time = map.get('time');
  if (
    map.get('type') !== 'user.erased' ||
    !userId ||
    !Number.isSafeInteger(deleted) ||
    deleted < 0 ||
    !time
  ) {
    return undefined;
  }
  return { type: 'user.erased', user_id: userId, deleted, time };
}

function countFailures(replies: [Error | null, unknown][] | null, expected: number): number {
  // exec answers null when the transaction was aborted; every reply is [error, result].
  if (!replies || replies.length !== expected) return expected;
  return replies.filter(([err, id]) => err !== null || typeof id !== 'string').length;
}

/**
 * XADD to a stream in one round trip per call. The events of one call go in one MULTI, so
 * they sit next to each other in the stream, in the order given, even while other instances
 * publish too. Only one key is touched, so MULTI is valid on a Redis Cluster.
 */
export class RedisStreamPublisher implements EventPublisher {
  readonly stream: string;
  private readonly maxLen: number;
  private readonly onFailed: (count: number) => void;

  constructor(
    private readonly gateway: RedisGateway,
    options: RedisStreamOptions = {},
  ) {
    this.stream = options.stream ?? `${gateway.keyPrefix}{events}:data`;
    this.maxLen = options.maxLen ?? 100_000;
    if (!Number.isInteger(this.maxLen) || this.maxLen < 1)
      throw new RangeError('maxLen must be an integer >= 1');
    this.onFailed = options.onFailed ?? (() => undefined);
  }

  async publish(events: StreamEvent[]): Promise<void> {
    if (events.length === 0) return;
    let failed = events.length;
    try {
      const replies = await this.gateway.run(async (client: RedisClient) => {
        // One event (every write but a bulk create): a plain XADD, the same as a MULTI of one.
        if (events.length === 1) {
          const id = await client.xadd(
            this.stream,
            'MAXLEN',
            '~',
            this.maxLen,
            '*',
            ...eventFields(events[0]!),
          );
          return [[null, id]] as [Error | null, unknown][];
        }
        const multi = client.multi();
        // MAXLEN ~ trims whole stream nodes only, which is far cheaper than an exact trim.
        for (const event of events)
          multi.xadd(this.stream, 'MAXLEN', '~', this.maxLen, '*', ...eventFields(event));
        return multi.exec();
      });
      // undefined: Redis absent, circuit open, error or timeout. A timed-out batch may still
      // land later: it is counted as failed because it was not confirmed (see docs/events.md).
      failed = replies === undefined ? events.length : countFailures(replies, events.length);
    } catch {
      failed = events.length; // run() does not throw; kept so publish never rejects whatever happens
    }
    if (failed > 0) {
      try {
        this.onFailed(failed);
      } catch {
        // a failing counter must not fail the write
      }
    }
  }
}

/** The publisher for a gateway: the stream when Redis is configured, else publishing is off. */
export function createEventPublisher(
  gateway: RedisGateway,
  options: RedisStreamOptions = {},
): EventPublisher {
  return gateway.configured ? new RedisStreamPublisher(gateway, options) : new NoopPublisher();
}
