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
import type { ChainableCommander } from 'ioredis';
import type { RedisGateway } from '../redis/redis-gateway.js';
import { TurnPipeline, type PipelineReply } from '../redis/turn-pipeline.js';

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
 * The events of one write, appended by one script: they sit next to each other in the stream, in
 * the order given, even while other instances publish too (a script runs whole, as a MULTI did,
 * for one command instead of one per event). KEYS[1] the stream; ARGV[1] MAXLEN; then for each
 * event the number of its stream fields and values, then those in eventFields' order. Answers
 * the entries' ids.
 */
const XADD_ALL = 'dapiEventsAdd';
const XADD_ALL_LUA = `
local ids = {}
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return ids`;

/**
 * XADD to a stream, in the turn's pipeline (redis/turn-pipeline.ts) with the other requests'
 * commands: no round trip of its own. One event (every write but a bulk create) is a plain XADD;
 * the events of a bulk create, one script call. Only one key is touched, so either runs on a
 * Redis Cluster.
 */
export class RedisStreamPublisher implements EventPublisher {
  readonly stream: string;
  private readonly maxLen: number;
  private readonly onFailed: (count: number) => void;
  private readonly pipeline: TurnPipeline;

  constructor(
    private readonly gateway: RedisGateway,
    options: RedisStreamOptions = {},
  ) {
    this.stream = options.stream ?? `${gateway.keyPrefix}{events}:data`;
    this.maxLen = options.maxLen ?? 100_000;
    if (!Number.isInteger(this.maxLen) || this.maxLen < 1)
      throw new RangeError('maxLen must be an integer >= 1');
    this.onFailed = options.onFailed ?? (() => undefined);
    this.pipeline = TurnPipeline.of(gateway).define({ [XADD_ALL]: { lua: XADD_ALL_LUA, numberOfKeys: 1 } });
  }

  async publish(events: StreamEvent[]): Promise<void> {
    if (events.length === 0) return;
    let failed = events.length;
    try {
      const one = events.length === 1 ? events[0] : undefined;
      const replies = one
        ? await this.pipeline.submit((pipe) =>
            pipe.xadd(this.stream, 'MAXLEN', '~', this.maxLen, '*', ...eventFields(one)),
          )
        : entriesOf(await this.pipeline.submit((pipe) => this.addAll(pipe, events)));
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

  private addAll(pipe: ChainableCommander, events: StreamEvent[]): void {
    const values = events.flatMap((e) => {
      const fields = eventFields(e);
      return [String(fields.length), ...fields];
    });
    (pipe as ChainableCommander & Record<typeof XADD_ALL, (...args: (string | number)[]) => unknown>)[
      XADD_ALL
    ](this.stream, this.maxLen, ...values);
  }
}

/** The script's one reply as one reply per event: its entry id, or the script's error for each. */
function entriesOf(replies: PipelineReply[] | undefined): PipelineReply[] | undefined {
  const reply = replies?.[0];
  if (!reply) return undefined;
  if (reply[0] || !Array.isArray(reply[1])) return [[reply[0] ?? new Error('no entry ids'), null]];
  return (reply[1] as unknown[]).map((id) => [null, id]);
}

/** The publisher for a gateway: the stream when Redis is configured, else publishing is off. */
export function createEventPublisher(
  gateway: RedisGateway,
  options: RedisStreamOptions = {},
): EventPublisher {
  return gateway.configured ? new RedisStreamPublisher(gateway, options) : new NoopPublisher();
}
