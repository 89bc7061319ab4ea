/**
 * Change events: after a write commits, one event per changed record, for other services to
 * read. Publishing is best effort (the database is the system of record): a publisher never
 * throws. The Redis stream publisher is in src/events; see docs/events.md.
 */

export type ChangeType = 'data.created' | 'data.updated' | 'data.deleted';

export interface ChangeEvent {
  type: ChangeType;
  /** The record's id. */
  id: string;
  user_id: string;
  /** The record's version after the change (for a delete: the version that was deleted). */
  version: number;
  /** When the change committed, RFC 3339 (the record's updated_at). */
  time: string;
}

/**
 * A user's records were erased (DELETE /data?user_id=...): one event for the whole erase, with
 * how many records it deleted, instead of one data.deleted per record.
 */
export interface UserErasedEvent {
  type: 'user.erased';
  user_id: string;
  /** How many records this erase deleted (0 when there were none left). */
  deleted: number;
  /** When the erase finished, RFC 3339: the user had no records left then. */
  time: string;
}

/** Every event the stream carries. */
export type StreamEvent = ChangeEvent | UserErasedEvent;

export interface EventPublisher {
  /** Publishes the events in order. Resolves in every case; never rejects. */
  publish(events: StreamEvent[]): Promise<void>;
}

/**
 * Publishing switched off: with no Redis configured there is no stream to publish to, so
 * nothing is lost and nothing is counted as failed (a failure is "configured but not
 * delivered", which is what onFailed alerts on).
 */
export class NoopPublisher implements EventPublisher {
  async publish(): Promise<void> {}
}
